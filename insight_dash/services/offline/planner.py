"""What a plan is made of, and the first parts of planning: derived measures (actual - budget)
and the conditions on rows (values, comparisons, negations, months).

The planner spends the roles the reading gave the question's words: these parts first, then
one shape of answer (shapes.py) that uses what is left. A word it could not read, or read but
could not fit into any shape, is named in a decline instead of being ignored.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from insight_dash.sandbox.policy import names_a_dunder
from insight_dash.services.catalogue import Column, Table
from insight_dash.services.offline import words as w
from insight_dash.services.offline.reading import Reading, Span, key_words

HARMLESS = {"stop", "joiner", "qualifier", "row", "colnoun", "exists", "which", "than"}
INVERSE = {">": "<=", ">=": "<", "<": ">=", "<=": ">", "=": "!=", "!=": "="}
SYMBOL = {">": ">", ">=": "≥", "<": "<", "<=": "≤", "=": "=", "!=": "≠"}


@dataclass(frozen=True)
class Aggregate:
    fn: str  # the SQL function
    verb: str  # "Summed", for the explanation
    label: str  # "total", for titles


SUM, AVG, MIN, MAX = (Aggregate(*w.AGGREGATES[word]) for word in ("total", "average", "minimum", "maximum"))


@dataclass
class Measure:
    label: str  # as people read it: "Amount", "Actual − Budget"
    sql: str  # a row expression
    columns: list[Column]
    additive: bool
    ratio: tuple[str, str] | None = None  # numerator and denominator, aggregated apart
    aggregate: Aggregate | None = None  # named with it: "ratio of total net to total gross"


@dataclass
class Condition:
    sql: str
    label: str  # "Status = Derate", "Actual > Budget"
    columns: list[Column]


@dataclass
class Plan:
    table: Table
    intent: str
    answer: str  # number, table, chart, text, list, boolean
    measures: list[Measure] = field(default_factory=list)
    aggregate: Aggregate | None = None
    group: Column | None = None
    filters: list[Condition] = field(default_factory=list)
    having: tuple[Aggregate, Measure, str, float] | None = None
    limit: int | None = None
    descending: bool = True
    period: str | None = None
    time: Column | None = None
    target: Column | None = None
    threshold: tuple[str, float | None, Aggregate | None, Measure | None] | None = None
    used: int = 0  # how many of the question's spans it spent
    names_table: bool = False  # the question named this table ("line items")


@dataclass
class Leftover:
    """A table the question could not be fully read against: the words that did not fit."""

    table: Table
    unknown: list[str]  # words with no meaning here
    unused: list[str]  # words read, but not fitted into any shape of answer
    reason: str = ""
    mentioned: list[Column] = field(default_factory=list)


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: object) -> str:
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() else repr(value)
    return "'" + str(value).replace("'", "''") + "'"


class Draft:
    """The spans of one reading, and which of them a plan has spent."""

    def __init__(self, reading: Reading):
        self.reading = reading
        self.used: set[int] = set()
        self.reason = ""

    def take(self, *spans: Span | None) -> None:
        self.used.update(id(span) for span in spans if span is not None)

    def free(self, *roles: str) -> list[Span]:
        return [span for span in self.reading.spans if span.role in roles and id(span) not in self.used]

    def first(self, *roles: str) -> Span | None:
        spans = self.free(*roles)
        return spans[0] if spans else None

    def near(self, span: Span, step: int, skip: tuple[str, ...] = ("stop",)) -> Span | None:
        """The next (step 1) or previous (step -1) span, passing over `skip` roles."""
        spans = self.reading.spans
        index = spans.index(span) + step
        while 0 <= index < len(spans) and spans[index].role in skip:
            index += step
        return spans[index] if 0 <= index < len(spans) else None

    def leftover(self) -> list[Span]:
        return [s for s in self.reading.spans if id(s) not in self.used and s.role not in HARMLESS]


# ---------------------------------------------------------------- measures


def shown(column: Column) -> str:
    """The name results show for a column: its own, unless it reads like a Python dunder
    (which the sandbox's policy refuses in code); the identifier is mapped back afterwards."""
    return column.sql if names_a_dunder(column.name) else column.name


def column_measure(column: Column) -> Measure:
    return Measure(shown(column), quote(column.sql), [column], additive=additive(column))


def additive(column: Column) -> bool:
    words = set(key_words(column))
    return bool(words & w.ADDITIVE_WORDS) or any(w.same_word(word, "actual") for word in words) or is_flag(column)


def is_flag(column: Column) -> bool:
    return column.kind == "boolean" or (column.integer and column.minimum == 0 and column.maximum == 1)


def _numeric(span: Span | None) -> bool:
    return span is not None and span.role in ("column", "adjective") and span.column.kind == "number"


def derived_measures(draft: Draft) -> list[Measure]:
    """Measures of two columns: "actual minus budget", "difference between gross and net",
    "net / gross", "ratio of net to gross", "variance", "overspend"."""
    measures = []
    for op in draft.free("minus", "divide"):
        left, right = draft.near(op, -1, ("stop", "agg")), draft.near(op, 1, ("stop", "agg"))
        if op.role == "divide" and op.value == "ratio":
            left, right = draft.near(op, 1, ("stop", "agg")), None  # "ratio of A to B"
            right = draft.near(left, 1, ("stop", "agg")) if left is not None else None
            if not (_numeric(left) and _numeric(right)):  # "the A to B ratio"
                right = draft.near(op, -1, ("stop",))
                left = draft.near(right, -1, ("stop",)) if right is not None else None
        if _numeric(left) and _numeric(right) and id(left) not in draft.used and id(right) not in draft.used:
            named = [s for s in draft.free("agg") if left.start - 2 <= s.start <= right.end]
            draft.take(op, left, right, *named)
            measure = _combine(left.column, right.column, "-" if op.role == "minus" else "/")
            measure.aggregate = Aggregate(*w.AGGREGATES[named[0].value]) if named and named[0].value in w.AGGREGATES \
                else None
            measures.append(measure)
    for op in draft.free("difference"):
        first = draft.near(op, 1, ("stop", "between"))
        joiner = draft.near(first, 1) if first is not None else None
        second = draft.near(joiner, 1) if joiner is not None and joiner.role == "joiner" else None
        if _numeric(first) and _numeric(second):
            draft.take(op, first, joiner, second, *[s for s in draft.free("between") if s.end <= first.start])
            measures.append(_combine(first.column, second.column, "-"))
    for word in draft.free("variance", "overspend", "underspend"):
        pair = _budget_pair(draft)
        if pair is None:
            continue
        actual, plan = pair
        existing = next((m for m in measures if m.columns == [actual, plan]), None)
        if existing is None:
            existing = _combine(plan, actual, "-") if word.role == "underspend" else _combine(actual, plan, "-")
            measures.append(existing)
        draft.take(word)
    return measures


def _combine(a: Column, b: Column, op: str) -> Measure:
    if op == "/":
        return Measure(f"{shown(a)} / {shown(b)}", f"{quote(a.sql)} / {quote(b.sql)}", [a, b], additive=False,
                       ratio=(quote(a.sql), quote(b.sql)))
    return Measure(f"{shown(a)} − {shown(b)}", f"({quote(a.sql)} - {quote(b.sql)})", [a, b],
                   additive=additive(a) and additive(b))


def _budget_pair(draft: Draft) -> tuple[Column, Column] | None:
    """The (actual, budget) columns a "variance" or "over budget" is about: the pair named in
    the question, or the table's only pair."""
    table = draft.reading.table
    pairs = []
    for actual in table.columns:
        if actual.kind != "number" or not any(w.same_word(word, "actual") for word in key_words(actual)):
            continue
        rest = [word for word in key_words(actual) if not w.same_word(word, "actual")]
        for plan in table.columns:
            words = key_words(plan)
            if plan.kind == "number" and set(words) & w.PLAN_WORDS and [x for x in words if x not in w.PLAN_WORDS] == rest:
                pairs.append((actual, plan))
    if len(pairs) == 1:
        return pairs[0]
    named = {s.column for s in draft.reading.spans if s.role == "column"}
    qualifiers = {draft.reading.tokens[s.start].word for s in draft.reading.spans if s.role in ("qualifier", "ambiguous", None)}
    chosen = [pair for pair in pairs if set(pair) & named or set(key_words(pair[0])) & qualifiers]
    if len(chosen) == 1:
        for span in draft.reading.spans:
            if span.role == "ambiguous" and set(span.candidates) & set(chosen[0]):
                span.role, span.column = "qualifier", None
        return chosen[0]
    if pairs:
        draft.reason = "It could not tell which budget and actual columns to compare."
    return None


# ---------------------------------------------------------------- conditions


def conditions(draft: Draft, measures: list[Measure]) -> list[Condition]:
    return _value_conditions(draft) + _comparisons(draft, measures) + _time_conditions(draft)


def _value_conditions(draft: Draft) -> list[Condition]:
    """"for plant North", "status ok", "alarms", "not Labour", "plant North or South"."""
    grouped: dict[int, list[Span]] = {}
    for span in draft.free("value"):
        grouped.setdefault(id(span.column), []).append(span)
    conditions = []
    for spans in grouped.values():
        column = spans[0].column
        negated = any(_negated(draft, span) for span in spans)
        values = list(dict.fromkeys(span.value for span in spans))
        draft.take(*spans, *[draft.near(s, -1) for s in spans if _joins(draft, s)])
        for span in spans:
            for step in (-1, 1):
                beside = draft.near(span, step, ("stop", "negate"))
                if beside is not None and beside.role == "column" and beside.column is column:
                    draft.take(beside)
        if len(values) == 1:
            op = "!=" if negated else "="
            conditions.append(Condition(f"{quote(column.sql)} {op} {literal(values[0])}",
                                        f"{column.name} {SYMBOL[op]} {values[0]}", [column]))
        else:
            word = "NOT IN" if negated else "IN"
            conditions.append(Condition(f"{quote(column.sql)} {word} ({', '.join(literal(v) for v in values)})",
                                        f"{column.name} {'not ' if negated else ''}in {', '.join(values)}", [column]))
    return conditions


def _joins(draft: Draft, span: Span) -> bool:
    before = draft.near(span, -1)
    return before is not None and before.role == "joiner" and draft.near(before, -1) is not None \
        and draft.near(before, -1).role == "value"


def _negated(draft: Draft, span: Span) -> bool:
    """A negation just before the value or its column ("excluding unit U1", "did not have status ok")."""
    before = draft.near(span, -1)
    if before is not None and before.role == "column" and before.column is span.column:
        before = draft.near(before, -1)
    if before is not None and before.role == "negate":
        draft.take(before)
        return True
    return False


def _comparisons(draft: Draft, measures: list[Measure]) -> list[Condition]:
    conditions = []
    for compare in draft.free("compare", "or_more"):
        condition = _comparison(draft, compare, measures)
        if condition is not None:
            conditions.append(condition)
    for adjective in draft.free("adjective"):
        than = draft.near(adjective, 1)
        number = draft.near(than, 1) if than is not None and than.role == "than" else None
        if adjective.value in (">", "<") and number is not None and number.role == "number":
            column = adjective.column
            conditions.append(Condition(f"{quote(column.sql)} {adjective.value} {literal(number.value)}",
                                        f"{column.name} {adjective.value} {_number_text(number.value)}", [column]))
            draft.take(adjective, than, number)
    for between in draft.free("between"):
        subject, low = draft.near(between, -1), draft.near(between, 1)
        joiner = draft.near(low, 1) if low is not None else None
        high = draft.near(joiner, 1) if joiner is not None else None
        if _numeric(subject) and low.role == "number" and joiner.role == "joiner" and high is not None \
                and high.role == "number":
            column = subject.column
            conditions.append(Condition(f"{quote(column.sql)} BETWEEN {literal(low.value)} AND {literal(high.value)}",
                                        f"{column.name} between {_number_text(low.value)} and "
                                        f"{_number_text(high.value)}", [column]))
            draft.take(between, subject, low, joiner, high)
    return conditions


def _comparison(draft: Draft, compare: Span, measures: list[Measure]) -> Condition | None:
    """"pressure above 350", "did output ever dip below 10 MWh", "70 °C or more", "over budget"."""
    if compare.role == "or_more":  # the number comes first: "70 or more"
        operand = draft.near(compare, -1, ("stop", "unit"))
        anchor = operand
    else:
        operand, anchor = draft.near(compare, 1), compare
    if operand is None:
        return None
    unit = draft.near(operand, 1, ())  # "above 70 °C", "70 °C or more"
    unit = unit if unit is not None and unit.role == "unit" else None
    motion = draft.near(anchor, -1, ("stop",))
    before = motion if motion is not None and motion.role == "motion" else anchor
    negation = draft.near(before, -1, ("stop",))
    negation = negation if negation is not None and negation.role == "negate" else None
    subject = draft.near(before, -1, ("stop", "negate", "any"))
    if subject is not None and (subject.role == "agg" or subject.role == "column" and draft.near(subject, -1)
                                is not None and draft.near(subject, -1).role in ("agg", "high", "low")):
        return None  # "the maximum temperature above 80": a question about the aggregate, read later
    if not _numeric(subject) and unit is not None and unit.column is not None:
        subject = unit  # "readings of 70 °C or more": the unit names the column
    left = _comparison_subject(draft, subject, operand, measures)
    right = _comparison_operand(operand)
    if left is None or right is None or (unit is not None and unit.column not in (None, *left[3])):
        return None
    op = INVERSE[compare.value] if negation is not None else compare.value
    draft.take(compare, operand, unit, negation, motion if before is motion else None,
               subject if subject is not None and left[2] else None)
    label_right, sql_right = right
    return Condition(f"{left[1]} {op} {sql_right}", f"{left[0]} {SYMBOL[op]} {label_right}",
                     left[3] + ([operand.column] if operand.role == "column" else []))


def _comparison_subject(draft: Draft, subject: Span | None, operand: Span | None, measures: list[Measure]):
    """(label, sql, spent the subject span?, columns) of what is compared."""
    if (_numeric(subject) or subject is not None and subject.role == "unit") and id(subject) not in draft.used:
        return subject.column.name, quote(subject.column.sql), True, [subject.column]
    derived = next((m for m in measures if subject is not None and subject.column in m.columns), None) \
        or (measures[-1] if measures and subject is not None and subject.role in ("joiner", "minus", "divide") else None)
    if derived is not None:
        return derived.label, derived.sql, False, derived.columns
    if operand is not None and operand.role == "column" and set(key_words(operand.column)) & w.PLAN_WORDS:
        pair = _budget_pair(draft)  # "over budget": the actual of that budget
        if pair is not None and pair[1] is operand.column:
            return pair[0].name, quote(pair[0].sql), False, [pair[0]]
    measures_of_table = [c for c in draft.reading.table.columns if c.kind == "number" and not is_flag(c)
                         and not looks_like_id(c)]
    if len(measures_of_table) == 1 and (subject is None or subject.role in ("row", "count", "stop")):
        column = measures_of_table[0]  # "line items above 5000": the table's only measure
        return column.name, quote(column.sql), False, [column]
    return None


def _comparison_operand(operand: Span | None) -> tuple[str, str] | None:
    if operand is None:
        return None
    if operand.role == "number":
        return _number_text(operand.value), literal(operand.value)
    if operand.role == "column" and operand.column.kind == "number":
        return operand.column.name, quote(operand.column.sql)
    return None


def looks_like_id(column: Column) -> bool:
    words = key_words(column)
    return bool(words) and words[-1] in ("id", "#", "no", "number", "code")


def _time_conditions(draft: Draft) -> list[Condition]:
    """"in March", "in 2026": a filter on the table's one date column."""
    times = [c for c in draft.reading.table.columns if c.kind == "datetime"]
    conditions = []
    for span in draft.free("month"):
        if len(times) == 1:
            conditions.append(Condition(f"month({quote(times[0].sql)}) = {span.value}",
                                        f"{times[0].name} in {draft.reading.text(span).capitalize()}", times))
            draft.take(span)
    for span in draft.free("number"):
        before = draft.reading.tokens[span.start - 1].lower if span.start else ""
        after_month = before in w.MONTHS
        if len(times) == 1 and (before in ("in", "during", "of") or after_month) and 1900 <= span.value <= 2100 \
                and span.value.is_integer():
            conditions.append(Condition(f"year({quote(times[0].sql)}) = {int(span.value)}",
                                        f"{times[0].name} in {int(span.value)}", times))
            draft.take(span)
    return conditions


def _number_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
