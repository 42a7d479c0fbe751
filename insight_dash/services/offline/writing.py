"""Code for a plan: DuckDB SQL through `execute_sql_query`, and Plotly for charts, the same kind
of code the model writes and run by the same sandbox. SQL names tables and columns by their
identifiers; the result's columns are aliased to the names people know. Every result also
reports how many rows went into it (`facts["rows_used"]`), for its explanation."""
from __future__ import annotations

from insight_dash.services.offline.planner import Measure, Plan, literal, quote, shown

CHART = "import plotly.express as px\n"


def write_code(plan: Plan) -> str:
    return WRITERS[plan.intent](plan)


def value_label(plan: Plan) -> str:
    """The people's name of the computed column: "Average temperature_c", "Rows"."""
    phrase = value_phrase(plan)
    return phrase[0].upper() + phrase[1:]


def value_phrase(plan: Plan) -> str:
    """The computed value in running text: "average temperature_c", "rows"."""
    if not plan.measures or plan.aggregate is None:
        return "rows"
    return f"{plan.aggregate.label} {plan.measures[0].label}"


def _where(plan: Plan, *extra: str) -> str:
    conditions = [f"({c.sql})" if " OR " in c.sql else c.sql for c in plan.filters] + [e for e in extra if e]
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def _source(plan: Plan, *extra: str) -> str:
    return quote(plan.table.sql) + _where(plan, *extra)


def _query(sql: str, name: str = "df") -> str:
    return f"{name} = execute_sql_query({sql!r})\n"


def _aggregated(plan: Plan, measure: Measure) -> str:
    fn = plan.aggregate.fn
    if measure.ratio is not None:
        top, bottom = measure.ratio
        return f"{fn}({top}) / nullif({fn}({bottom}), 0)"
    return f"{fn}({measure.sql})"


def _present(measure: Measure) -> str:
    """An expression that is not NULL exactly when every input of the measure is present."""
    return " + ".join(quote(column.sql) for column in measure.columns) if len(measure.columns) > 1 \
        else quote(measure.columns[0].sql)


def _result(kind: str, value: str, rows_used: str, **facts: str) -> str:
    extra = "".join(f", {key!r}: {expression}" for key, expression in facts.items())
    return f'result = {{"type": {kind!r}, "value": {value}, "facts": {{"rows_used": {rows_used}{extra}}}}}\n'


def _count(plan: Plan) -> str:
    if plan.group is None:
        return (_query(f'SELECT count(*) AS "Rows" FROM {_source(plan)}')
                + _result("number", 'int(df["Rows"].iloc[0])', 'int(df["Rows"].iloc[0])'))
    g = plan.group
    sql = (f'SELECT {quote(g.sql)} AS {quote(shown(g))}, count(*) AS "Rows" FROM {_source(plan)} '
           f'GROUP BY 1 ORDER BY 2 DESC, 1')
    return _query(sql) + _grouped_result(plan, "Rows", 'int(df["Rows"].sum())', f"Rows by {shown(g)}")


def _count_distinct(plan: Plan) -> str:
    c = quote(plan.target.sql)
    return (_query(f'SELECT count(DISTINCT {c}) AS "Values", count({c}) AS "Rows" FROM {_source(plan)}')
            + _result("number", 'int(df["Values"].iloc[0])', 'int(df["Rows"].iloc[0])'))


def _aggregate(plan: Plan) -> str:
    measure = plan.measures[0]
    label = value_label(plan)
    if plan.group is None:
        sql = f'SELECT {_aggregated(plan, measure)} AS {quote(label)}, count({_present(measure)}) AS "Rows" ' \
              f'FROM {_source(plan)}'
        return _query(sql) + _result("number", f'float(df[{label!r}].iloc[0])', 'int(df["Rows"].iloc[0])')
    g = plan.group
    sql = (f'SELECT {quote(g.sql)} AS {quote(shown(g))}, {_aggregated(plan, measure)} AS {quote(label)}, '
           f'count({_present(measure)}) AS "rows used" FROM {_source(plan)} GROUP BY 1 ORDER BY 2 DESC NULLS LAST, 1')
    return (_query(sql) + 'rows_used = int(df["rows used"].sum())\ndf = df.drop(columns="rows used")\n'
            + _grouped_result(plan, label, "rows_used", f"{label} by {shown(g)}"))


def _grouped_result(plan: Plan, value: str, rows_used: str, title: str) -> str:
    if plan.answer != "chart":
        return _result("dataframe", "df", rows_used)
    return (CHART + f"fig = px.bar(df, template='plotly_white', x={shown(plan.group)!r}, y={value!r}, title={title!r})\n"
            + _result("plot", "fig", rows_used))


def _ranked_sql(plan: Plan, limit: int) -> tuple[str, str]:
    g = plan.group
    if plan.measures:
        measure = plan.measures[0]
        label, value, used = value_label(plan), _aggregated(plan, measure), f"count({_present(measure)})"
    else:
        label, value, used = "Rows", "count(*)", "count(*)"
    order = "DESC" if plan.descending else "ASC"
    sql = (f'SELECT {quote(g.sql)} AS {quote(shown(g))}, {value} AS {quote(label)}, sum({used}) OVER () AS "rows used" '
           f'FROM {_source(plan, f"{quote(g.sql)} IS NOT NULL")} GROUP BY 1 HAVING {value} IS NOT NULL '
           f'ORDER BY 2 {order}, 1 LIMIT {limit}')
    return sql, label


def _top(plan: Plan) -> str:
    sql, label = _ranked_sql(plan, plan.limit)
    code = _query(sql) + 'rows_used = int(df["rows used"].max()) if len(df) else 0\ndf = df.drop(columns="rows used")\n'
    if plan.answer == "list":
        return code + _result("list", "df", "rows_used")
    word = "Top" if plan.descending else "Bottom"
    return code + _grouped_result(plan, label, "rows_used", f"{word} {plan.limit} {shown(plan.group)} by {label}")


def _argmax(plan: Plan) -> str:
    sql, label = _ranked_sql(plan, 5)
    return (_query(sql) + 'best = df.iloc[0]\n'
            f'tied = [str(name) for name, value in zip(df[{shown(plan.group)!r}], df[{label!r}]) if value == best[{label!r}]]\n'
            + _result("string", f"str(best[{shown(plan.group)!r}])", 'int(best["rows used"])',
                      measured=f"float(best[{label!r}])", tied="tied"))


def _mode(plan: Plan) -> str:
    c, name = quote(plan.target.sql), shown(plan.target)
    sql = (f'SELECT {c} AS {quote(name)}, count(*) AS "Rows", sum(count(*)) OVER () AS "rows used" '
           f'FROM {_source(plan, f"{c} IS NOT NULL")} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5')
    value = f"float(df[{name!r}].iloc[0])" if plan.answer == "number" else f"str(df[{name!r}].iloc[0])"
    return (_query(sql) + 'most = int(df["Rows"].iloc[0])\n'
            f'tied = [str(v) for v, n in zip(df[{name!r}], df["Rows"]) if n == most]\n'
            + _result("number" if plan.answer == "number" else "string", value, 'int(df["rows used"].iloc[0])',
                      measured="most", tied="tied"))


def _missing_test(column) -> str:
    c = quote(column.sql)
    return f"({c} IS NULL OR isnan({c}))" if column.kind == "number" else f"{c} IS NULL"


def _missing(plan: Plan) -> str:
    sql = f'SELECT count(*) FILTER (WHERE {_missing_test(plan.target)}) AS "Missing", count(*) AS "Rows" ' \
          f'FROM {_source(plan)}'
    return _query(sql) + _result("number", 'int(df["Missing"].iloc[0])', 'int(df["Rows"].iloc[0])')


def _missing_counts(plan: Plan) -> str:
    counts = ", ".join(f"count(*) FILTER (WHERE {_missing_test(c)}) AS {quote(shown(c))}" for c in plan.table.columns)
    return _query(f'SELECT {counts}, count(*) AS "rows used" FROM {_source(plan)}') + \
        'rows_used = int(df["rows used"].iloc[0])\ndf = df.drop(columns="rows used")\n'


def _missing_by_column(plan: Plan) -> str:
    return (_missing_counts(plan)
            + 'df = pd.DataFrame({"Column": list(df.columns), "Missing values": [int(v) for v in df.iloc[0]]})\n'
            + _result("dataframe", "df", "rows_used"))


def _missing_total(plan: Plan) -> str:
    return _missing_counts(plan) + _result("number", "int(df.iloc[0].sum())", "rows_used")


def _share_rows(plan: Plan) -> str:
    condition, *_ = plan.filters
    if plan.measures:
        m = plan.measures[0].sql
        sql = (f'SELECT sum({m}) FILTER (WHERE {condition.sql}) AS "Matching", sum({m}) AS "Total", count({m}) AS "Rows" '
               f'FROM {quote(plan.table.sql)}')
        return (_query(sql) + 'matching, total = float(df["Matching"].fillna(0).iloc[0]), float(df["Total"].iloc[0])\n'
                + _result("number", "100.0 * matching / total if total else None", 'int(df["Rows"].iloc[0])',
                          measured="matching", compared_with="total"))
    sql = f'SELECT count(*) FILTER (WHERE {condition.sql}) AS "Matching", count(*) AS "Rows" FROM {quote(plan.table.sql)}'
    return (_query(sql) + 'matching, rows = int(df["Matching"].iloc[0]), int(df["Rows"].iloc[0])\n'
            + _result("number", "100.0 * matching / rows if rows else None", "rows", measured="matching"))


def _share_groups(plan: Plan) -> str:
    g = quote(plan.group.sql)
    measure = plan.measures[0] if plan.measures else None
    expression = f"sum({measure.sql})" if measure else "count(*)"
    of = measure.label if measure else "rows"
    sql = (f'SELECT {g} AS {quote(shown(plan.group))}, round(100.0 * {expression} / sum({expression}) OVER (), 2) '
           f'AS "Share (%)", {"count(" + _present(measure) + ")" if measure else "count(*)"} AS "rows used" '
           f'FROM {_source(plan)} GROUP BY 1 ORDER BY 2 DESC')
    title = f"Share of {of} by {shown(plan.group)} (%)"
    return (_query(sql) + 'rows_used = int(df["rows used"].sum())\n' + CHART
            + f'fig = px.pie(df, template="plotly_white", names={shown(plan.group)!r}, values="Share (%)", title={title!r})\n'
            + _result("plot", "fig", "rows_used"))


def _exists(plan: Plan) -> str:
    return (_query(f'SELECT count(*) AS "Matching" FROM {_source(plan)}')
            + 'matching = int(df["Matching"].iloc[0])\n'
            + _result("boolean", "matching > 0", "matching"))


def _compare(plan: Plan) -> str:
    op, number, aggregate, other = plan.threshold
    measure = plan.measures[0]
    left = _aggregated(plan, measure)
    if other is None:
        right_sql, right = "", literal(number)
    else:
        right_sql = f', {aggregate.fn}({other.sql}) AS "Right"'
        right = 'df["Right"].iloc[0]'
    python_op = {"=": "==", "!=": "!="}.get(op, op)
    sql = f'SELECT {left} AS "Left"{right_sql}, count({_present(measure)}) AS "Rows" FROM {_source(plan)}'
    return (_query(sql) + f'left, right = df["Left"].iloc[0], {right}\n'
            + _result("boolean", f"bool(left {python_op} right)", 'int(df["Rows"].iloc[0])',
                      measured="float(left)", compared_with="float(right)"))


def _list_values(plan: Plan) -> str:
    g = plan.target
    if plan.having is not None:
        aggregate, measure, op, number = plan.having
        value = f"{aggregate.fn}({measure.sql})"
        label = f"{aggregate.label.capitalize()} {measure.label}"
        sql = (f'SELECT {quote(g.sql)} AS {quote(shown(g))}, {value} AS {quote(label)}, '
               f'sum(count({_present(measure)})) OVER () AS "rows used" FROM {_source(plan, f"{quote(g.sql)} IS NOT NULL")} '
               f'GROUP BY 1 HAVING {value} {op} {literal(number)} ORDER BY 1')
        used = 'int(df["rows used"].max()) if len(df) else 0'
        return (_query(sql) + f"rows_used = {used}\n" + 'df = df.drop(columns="rows used")\n'
                + _result("list", "df", "rows_used"))
    sql = (f'SELECT {quote(g.sql)} AS {quote(shown(g))}, count(*) AS "rows used" '
           f'FROM {_source(plan, f"{quote(g.sql)} IS NOT NULL")} GROUP BY 1 ORDER BY 1')
    return (_query(sql) + 'rows_used = int(df["rows used"].sum())\n'
            + f"df = df[[{shown(g)!r}]]\n" + _result("list", "df", "rows_used"))


def _correlation(plan: Plan) -> str:
    a, b = plan.measures
    sql = f'SELECT corr({a.sql}, {b.sql}) AS "Correlation", count({a.sql} + {b.sql}) AS "Rows" FROM {_source(plan)}'
    return _query(sql) + _result("number", 'round(float(df["Correlation"].iloc[0]), 4)', 'int(df["Rows"].iloc[0])')


def _trend(plan: Plan) -> str:
    t = quote(plan.time.sql)
    label = value_label(plan)
    if plan.measures:
        measure = plan.measures[0]
        expression, used = _aggregated(plan, measure), f"count({_present(measure)})"
    else:
        expression, used = "count(*)", "count(*)"
    series = f", {quote(plan.group.sql)} AS {quote(shown(plan.group))}" if plan.group else ""
    color = f", color={shown(plan.group)!r}" if plan.group else ""
    period = plan.period.capitalize()
    sql = (f"SELECT date_trunc('{plan.period}', {t}) AS {quote(period)}{series}, {expression} AS {quote(label)}, "
           f'{used} AS "rows used" FROM {_source(plan)} GROUP BY ALL ORDER BY 1')
    title = f"{label} per {plan.period}" + "".join(f", {c.label}" for c in plan.filters)
    return (_query(sql) + 'rows_used = int(df["rows used"].sum())\n' + CHART
            + f"fig = px.line(df, template='plotly_white', x={period!r}, y={label!r}{color}, markers=True, "
              f"title={title!r})\n" + _result("plot", "fig", "rows_used"))


def _distribution(plan: Plan) -> str:
    measure = plan.measures[0]
    sql = (f"SELECT {measure.sql} AS {quote(measure.label)} FROM {_source(plan, f'{_present(measure)} IS NOT NULL')} "
           f"USING SAMPLE 200000 ROWS")
    count = f'SELECT count({_present(measure)}) AS "Rows" FROM {_source(plan)}'
    title = f"Distribution of {measure.label}" + "".join(f", {c.label}" for c in plan.filters)
    return (_query(sql) + _query(count, "used") + CHART
            + f"fig = px.histogram(df, template='plotly_white', x={measure.label!r}, nbins=40, title={title!r})\n"
            + 'fig.update_layout(yaxis_title="Rows")\n' + _result("plot", "fig", 'int(used["Rows"].iloc[0])'))


def _side_by_side(plan: Plan) -> str:
    (a, b), g = plan.measures[:2], plan.group
    fn = plan.aggregate.fn
    sql = (f'SELECT {quote(g.sql)} AS {quote(shown(g))}, {fn}({a.sql}) AS {quote(a.label)}, '
           f'{fn}({b.sql}) AS {quote(b.label)}, count(*) AS "rows used" FROM {_source(plan)} GROUP BY 1 ORDER BY 1')
    title = f"{a.label} versus {b.label} by {shown(g)}"
    return (_query(sql) + 'rows_used = int(df["rows used"].sum())\n' + CHART
            + f"fig = px.bar(df, template='plotly_white', x={shown(g)!r}, y=[{a.label!r}, {b.label!r}], barmode='group', "
              f"title={title!r}, labels={{'value': {plan.aggregate.label.capitalize()!r}, 'variable': 'Measure'}})\n"
            + _result("plot", "fig", "rows_used"))


WRITERS = {"count": _count, "count_distinct": _count_distinct, "aggregate": _aggregate, "top": _top,
           "argmax": _argmax, "mode": _mode, "missing": _missing, "missing_by_column": _missing_by_column,
           "missing_total": _missing_total, "share_rows": _share_rows, "share_groups": _share_groups,
           "exists": _exists, "compare": _compare, "list_values": _list_values, "correlation": _correlation,
           "trend": _trend, "distribution": _distribution, "side_by_side": _side_by_side}
