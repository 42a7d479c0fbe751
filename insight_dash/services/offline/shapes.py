"""The shapes of answer the offline engine gives, each from the roles it spends.

Tried in order; the first shape that fits takes the roles it uses. Whatever no shape used is
left over, and a question with words left over is declined (`plan_reading`). The shapes that
rank or compare groups and aggregates are in ranking.py.
"""
from __future__ import annotations

from insight_dash.services.catalogue import Column
from insight_dash.services.offline import words as w
from insight_dash.services.offline.context import Context, flag_conditions, groupable
from insight_dash.services.offline.planner import (AVG, MAX, MIN, SUM, Condition, Draft, Leftover, Measure, Plan,
                                                   column_measure, conditions, derived_measures, is_flag)
from insight_dash.services.offline.ranking import listed, ranked, yes_no
from insight_dash.services.offline.reading import Reading, Span


def plan_reading(reading: Reading) -> Plan | Leftover:
    draft = Draft(reading)
    measures = derived_measures(draft)
    filters = conditions(draft, measures)
    plan = _shape(draft, measures, filters)
    left = draft.leftover()
    if plan is not None and not left:
        plan.used = len(draft.used)
        plan.names_table = any(s.role == "row" and s.value == "table" for s in reading.spans)
        return plan
    unknown = [_shown(reading, s) for s in left if s.role in (None, "ambiguous")]
    unused = [_shown(reading, s) for s in left if s.role not in (None, "ambiguous")]
    mentioned = [s.column for s in reading.spans if s.column is not None]
    return Leftover(reading.table, unknown, unused, draft.reason, mentioned)


def _shown(reading: Reading, span: Span) -> str:
    text = reading.text(span)
    if span.role == "ambiguous":
        return f"{text} ({' or '.join(c.name for c in span.candidates[:3])}?)"
    return text


def _shape(draft: Draft, measures: list[Measure], filters: list[Condition]) -> Plan | None:
    grouping = _grouping(draft)
    if grouping is False:
        return None
    group, period = grouping
    target = _which_target(draft) if group is None else None
    context = Context(draft, measures, filters, group, period, target)
    for build in (_missing, _mode, _correlation, _distribution, _trend, _share, _exists, yes_no, ranked,
                  listed, _count, _side_by_side, _aggregate):
        plan = build(context)
        if plan is not None:
            return plan
    return None


def _grouping(draft: Draft) -> tuple[Column | None, str | None] | bool:
    """(group column, period) from "by unit", "per plant", "for each department", "daily"; False
    for two groupings at once, which the engine does not do."""
    group, period = None, None
    for marker in draft.free("group"):
        target = draft.near(marker, 1)
        if target is None:
            continue
        if draft.reading.tokens[marker.end].lower == "all" and target.role in ("column", "row"):
            draft.take(marker, target)  # "across all units", "for all departments": no grouping at all
            continue
        if target.role == "column" and groupable(target.column):
            if group is not None and group is not target.column:
                draft.reason = "It answers one grouping at a time (by one column)."
                return False
            group = target.column
            draft.take(marker, target)
        elif target.role == "period":
            period = target.value
            draft.take(marker, target)
        elif target.role in ("row", "colnoun") and draft.free("agg", "missing"):
            draft.take(marker, target)  # "average overspend per line", "missing values per column"
            if target.role == "colnoun":
                target.value = "columns"
    for span in draft.free("period"):
        if span.value in w.PERIOD_ADJECTIVES.values() and draft.reading.tokens[span.start].lower in w.PERIOD_ADJECTIVES:
            period = period or span.value
            draft.take(span)
    return group, period


def _which_target(draft: Draft) -> Column | None:
    """"Which vendor ...", "which departments ...": the column the answer names."""
    which = draft.first("which")
    if which is None:
        return None
    after = draft.near(which, 1)
    if after is not None and after.role == "column" and groupable(after.column):
        draft.take(which, after)
        return after.column
    return None


def _missing(c: Context) -> Plan | None:
    missing = c.draft.first("missing")
    if missing is None:
        return None
    count = c.draft.free("count", "row")
    named = [s for s in c.draft.free("column", "adjective") if s is not missing]
    if len(named) == 1:
        return c.plan("missing", "number", missing, named[0], *count, target=named[0].column)
    per_column = [s for s in c.draft.reading.spans if s.role == "colnoun"]
    if not named and per_column:
        return c.plan("missing_by_column", "table", missing, *count, *per_column)
    if not named:
        return c.plan("missing_total", "number", missing, *count)
    return None


def _mode(c: Context) -> Plan | None:
    mode = c.draft.first("mode")
    most = next((s for s in c.draft.free("high") if s.value == "most"), None)
    rows = c.draft.free("row")
    if mode is None and not (most and c.target is not None and rows and not c.measures()):
        return None
    target = c.target
    spend = [mode, most, *(rows if mode is None else [])]
    if target is None:
        named = c.draft.free("column")
        if len(named) != 1:
            return None
        target = named[0].column
        spend.append(named[0])
        number = c.draft.near(named[0], -1)
        if number is not None and number.role == "count" and number.value == "number":
            spend.append(number)  # "which number of pregnancies": the column itself counts
    return c.plan("mode", "text" if target.kind != "number" else "number", *spend, target=target)


def _correlation(c: Context) -> Plan | None:
    word = c.draft.first("correlation")
    spans = c.measure_spans()
    if word is None or len(spans) != 2:
        return None
    glue = c.draft.free("between", "joiner")
    return c.plan("correlation", "number", word, *spans, *glue,
                  measures=[column_measure(spans[0].column), column_measure(spans[1].column)])


def _distribution(c: Context) -> Plan | None:
    word = c.draft.first("distribution")
    measures = c.measures()
    if word is None or len(measures) != 1:
        return None
    measure, spans = measures[0]
    return c.plan("distribution", "chart", word, *spans, *c.draft.free("chart"), measures=[measure])


def _trend(c: Context) -> Plan | None:
    word = c.draft.first("trend")
    times = [s for s in c.draft.free("column") if s.column.kind == "datetime"]
    time = times[0].column if len(times) == 1 else next(
        iter([col for col in c.table.columns if col.kind == "datetime"][:1]), None)
    if (word is None and c.period is None) or time is None:
        return None
    measures = c.measures()
    spend = [*c.draft.free("trend"), *times, *c.draft.free("chart")]
    if len(measures) == 1:
        measure, spans = measures[0]
        aggregate, used = c.aggregate(measure)
        aggregate = aggregate or AVG
        return c.plan("trend", "chart", *spend, *spans, *used, measures=[measure], aggregate=aggregate,
                      time=time, period=c.period or "day")
    counted = c.draft.free("count", "row")
    if not measures and counted:
        return c.plan("trend", "chart", *spend, *counted, time=time, period=c.period or "day")
    return None


def _share(c: Context) -> Plan | None:
    word = c.draft.first("share")
    if word is None:
        return None
    group = c.group or c.target
    rows = c.draft.free("row")
    if group is None:
        categories = c.categories()
        each = next((s for s in c.draft.free("group")), None)
        if each is not None and categories:
            group = categories[0].column
            rows.extend([each, categories[0]])
    if group is not None:
        measures = c.measures()
        if len(measures) > 1:
            return None
        measure, spans = measures[0] if measures else (None, [])
        return c.plan("share_groups", "chart", word, *spans, *rows, *c.draft.free("chart"), group=group,
                      measures=[measure] if measure else [])
    flags = flag_conditions(c)
    measures = c.measures()
    if len(c.filters) + len(flags) != 1 or len(measures) > 1 or measures and not measures[0][0].additive:
        c.draft.reason = c.draft.reason or "It needs one condition to give the share of rows that meet it."
        return None
    c.filters = c.filters + [f for f, _ in flags]
    if measures:  # "what percent of total spending was travel": a share of the measure's total
        measure, spans = measures[0]
        return c.plan("share_rows", "number", word, *rows, *spans, *c.draft.free("agg"), *[s for _, s in flags],
                      measures=[measure], aggregate=SUM)
    return c.plan("share_rows", "number", word, *rows, *[s for _, s in flags])


def _exists(c: Context) -> Plan | None:
    word = c.draft.first("any")
    if word is None or c.measures() and not c.filters:
        return None
    flags = flag_conditions(c)
    c.filters = c.filters + [f for f, _ in flags]
    if not c.filters:
        return None
    return c.plan("exists", "boolean", word, *c.draft.free("row"), *[s for _, s in flags])


def _count(c: Context) -> Plan | None:
    count = c.draft.first("count")
    if count is None:
        return None
    rows = c.draft.free("row")
    distinct = c.draft.free("distinct")
    if c.group is not None:
        return c.plan("count", "table", count, *rows, *distinct)
    flags = flag_conditions(c)
    nouns = [s for s in c.categories() if s.start > count.start and not is_flag(s.column)]
    if nouns and not rows:
        return c.plan("count_distinct", "number", count, nouns[0], *distinct, target=nouns[0].column)
    if c.measures() and not flags:
        return None
    c.filters = c.filters + [f for f, _ in flags]
    return c.plan("count", "number", count, *rows, *[s for _, s in flags])


def _side_by_side(c: Context) -> Plan | None:
    spans = c.measure_spans()
    glue = c.draft.free("versus", "joiner")
    if len(spans) != 2 or c.group is None or not (glue or c.chart_requested()) or c.derived:
        return None
    measures = [column_measure(s.column) for s in spans]
    aggregate, used = c.aggregate(measures[0])
    if not all(m.additive for m in measures) and not used:
        return None
    return c.plan("side_by_side", "chart", *spans, *glue, *used, *c.draft.free("chart"), measures=measures,
                  aggregate=aggregate or SUM)


def _aggregate(c: Context) -> Plan | None:
    measures = c.measures()
    if len(measures) != 1:
        return None
    measure, spans = measures[0]
    extreme = _extreme(c, spans) if c.group is None else None
    aggregate, used = c.aggregate(measure)
    if not c.draft.free("agg") and extreme is not None:
        aggregate, used = (MAX if extreme == "high" else MIN), []
    elif not used and (c.group is None and not any(_spend_verb(c, span) for span in spans)):
        c.draft.reason = c.draft.reason or (f"Say which summary of {measure.label} you want: total, average, "
                                            f"minimum or maximum.")
        return None
    if aggregate is None:
        c.draft.reason = f"Say which summary of {measure.label} you want: total, average, minimum or maximum."
        return None
    answer = "table" if c.group is not None else "number"
    return c.plan("aggregate", answer, *spans, *used, *c.draft.free("high", "low")[:1], measures=[measure],
                  aggregate=aggregate)


def _extreme(c: Context, spans: list[Span]) -> str | None:
    """"the largest amount", "the oldest passenger": the maximum or minimum."""
    word = c.draft.first("high", "low")
    if word is not None:
        return word.role
    return next((span.value for span in spans if span.role == "adjective" and span.value in ("high", "low")), None)


def _spend_verb(c: Context, span: Span | None) -> bool:
    """"What was spent on travel": the verb asks for a total."""
    return span is not None and c.draft.reading.tokens[span.start].lower in ("spent", "spend", "spending")
