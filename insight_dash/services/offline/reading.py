"""Reading a question against one table: every token gets a role (a column, a category value,
a number, an operation word, a word of no meaning) or none. Tokens with no role are the words
the engine did not understand; the planner must also spend every role it was given."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from insight_dash.services.catalogue import Column, Table
from insight_dash.services.offline import words as w

OPERATOR_WORDS = (set(w.AGGREGATES) | w.HIGH | w.LOW | w.COUNT_WORDS | w.SHARE_WORDS | w.CORRELATION_WORDS
                  | w.DISTRIBUTION_WORDS | w.TREND_WORDS | w.CHART_WORDS | w.ANY_WORDS | w.LIST_WORDS
                  | w.GROUP_MARKERS | w.COMPARE_WORDS | w.MISSING_WORDS | w.DISTINCT_WORDS | set(w.PERIODS)
                  | {"which", "who", "minus", "difference", "ratio", "divided", "variance", "overspend", "underspend",
                     "plus", "between", "than", "not", "no", "how"})
SINGLE_ROLES = [  # (role, words) for operation words, tried in this order
    ("agg", set(w.AGGREGATES)), ("high", w.HIGH), ("low", w.LOW), ("count", w.COUNT_WORDS), ("share", w.SHARE_WORDS),
    ("correlation", w.CORRELATION_WORDS), ("distribution", w.DISTRIBUTION_WORDS), ("trend", w.TREND_WORDS),
    ("chart", w.CHART_WORDS), ("any", w.ANY_WORDS), ("list", w.LIST_WORDS), ("group", w.GROUP_MARKERS),
    ("versus", w.COMPARE_WORDS), ("missing", w.MISSING_WORDS), ("distinct", w.DISTINCT_WORDS),
    ("period", set(w.PERIODS)), ("month", set(w.MONTHS)), ("which", {"which"}), ("minus", {"minus", "-"}),
    ("divide", {"/", "divided", "ratio"}), ("difference", {"difference", "gap"}), ("variance", {"variance"}),
    ("overspend", {"overspend", "overspent", "overrun"}), ("underspend", {"underspend", "underspent"}),
    ("between", {"between"}), ("joiner", w.JOINERS), ("colnoun", w.COLUMN_NOUNS), ("motion", w.MOTION_VERBS),
]


@dataclass(eq=False)
class Span:
    start: int
    end: int
    role: str | None  # None: not understood
    column: Column | None = None
    value: Any = None  # a category value, a number, an operator, a period, a month
    candidates: list[Column] = field(default_factory=list)  # a column named ambiguously

    @property
    def indices(self) -> range:
        return range(self.start, self.end)


@dataclass
class Reading:
    table: Table
    tokens: list[w.Token]
    spans: list[Span]

    def of(self, *roles: str) -> list[Span]:
        return [span for span in self.spans if span.role in roles]

    def text(self, span: Span) -> str:
        return " ".join(token.text for token in self.tokens[span.start:span.end])

    def next(self, span: Span) -> Span | None:
        later = [s for s in self.spans if s.start >= span.end and s.role not in ("stop",)]
        return min(later, key=lambda s: s.start) if later else None

    def previous(self, span: Span, skip: Iterable[str] = ("stop",)) -> Span | None:
        earlier = [s for s in self.spans if s.end <= span.start and s.role not in skip]
        return max(earlier, key=lambda s: s.start) if earlier else None

    @property
    def first_word(self) -> str:
        return self.tokens[0].lower if self.tokens else ""


def read(tokens: list[w.Token], table: Table) -> Reading:
    taken: dict[int, Span] = {}

    def claim(span: Span) -> None:
        spans.append(span)
        for index in span.indices:
            taken[index] = span

    def free(start: int, end: int) -> bool:
        return end <= len(tokens) and all(index not in taken for index in range(start, end))

    spans: list[Span] = []
    _quoted(tokens, table, claim, free)
    _columns(tokens, table, claim, free, minimum_words=2)
    _values(tokens, table, claim, free, minimum_words=2)
    _phrases(tokens, claim, free)
    _columns(tokens, table, claim, free, minimum_words=1)
    _table_rows(tokens, table, claim, free)
    _values(tokens, table, claim, free, minimum_words=1)
    _single_words(tokens, claim, free)
    _loose_columns(tokens, table, claim, free)
    _numbers_and_rest(tokens, claim, free)
    _resolve_ambiguous(spans, tokens)
    spans.sort(key=lambda span: span.start)
    return Reading(table=table, tokens=tokens, spans=spans)


def column_words(column: Column) -> list[str]:
    return w.words_of(column.name)


def key_words(column: Column) -> list[str]:
    """The words that name a column without its unit ("Steam Temp. (F)" -> steam temp)."""
    words = column_words(column)
    return [word for word in words if word not in w.UNIT_WORDS] or words


def _names_match(question: list[str], name: list[str], ordered: bool) -> bool:
    if len(question) != len(name):
        return False
    if ordered:
        return all(w.same_word(a, b) for a, b in zip(question, name))
    remaining = list(name)
    for word in question:
        match = next((other for other in remaining if w.same_word(word, other)), None)
        if match is None:
            return False
        remaining.remove(match)
    return True


def _quoted(tokens, table: Table, claim, free) -> None:
    """A name in quotes is a column or a value, never an operation word."""
    index = 0
    while index < len(tokens):
        if not tokens[index].quoted:
            index += 1
            continue
        end = index
        while end < len(tokens) and tokens[end].quoted == tokens[index].quoted:
            end += 1
        words = [token.word for token in tokens[index:end]]
        named = [c for c in table.columns if column_words(c) == words]
        exact = [c for c in named if c.name == tokens[index].quoted]  # "Sales", not "sales"
        column = (exact or named)[0] if len(exact or named) == 1 else None
        value = None if named else _value_named(table, words)
        if len(named) > 1 and column is None:
            claim(Span(index, end, "ambiguous", candidates=named))
        elif column is not None:
            claim(Span(index, end, "column", column=column))
        elif value is not None:
            claim(Span(index, end, "value", column=value[0], value=value[1]))
        else:
            claim(Span(index, end, None))
        index = end


def _columns(tokens, table: Table, claim, free, minimum_words: int) -> None:
    """Columns named by all their words (or all but their unit), longest names first."""
    forms = []
    for column in table.columns:
        for words in {tuple(column_words(column)), tuple(key_words(column))}:
            if words and (len(words) >= minimum_words if minimum_words > 1 else len(words) == 1):
                forms.append((words, column))
    forms.sort(key=lambda item: -len(item[0]))
    question = [token.word for token in tokens]
    for size in sorted({len(words) for words, _ in forms}, reverse=True):
        for start in range(len(tokens) - size + 1):
            if not free(start, start + size):
                continue
            window = question[start:start + size]
            if size == 1 and (window[0] in OPERATOR_WORDS or tokens[start].lower in w.STOP_WORDS):
                continue  # "total", "count", "value": the operation, unless the name is quoted
            matches = [column for words, column in forms if len(words) == size
                       and _names_match(window, list(words), ordered=size > 3)]
            matches = list(dict.fromkeys(matches))
            if not matches:
                continue
            exact = [c for c in matches if c.name == " ".join(t.text for t in tokens[start:start + size])]
            chosen = exact if len(exact) == 1 else matches
            if len(chosen) == 1:
                claim(Span(start, start + size, "column", column=chosen[0]))
            else:
                claim(Span(start, start + size, "ambiguous", candidates=chosen))


def _value_named(table: Table, words: list[str]) -> tuple[Column, str] | None:
    for column in table.columns:
        for value in column.values:
            if w.words_of(value) == words:
                return column, value
    return None


def _values(tokens, table: Table, claim, free, minimum_words: int) -> None:
    """Category values the profile knows ("for plant North", "alarms"). A one-letter value
    counts only beside its column's name ("Embarked S")."""
    question = [w.VALUE_WORDS.get(token.lower, token.word) for token in tokens]
    candidates = []
    for column in table.columns:
        if column.kind not in ("text", "boolean"):
            continue
        for value in column.values:
            words = w.words_of(value)
            if words and (len(words) >= minimum_words if minimum_words > 1 else len(words) == 1):
                candidates.append((words, column, value))
    candidates.sort(key=lambda item: -len(item[0]))
    for words, column, value in candidates:
        size = len(words)
        for start in range(len(tokens) - size + 1):
            if not free(start, start + size) or question[start:start + size] != words:
                continue
            typed_as_value = tokens[start].text == value and not value.islower()  # "IT", not "it"
            if size == 1 and (words[0] in OPERATOR_WORDS or tokens[start].lower in w.STOP_WORDS) and not typed_as_value:
                continue
            if len(value) == 1 and not _beside_column(tokens, start, size, column):
                continue
            claim(Span(start, start + size, "value", column=column, value=value))


def _beside_column(tokens, start: int, size: int, column: Column) -> bool:
    words = key_words(column)
    before = [t.word for t in tokens[max(0, start - len(words)):start]]
    after = [t.word for t in tokens[start + size:start + size + len(words)]]
    return before == words or after == words


def _phrases(tokens, claim, free) -> None:
    """Operation phrases of several words: comparisons, negations, "most common", "how many"."""
    lowered = [token.lower for token in tokens]
    phrases = [(words, "compare", op) for words, op in w.COMPARISONS if len(words) > 1]
    phrases += [(words, "or_more", op) for words, op in w.OR_MORE]
    phrases += [(words, "negate", None) for words in w.NEGATIONS if len(words) > 1]
    phrases += [(words, "mode", None) for words in w.MODE_PHRASES if len(words) > 1]
    phrases += [(("how", "many"), "count", None), (("how", "much"), "agg", "sum"), (("standard", "deviation"), "agg", "std"),
                (("over", "time"), "trend", None), (("broken", "down", "by"), "group", None), (("split", "by"), "group", None),
                (("for", "each"), "group", None), (("as", "a", "share", "of"), "divide", "/"),
                (("divided", "by"), "divide", "/"),
                (("than",), "than", None), (("is", "there"), "exists", None), (("are", "there"), "exists", None), (("were", "there"), "exists", None),
                (("was", "there"), "exists", None)]
    for words, role, value in sorted(phrases, key=lambda item: -len(item[0])):
        size = len(words)
        for start in range(len(tokens) - size + 1):
            if free(start, start + size) and tuple(lowered[start:start + size]) == words:
                claim(Span(start, start + size, role, value=value))


def _table_rows(tokens, table: Table, claim, free) -> None:
    """The table's own name ("line items", "passengers") and row nouns name its rows."""
    name = [word for word in w.words_of(table.name) if not word.isdigit()]
    question = [token.word for token in tokens]
    for start in range(len(tokens) - len(name) + 1):
        if name and free(start, start + len(name)) and question[start:start + len(name)] == name:
            claim(Span(start, start + len(name), "row", value="table"))
    for index, token in enumerate(tokens):
        if free(index, index + 1) and token.word in w.ROW_NOUNS:
            claim(Span(index, index + 1, "row"))


def _single_words(tokens, claim, free) -> None:
    for index, token in enumerate(tokens):
        if not free(index, index + 1):
            continue
        word, lower = token.word, token.lower
        comparison = next((op for words, op in w.COMPARISONS if words == (lower,)), None)
        negation = (lower,) in w.NEGATIONS
        if lower in w.COMPARATIVES:
            continue  # "older than": an adjective, read with the measures
        if comparison:
            claim(Span(index, index + 1, "compare", value=comparison))
        elif negation:
            claim(Span(index, index + 1, "negate"))
        elif lower in w.MEASURE_ADJECTIVES:
            continue
        elif (lower,) in w.MODE_PHRASES:
            claim(Span(index, index + 1, "mode"))
        else:
            role = next((role for role, vocabulary in SINGLE_ROLES if lower in vocabulary or word in vocabulary), None)
            if role is not None:
                value = w.PERIODS.get(word) if role == "period" else w.MONTHS.get(lower) if role == "month" else None
                claim(Span(index, index + 1, role, value=value if value is not None else lower))


def _loose_columns(tokens, table: Table, claim, free) -> None:
    """A column named by one distinctive word of its name ("pressure" for pressure_kpa,
    "steam" for "Steam Temp. (F)"), and measures named by an adjective ("oldest" -> Age)."""
    for index, token in enumerate(tokens):
        if not free(index, index + 1) or token.lower in w.STOP_WORDS or token.number is not None:
            continue
        verb = w.MEASURE_VERBS.get(token.lower)
        if verb is not None:
            matches = [c for c in table.columns if c.kind == "number" and verb in key_words(c)]
            if len(matches) == 1:
                claim(Span(index, index + 1, "column", column=matches[0]))
            continue
        if token.lower in w.UNIT_WORDS and index and tokens[index - 1].number is not None:
            matches = [c for c in table.columns if c.kind == "number" and column_words(c)[-1:] == [token.lower]]
            claim(Span(index, index + 1, "unit", column=matches[0] if len(matches) == 1 else None))
            continue
        adjective = w.MEASURE_ADJECTIVES.get(token.lower)
        if adjective is not None:
            matches = [c for c in table.columns if c.kind == "number" and adjective in key_words(c)]
            if len(matches) == 1:
                direction = w.COMPARATIVES.get(token.lower) or ("high" if token.lower in w.HIGH else
                                                                 "low" if token.lower in w.LOW else None)
                claim(Span(index, index + 1, "adjective", column=matches[0], value=direction))
            continue
        if (len(token.word) < 3 and not any(ch.isdigit() for ch in token.word)) or token.word in OPERATOR_WORDS:
            continue  # "H1", "Q2" qualify a name; other short words are too common to name one
        matches = [c for c in table.columns if any(w.same_word(token.word, word) for word in key_words(c))]
        if len(matches) == 1:
            claim(Span(index, index + 1, "column", column=matches[0]))
        elif matches:
            claim(Span(index, index + 1, "ambiguous", candidates=matches))


def _numbers_and_rest(tokens, claim, free) -> None:
    for index, token in enumerate(tokens):
        if not free(index, index + 1):
            continue
        if token.number is not None:
            claim(Span(index, index + 1, "number", value=token.number))
        elif token.lower in w.STOP_WORDS or (token.lower in w.CONNECTORS and index > 0):
            claim(Span(index, index + 1, "stop"))
        else:
            claim(Span(index, index + 1, None))


def _resolve_ambiguous(spans: list[Span], tokens: list[w.Token]) -> None:
    """"budget" (Budget H1 or Budget H2?) is settled by "H1" elsewhere in the question, or by a
    named column it pairs with: "spent more than their H1 budget" spends Actual H1."""
    # Content words first ("budget"); short qualifiers ("H1") help settle them, and may settle several.
    ambiguous = sorted((s for s in spans if s.role == "ambiguous"),
                       key=lambda s: any(ch.isdigit() for ch in tokens[s.start].word))
    for span in ambiguous:
        if span.role != "ambiguous":
            continue
        for candidate in span.candidates:
            rest = [word for word in key_words(candidate) if not w.same_word(word, tokens[span.start].word)]
            helpers = [s for s in spans if s is not span and s.role in (None, "ambiguous", "qualifier")
                       and s.end - s.start == 1 and any(w.same_word(tokens[s.start].word, word) for word in rest)]
            if rest and len(helpers) == len(rest):
                span.role, span.column, span.candidates = "column", candidate, []
                for helper in helpers:
                    helper.role, helper.candidates = "qualifier", []
                break
    named = [span.column for span in spans if span.role == "column"]
    for span in [s for s in spans if s.role == "ambiguous"]:
        paired = [c for c in span.candidates if _qualifiers(c) and any(_qualifiers(c) == _qualifiers(other)
                                                                       for other in named if other is not c)]
        if len(paired) == 1:
            span.role, span.column, span.candidates = "column", paired[0], []


def _qualifiers(column: Column) -> frozenset[str]:
    """What is left of a budget or actual column's name without those words ("H1")."""
    return frozenset(word for word in key_words(column)
                     if not any(w.same_word(word, other) for other in w.PLAN_WORDS | w.ACTUAL_WORDS))
