"""The offline analysis engine: answers common questions with no language model at all.

It plugs in where the model does (a PandasAI LLM) and writes the same kind of code: DuckDB
SQL through `execute_sql_query` and Plotly figures, run by the same sandbox. Planning is
deterministic: the question is matched against the tables' columns (case, spaces and
underscores, plurals and a few synonyms ignored) and values, and one of a fixed set of
intents is chosen. A question it cannot read gets an honest answer saying so, never a guess.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pandasai.llm.base import LLM

from insight_dash.services.llm import CallStats

ENGINE = "offline"
SYNONYMS = {
    "temp": "temperature", "avg": "average", "qty": "quantity", "amt": "amount", "spend": "actual",
    "spent": "actual", "spending": "actual", "costs": "cost", "dept": "department", "plants": "plant",
    "revenue": "sales", "date": "time", "day": "time", "timestamp": "time", "when": "time",
}
UNIT_TOKENS = {"c", "f", "kpa", "psi", "usd", "eur", "pct", "kw", "mw", "kwh", "mwh", "rpm", "hz", "v", "a",
               "bar", "m3", "s", "h", "min"}
AGGREGATES = [
    ("median", "MEDIAN", "median"), ("average", "AVG", "average"), ("mean", "AVG", "average"),
    ("total", "SUM", "total"), ("sum", "SUM", "total"), ("minimum", "MIN", "minimum"),
    ("lowest", "MIN", "minimum"), ("smallest", "MIN", "minimum"), ("min", "MIN", "minimum"),
    ("maximum", "MAX", "maximum"), ("highest", "MAX", "maximum"), ("largest", "MAX", "maximum"),
    ("peak", "MAX", "maximum"), ("max", "MAX", "maximum"),
]
PERIODS = {"hour": "hour", "hourly": "hour", "day": "day", "daily": "day", "week": "week", "weekly": "week",
           "month": "month", "monthly": "month", "quarter": "quarter", "quarterly": "quarter",
           "year": "year", "yearly": "year", "annual": "year"}
CAPABILITIES = (
    "The offline engine could not understand this question, so it did not guess. It answers "
    "questions that name the dataset's columns, such as: how many rows; the total, average, "
    "median, minimum or maximum of a column, overall or by a category; the top or bottom N; "
    "a filter on a category value; shares (percentages) by category; the correlation of two "
    "numeric columns; a trend over time by day, week or month; a distribution (histogram); "
    "or two measures side by side (\"actual versus budget by department\")."
)


@dataclass
class Column:
    name: str
    kind: str  # number, text, datetime, boolean
    values: list[str] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return [w for w in words_of(self.name) if w not in UNIT_TOKENS] or words_of(self.name)


@dataclass
class Table:
    name: str
    columns: list[Column]
    row_count: int = 0


@dataclass
class Plan:
    table: Table
    intent: str
    measures: list[Column] = field(default_factory=list)
    group: Column | None = None
    time: Column | None = None
    aggregate: tuple[str, str] = ("SUM", "total")
    filters: list[tuple[Column, str]] = field(default_factory=list)
    limit: int | None = None
    descending: bool = True
    period: str = "day"
    chart: bool = False


def words_of(text: str) -> list[str]:
    """Lower-case words with plurals folded and synonyms applied."""
    result = []
    for word in re.findall(r"[a-z0-9%]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", text).lower().replace("_", " ")):
        word = SYNONYMS.get(word, word)
        if len(word) > 3 and word.endswith("ies"):
            word = word[:-3] + "y"
        elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
        result.append(SYNONYMS.get(word, word))
    return result


def catalogue_from_metadata(names: list[str], tables: list[dict[str, Any]]) -> list[Table]:
    """Tables as the planner sees them, from the dataset's stored profiles."""
    catalogue = []
    for name, table in zip(names, tables):
        columns = [Column(name=c["name"], kind=c["kind"],
                          values=[str(v["value"]) for v in c.get("top_values", [])]
                          + [str(v) for v in c.get("sample_values", []) if c["kind"] == "text"])
                   for c in table["columns"]]
        catalogue.append(Table(name=name, columns=columns, row_count=table.get("row_count", 0)))
    return catalogue


def plan_question(question: str, catalogue: list[Table]) -> Plan | None:
    """The plan for the best-matching table, or None when the question is not understood."""
    plans = [p for p in (_plan_for_table(question, table) for table in catalogue) if p is not None]
    if not plans:
        return None
    q_words = words_of(question)
    return max(plans, key=lambda p: (_names_table(q_words, p.table), len(p.measures) + (p.group is not None)
                                     + len(p.filters) + (p.time is not None), p.table.row_count))


def _names_table(q_words: list[str], table: Table) -> bool:
    """The question says which table ("how many line items ..." names `line_items`)."""
    words = [w for w in words_of(table.name) if not w.isdigit()]
    return bool(words) and any(q_words[i:i + len(words)] == words for i in range(len(q_words)))


def _plan_for_table(question: str, table: Table) -> Plan | None:
    q_words = words_of(question)
    text = " ".join(q_words)
    mentioned = _mentioned_columns(q_words, table)
    numbers = [c for c in mentioned if c.kind == "number"]
    categories = [c for c in mentioned if c.kind in ("text", "boolean")]
    times = [c for c in table.columns if c.kind == "datetime"]
    filters = _value_filters(question, table)
    filtered_columns = {f[0].name for f in filters}
    if _two_groupings(q_words, categories, filtered_columns) and len(numbers) < 2:
        return None
    group = _group_column(q_words, table, categories, filtered_columns)
    aggregate = next(((sql, label) for word, sql, label in AGGREGATES if word in q_words), None)
    limit = _top_n(q_words)
    chart = bool({"plot", "chart", "graph", "visualize", "visualise", "draw"} & set(q_words))
    plan = Plan(table=table, intent="", measures=numbers[:2], group=group, filters=filters, chart=chart,
                aggregate=aggregate or ("SUM", "total"))

    if {"correlation", "correlate", "correlated", "relationship", "relate"} & set(q_words) and len(numbers) >= 2:
        plan.intent = "correlation"
    elif {"distribution", "histogram", "spread"} & set(q_words) and numbers:
        plan.intent, plan.measures = "distribution", numbers[:1]
    elif ({"trend", "trending", "over"} & set(q_words) or _period(q_words)) and times and (numbers or "count" in text):
        plan.intent, plan.time, plan.period = "trend", times[0], _period(q_words) or "day"
        plan.aggregate = aggregate or ("AVG", "average")
    elif {"share", "percentage", "percent", "proportion", "%"} & set(q_words) and group:
        plan.intent = "share"
    elif limit and group and numbers:
        plan.intent, plan.limit = "top", limit
        plan.descending = not ({"bottom", "lowest", "least", "fewest", "smallest", "worst"} & set(q_words))
    elif len(numbers) >= 2 and group and ({"versus", "vs", "compare", "against", "and"} & set(q_words)):
        plan.intent, plan.chart = "side_by_side", True
    elif numbers and (aggregate or group):
        plan.intent = "aggregate"
        plan.measures = numbers[:1]
    elif {"many", "count", "number"} & set(q_words) or (group and {"row", "record", "reading"} & set(q_words)):
        plan.intent, plan.measures = "count", []
    elif group and {"compare", "breakdown", "split"} & set(q_words) and numbers:
        plan.intent = "aggregate"
    else:
        return None
    return plan


def _mentioned_columns(q_words: list[str], table: Table) -> list[Column]:
    """Columns named in the question, in the order they appear. A column is named by all of
    its words in a row; failing that, by its first word alone ("temperature" for
    "temperature_c"), unless those words already name another column exactly."""
    exact, covered = [], set()
    for column in table.columns:
        words = column.words
        for start in range(len(q_words)):
            if q_words[start:start + len(words)] == words:
                exact.append((start, -len(words), column))
                covered.update(range(start, start + len(words)))
                break
    named = {column.name for _, _, column in exact}
    loose = []
    for column in table.columns:
        first = column.words[0]
        if column.name not in named and len(first) > 3 and first in q_words:
            position = q_words.index(first)
            if position not in covered:
                loose.append((position, -1, column))
    ordered, seen = [], set()
    for _, _, column in sorted(exact + loose, key=lambda item: (item[0], item[1])):
        if column.name not in seen:
            seen.add(column.name)
            ordered.append(column)
    return ordered


def _value_filters(question: str, table: Table) -> list[tuple[Column, str]]:
    """Category values named in the question ("for plant North", "number of alarms")."""
    q_words = words_of(question)
    filters = []
    for column in table.columns:
        if column.kind != "text":
            continue
        for value in dict.fromkeys(column.values):
            words = words_of(value)
            named = words and any(q_words[i:i + len(words)] == words for i in range(len(q_words)))
            if named and len(" ".join(words)) > 1 and not _is_column_word(" ".join(words), table):
                filters.append((column, value))
                break
    return filters


def _is_column_word(token: str, table: Table) -> bool:
    return any(token.split() == column.words for column in table.columns)


def _two_groupings(q_words: list[str], categories: list[Column], filtered: set[str]) -> bool:
    """"by plant and unit" asks for two groupings at once, which the engine does not do."""
    grouped = [c for c in categories if c.name not in filtered]
    return len(grouped) >= 2 and bool({"by", "per", "each"} & set(q_words)) and "and" in q_words


def _group_column(q_words: list[str], table: Table, categories: list[Column], filtered: set[str]) -> Column | None:
    for marker in ("by", "per", "each", "across", "every"):
        if marker in q_words:
            after = q_words[q_words.index(marker) + 1:]
            for column in table.columns:
                if column.kind in ("text", "boolean") and after[:len(column.words)] == column.words:
                    return column
    candidates = [c for c in categories if c.name not in filtered]
    return candidates[0] if candidates else None


def _top_n(q_words: list[str]) -> int | None:
    ranked = {"top", "bottom", "lowest", "highest", "largest", "smallest", "most", "least", "best", "worst"}
    if ranked & set(q_words):  # "the 3 plants with the lowest ..."
        for index, word in enumerate(q_words[:-1]):
            if word.isdigit() and not q_words[index + 1].isdigit():
                return min(int(word), 100)
    for index, word in enumerate(q_words):
        if word in ("top", "bottom", "first", "largest", "highest", "lowest", "smallest") and index + 1 < len(q_words):
            if q_words[index + 1].isdigit():
                return min(int(q_words[index + 1]), 100)
            if word in ("top", "bottom"):
                return 5
    return None


def _period(q_words: list[str]) -> str | None:
    return next((PERIODS[w] for w in q_words if w in PERIODS), None)


# ---------------------------------------------------------------- code writing


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def write_code(plan: Plan) -> str:
    where = " AND ".join(f"{quote(c.name)} = {_literal(v)}" for c, v in plan.filters)
    where = f" WHERE {where}" if where else ""
    source = f"{quote(plan.table.name)}{where}"
    suffix = "".join(f" for {c.name} = {v}" for c, v in plan.filters)
    return WRITERS[plan.intent](plan, source, suffix)


def _sql_call(sql: str) -> str:
    return f"df = execute_sql_query({sql!r})\n"


def _count(plan: Plan, source: str, suffix: str) -> str:
    if plan.group:
        g = quote(plan.group.name)
        return (_sql_call(f"SELECT {g}, count(*) AS rows FROM {source} GROUP BY {g} ORDER BY rows DESC")
                + _bar_or_table(plan, "rows", f"Rows by {plan.group.name}{suffix}"))
    return (_sql_call(f"SELECT count(*) AS rows FROM {source}")
            + 'result = {"type": "number", "value": int(df["rows"].iloc[0])}\n')


def _aggregate(plan: Plan, source: str, suffix: str) -> str:
    sql, label = plan.aggregate
    measure = plan.measures[0]
    m = quote(measure.name)
    value = f"{label}_{re.sub(r'[^a-z0-9]+', '_', measure.name.lower()).strip('_')}"
    if plan.group:
        g = quote(plan.group.name)
        return (_sql_call(f"SELECT {g}, {sql}({m}) AS {value} FROM {source} GROUP BY {g} ORDER BY {value} DESC")
                + _bar_or_table(plan, value, f"{label.capitalize()} {measure.name} by {plan.group.name}{suffix}",
                                y_title=f"{label.capitalize()} {measure.name}"))
    return (_sql_call(f"SELECT {sql}({m}) AS {value} FROM {source}")
            + f'result = {{"type": "number", "value": float(df["{value}"].iloc[0])}}\n')


def _top(plan: Plan, source: str, suffix: str) -> str:
    sql, label = plan.aggregate
    measure, g = plan.measures[0], quote(plan.group.name)
    value = f"{label}_{re.sub(r'[^a-z0-9]+', '_', measure.name.lower()).strip('_')}"
    order = "DESC" if plan.descending else "ASC"
    word = "Top" if plan.descending else "Bottom"
    return (_sql_call(f"SELECT {g}, {sql}({quote(measure.name)}) AS {value} FROM {source} GROUP BY {g} "
                      f"ORDER BY {value} {order} LIMIT {plan.limit}")
            + _bar_or_table(plan, value, f"{word} {plan.limit} {plan.group.name} by {label} {measure.name}{suffix}",
                            y_title=f"{label.capitalize()} {measure.name}"))


def _share(plan: Plan, source: str, suffix: str) -> str:
    g = quote(plan.group.name)
    expression = f"sum({quote(plan.measures[0].name)})" if plan.measures else "count(*)"
    of = plan.measures[0].name if plan.measures else "rows"
    return (_sql_call(f"SELECT {g}, round(100.0 * {expression} / sum({expression}) OVER (), 2) AS share_pct "
                      f"FROM {source} GROUP BY {g} ORDER BY share_pct DESC")
            + "import plotly.express as px\n"
            + f'fig = px.pie(df, template="plotly_white", names={plan.group.name!r}, values="share_pct", '
              f'title={f"Share of {of} by {plan.group.name}{suffix} (%)"!r})\n'
            + 'result = {"type": "plot", "value": fig}\n')


def _correlation(plan: Plan, source: str, suffix: str) -> str:
    a, b = plan.measures[0], plan.measures[1]
    return (_sql_call(f"SELECT corr({quote(a.name)}, {quote(b.name)}) AS correlation FROM {source}")
            + 'result = {"type": "number", "value": round(float(df["correlation"].iloc[0]), 4)}\n')


def _trend(plan: Plan, source: str, suffix: str) -> str:
    t = quote(plan.time.name)
    sql, label = plan.aggregate
    if plan.measures:
        measure = plan.measures[0]
        expression, y_title = f"{sql}({quote(measure.name)})", f"{label.capitalize()} {measure.name}"
    else:
        expression, y_title = "count(*)", "Rows"
    series = f", {quote(plan.group.name)}" if plan.group else ""
    color = f", color={plan.group.name!r}" if plan.group else ""
    return (_sql_call(f"SELECT date_trunc('{plan.period}', {t}) AS period{series}, {expression} AS value "
                      f"FROM {source} GROUP BY ALL ORDER BY period")
            + "import plotly.express as px\n"
            + f'fig = px.line(df, template="plotly_white", x="period", y="value"{color}, markers=True, '
              f'title={f"{y_title} per {plan.period}{suffix}"!r}, '
              f'labels={{"period": {plan.period.capitalize()!r}, "value": {y_title!r}}})\n'
            + 'result = {"type": "plot", "value": fig}\n')


def _distribution(plan: Plan, source: str, suffix: str) -> str:
    measure = plan.measures[0]
    return (_sql_call(f"SELECT {quote(measure.name)} FROM {source} WHERE {quote(measure.name)} IS NOT NULL "
                      f"USING SAMPLE 200000 ROWS")
            + "import plotly.express as px\n"
            + f'fig = px.histogram(df, template="plotly_white", x={measure.name!r}, nbins=40, '
              f'title={f"Distribution of {measure.name}{suffix}"!r})\n'
            + 'fig.update_layout(yaxis_title="Rows")\n'
            + 'result = {"type": "plot", "value": fig}\n')


def _side_by_side(plan: Plan, source: str, suffix: str) -> str:
    (a, b), g = plan.measures[:2], quote(plan.group.name)
    sql, label = plan.aggregate
    return (_sql_call(f"SELECT {g}, {sql}({quote(a.name)}) AS {quote(a.name)}, {sql}({quote(b.name)}) AS {quote(b.name)} "
                      f"FROM {source} GROUP BY {g} ORDER BY {g}")
            + "import plotly.express as px\n"
            + f'fig = px.bar(df, template="plotly_white", x={plan.group.name!r}, y=[{a.name!r}, {b.name!r}], barmode="group", '
              f'title={f"{a.name} versus {b.name} by {plan.group.name}{suffix}"!r}, '
              f'labels={{"value": {label.capitalize()!r}, "variable": "Measure"}})\n'
            + 'result = {"type": "plot", "value": fig}\n')


def _bar_or_table(plan: Plan, value: str, title: str, y_title: str | None = None) -> str:
    if not plan.chart:
        return 'result = {"type": "dataframe", "value": df}\n'
    labels = {value: y_title or value.capitalize()}
    return ("import plotly.express as px\n"
            f"fig = px.bar(df, template='plotly_white', x={plan.group.name!r}, y={value!r}, title={title!r}, labels={labels!r})\n"
            'result = {"type": "plot", "value": fig}\n')


WRITERS = {"count": _count, "aggregate": _aggregate, "top": _top, "share": _share, "correlation": _correlation,
           "trend": _trend, "distribution": _distribution, "side_by_side": _side_by_side}


def code_for(question: str, catalogue: list[Table]) -> str:
    """The analysis code for `question`, or code that answers honestly that it cannot."""
    plan = plan_question(question, catalogue)
    if plan is None:
        first = quote(catalogue[0].name) if catalogue else '"data"'
        return _sql_call(f"SELECT count(*) AS rows FROM {first}") + f"result = {{'type': 'string', 'value': {CAPABILITIES!r}}}\n"
    return write_code(plan)


class OfflineLLM(LLM):
    """A PandasAI LLM that writes code by rule instead of by model."""

    def __init__(self, catalogue: list[Table]):
        super().__init__()
        self.catalogue = catalogue
        self.stats = CallStats()

    @property
    def type(self) -> str:
        return ENGINE

    def call(self, instruction: Any, context: Any = None) -> str:
        prompt = instruction.to_string() if hasattr(instruction, "to_string") else str(instruction)
        self.stats.calls += 1
        return "```python\n" + code_for(question_from(prompt), self.catalogue) + "```"


def question_from(prompt: str) -> str:
    """The current question inside PandasAI's prompt (our composed prompt ends with it)."""
    matches = re.findall(r"Question: (.+)", prompt)
    return matches[-1].strip() if matches else prompt.strip().splitlines()[-1]
