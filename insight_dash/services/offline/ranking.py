"""Shapes that compare groups or aggregates: "which X has the highest Y" (a name), top and
bottom N (a table, or a list when asked to list), lists of the values that meet a condition or
whose aggregate passes a threshold, and yes/no questions about an aggregate."""
from __future__ import annotations

from insight_dash.services.offline import words as w
from insight_dash.services.offline.context import Context, aggregate_of, groupable
from insight_dash.services.offline.planner import MAX, MIN, Plan, column_measure
from insight_dash.services.offline.reading import Span


def yes_no(c: Context) -> Plan | None:
    """"Is the maximum temperature above 80?", "Is the total actual above the total budget?"."""
    if c.draft.reading.first_word not in w.YES_NO_STARTS:
        return None
    compare = c.draft.first("compare")
    if compare is None:
        return None
    left = _aggregate_side(c, compare, -1)
    right_span = c.draft.near(compare, 1)
    if left is None or right_span is None:
        return None
    (aggregate, measure, left_spans) = left
    if right_span.role == "number":
        threshold = (compare.value, right_span.value, None, None)
        right_spans = [right_span]
    else:
        right = _aggregate_side(c, compare, 1)
        if right is None:
            return None
        threshold = (compare.value, None, right[0] or aggregate, right[1])
        right_spans = right[2]
    return c.plan("compare", "boolean", compare, *left_spans, *right_spans, measures=[measure],
                  aggregate=aggregate, threshold=threshold)


def _aggregate_side(c: Context, compare: Span, step: int):
    """(aggregate, measure, spans) on one side of a comparison: "the maximum temperature"."""
    first = c.draft.near(compare, step)
    second = c.draft.near(first, step) if first is not None else None
    spans = [first, second] if step == -1 else [first, second]
    agg = next((s for s in spans if s is not None and s.role in ("agg", "high", "low")), None)
    column = next((s for s in spans if s is not None and s.role == "column" and s.column.kind == "number"), None)
    if column is None:
        return None
    measure = column_measure(column.column)
    if agg is None:
        return (None, measure, [column]) if step == 1 else None
    aggregate = aggregate_of(agg) if agg.role == "agg" else (MAX if agg.role == "high" else MIN)
    return aggregate, measure, [agg, column]


def ranked(c: Context) -> Plan | None:
    """"Which plant has the highest average output?" (a name), "top 3 units by pressure" (a
    table), "list the 3 lowest ..." (a list)."""
    direction = c.draft.first("high", "low")
    adjective = next((s for s in c.draft.free("adjective") if s.value in ("high", "low")), None)
    if direction is None and adjective is None:
        return None
    descending = (direction or adjective).role == "high" if direction else adjective.value == "high"
    number = _rank_count(c, direction)
    listing = c.draft.first("list")
    group = c.group or c.target
    spend = [direction, listing]
    if group is None:
        categories = [s for s in c.categories() if groupable(s.column)]
        if number is not None and categories:
            group = categories[0].column
            spend.append(categories[0])
    if group is None:
        return None
    by = next((s for s in c.draft.free("group") if c.draft.near(s, 1) is not None
               and c.draft.near(s, 1).role in ("agg", "column", "adjective")), None)
    spend.append(by)
    measures = c.measures()
    if len(measures) > 1:
        return None
    if measures:
        measure, spans = measures[0]
        aggregate, used = c.aggregate(measure, "high" if descending else "low")
        if aggregate is None:
            c.draft.reason = f"Say which summary of {measure.label} to rank by: total, average, minimum or maximum."
            return None
        spend += [*spans, *used]
        fields = dict(measures=[measure], aggregate=aggregate)
    else:
        counted = c.draft.free("count", "row")
        if not counted and not c.filters:
            return None
        spend += counted
        fields = {}
    if number is None:
        answer, limit = ("text", 1) if c.target is not None or listing is None else ("list", None)
        if c.target is None and listing is None:
            return None
    else:
        limit = int(number.value) if number.role == "number" else 5
        spend.append(number)
        answer = "list" if listing is not None or c.target is not None else "table"
    return c.plan("argmax" if answer == "text" else "top", answer, *spend, group=group, limit=min(limit or 1, 100),
                  descending=descending, **fields)


def _rank_count(c: Context, direction: Span | None) -> Span | None:
    """The N of "top 3", "the 3 plants with the lowest", "5 highest"; "top" alone means 5."""
    numbers = [s for s in c.draft.free("number") if float(s.value).is_integer() and 0 < s.value <= 1000]
    if direction is not None:
        for number in numbers:
            if abs(number.start - direction.end) <= 1 or abs(direction.start - number.end) <= 3:
                return number
        if direction.value in ("top", "bottom"):
            return direction
    listing = c.draft.first("list")
    if listing is not None:
        after = c.draft.near(listing, 1)
        if after is not None and after.role == "number":
            return after
    return None


def listed(c: Context) -> Plan | None:
    """"Which departments are over budget in H2?", "list the units with an average gross MW above 200"."""
    listing = c.draft.first("list")
    target = c.target
    spend = [listing]
    if target is None and listing is not None:
        after = c.draft.near(listing, 1)
        if after is not None and after.role == "column" and groupable(after.column):
            target = after.column
            spend.append(after)
    if target is None:
        return None
    having = _having(c)
    if having is not None:
        fields, having_spans = having
        return c.plan("list_values", "list", *spend, *having_spans, target=target, group=target, **fields)
    if c.measures():
        return None
    return c.plan("list_values", "list", *spend, *c.draft.free("row"), target=target, group=target)


def _having(c: Context):
    compare = c.draft.first("compare")
    if compare is None:
        return None
    side = _aggregate_side(c, compare, -1)
    number = c.draft.near(compare, 1)
    if side is None or side[0] is None or number is None or number.role != "number":
        return None
    aggregate, measure, spans = side
    return {"having": (aggregate, measure, compare.value, number.value)}, [compare, number, *spans]
