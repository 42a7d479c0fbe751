"""What an offline answer computed, in one plain sentence and the facts behind it, from its
plan and the row counts its code reported. Also the answer's text where it names things
("North (average output_mwh: 50.03)")."""
from __future__ import annotations

from typing import Any

from insight_dash.services.formatting import format_number as number
from insight_dash.services.offline.planner import SYMBOL, Plan, shown
from insight_dash.services.offline.writing import value_phrase

COMPARED = {">": "above", ">=": "at least", "<": "below", "<=": "at most", "=": "equal to", "!=": "different from"}


def explain(plan: Plan, result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(sentence, facts) for an answer computed from `plan`."""
    facts = result.get("facts") or {}
    used = facts.get("rows_used")
    sentence = SENTENCES[plan.intent](plan, result.get("value"), facts, _rows(plan, used))
    return sentence, _facts(plan, used)


def answer_value(plan: Plan, result: dict[str, Any]) -> dict[str, Any]:
    """The result as shown: a name with the value that ranked it, ties said out loud."""
    facts = result.get("facts") or {}
    if plan.intent == "argmax":
        detail = f"{value_phrase(plan)}: {number(facts.get('measured'))}"
    elif plan.intent == "mode" and plan.answer == "text":
        detail = f"{number(facts.get('measured'))} of {number(facts.get('rows_used'))} rows"
    else:
        return result
    tied = facts.get("tied") or []
    if len(tied) > 1:
        return {**result, "value": f"{' and '.join(tied)} (tied, {detail} each)"}
    return {**result, "value": f"{result['value']} ({detail})"}


def _rows(plan: Plan, used: Any) -> str:
    total = plan.table.row_count
    return f"{number(used)} of {number(total)} rows" if total else f"{number(used)} rows"


def _where(plan: Plan, word: str = "where") -> str:
    return f" {word} " + " and ".join(c.label for c in plan.filters) if plan.filters else ""


def _of(plan: Plan) -> str:
    return f"rows of {plan.table.name}{_where(plan)}"


def _measured(plan: Plan) -> str:
    measure = plan.measures[0]
    if measure.ratio is not None:
        a, b = (column.name for column in measure.columns)
        return f"Divided the {plan.aggregate.label} {a} by the {plan.aggregate.label} {b}"
    return f"{plan.aggregate.verb} {measure.label}"


def _count(plan, value, facts, rows):
    if plan.group is not None:
        return f"Counted {_of(plan)} for each {shown(plan.group)}: {rows}."
    return f"Counted {_of(plan) if plan.filters else f'all rows of {plan.table.name}'}: {rows}."


def _count_distinct(plan, value, facts, rows):
    return f"Counted the different values of {shown(plan.target)} in {_of(plan)}: {number(value)} values in {rows}."


def _aggregate(plan, value, facts, rows):
    each = f" for each {shown(plan.group)}" if plan.group is not None else ""
    return f"{_measured(plan)}{each} over {_of(plan)}, skipping empty values: {rows}."


def _top(plan, value, facts, rows):
    side = "highest" if plan.descending else "lowest"
    what = _measured(plan) if plan.measures else "Counted rows"
    return f"{what} for each {shown(plan.group)} of {plan.table.name}{_where(plan)} and kept the {plan.limit} {side}: {rows}."


def _argmax(plan, value, facts, rows):
    side = "highest" if plan.descending else "lowest"
    what = _measured(plan) if plan.measures else "Counted rows"
    return (f"{what} for each {shown(plan.group)} of {plan.table.name}{_where(plan)} and took the {side}, "
            f"{value_phrase(plan)} {number(facts.get('measured'))}: {rows}.")


def _mode(plan, value, facts, rows):
    return (f"Counted how often each value of {shown(plan.target)} appears in {_of(plan)}; the most common is in "
            f"{number(facts.get('measured'))} of the {number(facts.get('rows_used'))} rows with a value.")


def _missing(plan, value, facts, rows):
    return f"Counted the rows of {plan.table.name} where {shown(plan.target)} is empty{_where(plan, 'and')}: " \
           f"{number(value)} of {number(facts.get('rows_used'))} rows."


def _missing_by_column(plan, value, facts, rows):
    return f"Counted the empty cells in each of the {len(plan.table.columns)} columns of {plan.table.name}: {rows}."


def _missing_total(plan, value, facts, rows):
    return (f"Counted the empty cells in all {len(plan.table.columns)} columns of {plan.table.name}: {number(value)} "
            f"cells in {rows}.")


def _share_rows(plan, value, facts, rows):
    condition = plan.filters[0].label
    if plan.measures:
        measure = plan.measures[0].label
        return (f"Divided the total {measure} of the rows of {plan.table.name} where {condition} "
                f"({number(facts.get('measured'))}) by the total {measure} of all its rows "
                f"({number(facts.get('compared_with'))}): {rows}.")
    return (f"Divided the rows of {plan.table.name} where {condition} by all its rows: {number(facts.get('measured'))} "
            f"of {number(facts.get('rows_used'))} rows.")


def _share_groups(plan, value, facts, rows):
    of = f"the total {plan.measures[0].label}" if plan.measures else "the rows"
    return f"Split {of} of {plan.table.name}{_where(plan)} by {shown(plan.group)}, as percentages: {rows}."


def _exists(plan, value, facts, rows):
    return f"Looked for rows of {plan.table.name}{_where(plan)}: {rows} match."


def _compare(plan, value, facts, rows):
    op, threshold, aggregate, other = plan.threshold
    right = number(threshold) if other is None else f"the {aggregate.label} {other.label} ({number(facts.get('compared_with'))})"
    return (f"Checked whether the {plan.aggregate.label} {plan.measures[0].label} over {_of(plan)} "
            f"({number(facts.get('measured'))}, from {rows}) is {COMPARED[op]} {right}.")


def _list_values(plan, value, facts, rows):
    found = len((value or {}).get("rows", [])) if isinstance(value, dict) else 0
    if plan.having is not None:
        aggregate, measure, op, limit = plan.having
        return (f"Listed each {shown(plan.target)} of {plan.table.name}{_where(plan)} whose {aggregate.label} "
                f"{measure.label} is {SYMBOL[op]} {number(limit)}: {found} of them, from {rows}.")
    return f"Listed the different values of {shown(plan.target)} in {_of(plan)}: {found} values, from {rows}."


def _correlation(plan, value, facts, rows):
    a, b = plan.measures
    return f"Pearson correlation of {a.label} and {b.label} over the {_of(plan)} where both have a value: {rows}."


def _trend(plan, value, facts, rows):
    what = _measured(plan) if plan.measures else "Counted rows"
    return f"{what} per {plan.period} of {shown(plan.time)} over {_of(plan)}: {rows}."


def _distribution(plan, value, facts, rows):
    return (f"Histogram of {plan.measures[0].label} over the {_of(plan)} with a value: {rows} "
            f"(a sample of 200,000 when there are more).")


def _side_by_side(plan, value, facts, rows):
    a, b = plan.measures
    return f"{plan.aggregate.verb} {a.label} and {b.label} for each {shown(plan.group)} of {plan.table.name}{_where(plan)}: {rows}."


SENTENCES = {"count": _count, "count_distinct": _count_distinct, "aggregate": _aggregate, "top": _top,
             "argmax": _argmax, "mode": _mode, "missing": _missing, "missing_by_column": _missing_by_column,
             "missing_total": _missing_total, "share_rows": _share_rows, "share_groups": _share_groups,
             "exists": _exists, "compare": _compare, "list_values": _list_values, "correlation": _correlation,
             "trend": _trend, "distribution": _distribution, "side_by_side": _side_by_side}


def _facts(plan: Plan, used: Any) -> dict[str, Any]:
    columns = [c for m in plan.measures for c in m.columns] + [c for f in plan.filters for c in f.columns]
    columns += [c for c in (plan.group, plan.target, plan.time) if c is not None]
    aggregation = None
    if plan.aggregate is not None and plan.measures:
        aggregation = f"{plan.aggregate.label} of {plan.measures[0].label}"
    elif plan.intent in ("count", "count_distinct", "mode", "missing", "missing_total", "missing_by_column",
                         "share_rows", "exists"):
        aggregation = "count of rows"
    facts = {"table": plan.table.name, "columns": list(dict.fromkeys(c.name for c in columns)),
             "filters": [c.label for c in plan.filters], "grouping": plan.group.name if plan.group else None,
             "aggregation": aggregation, "rows_used": used, "rows_total": plan.table.row_count, "source": "plan"}
    if plan.intent == "share_rows":
        facts["unit"] = "%"
    return facts
