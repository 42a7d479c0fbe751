"""What a plan's shapes share: the parts the conditions left (grouping, measures) and the
helpers that spend the rest of the question's words."""
from __future__ import annotations

from insight_dash.services.catalogue import Column
from insight_dash.services.offline import words as w
from insight_dash.services.offline.planner import (MAX, MIN, SUM, Aggregate, Condition, Draft, Measure, Plan,
                                                   column_measure, is_flag, quote)
from insight_dash.services.offline.reading import Span

VARIANCE = Aggregate("var_samp", "Took the variance of", "variance")


class Context:
    """What the conditions left: the grouping, the measures, and helpers to spend the rest."""

    def __init__(self, draft: Draft, derived: list[Measure], filters: list[Condition], group: Column | None,
                 period: str | None, target: Column | None):
        self.draft = draft
        self.derived = derived
        self.filters = filters
        self.group = group
        self.period = period
        self.target = target
        self.table = draft.reading.table

    def measure_spans(self) -> list[Span]:
        return [s for s in self.draft.free("column", "adjective") if s.column.kind == "number"
                and s.column is not self.group and s.column is not self.target]

    def measures(self) -> list[tuple[Measure, list[Span]]]:
        """The measures left, each with the spans naming it ("how old is the oldest": one, Age)."""
        by_column: dict[int, list[Span]] = {}
        for span in self.measure_spans():
            by_column.setdefault(id(span.column), []).append(span)
        return [(m, []) for m in self.derived] + [(column_measure(spans[0].column), spans)
                                                  for spans in by_column.values()]

    def categories(self) -> list[Span]:
        return [s for s in self.draft.free("column") if s.column.kind != "number" and s.column is not self.group
                and s.column is not self.target]

    def plan(self, intent: str, answer: str, *spend: Span | None, **fields) -> Plan:
        self.draft.take(*spend)
        chart = self.draft.free("chart")
        if answer in ("table",) and chart and (fields.get("group") or self.group):
            answer = "chart"
        if answer == "chart":
            self.draft.take(*chart)
        fields.setdefault("group", self.group)
        return Plan(table=self.table, intent=intent, answer=answer, filters=self.filters, **fields)

    def aggregate(self, measure: Measure, direction: str | None = None) -> tuple[Aggregate | None, list[Span]]:
        """The aggregate the question names, or the one its measure implies."""
        spans = self.draft.free("agg")
        if len(spans) == 1:
            return aggregate_of(spans[0]), spans
        if spans:
            return None, []
        if measure.ratio is not None:
            return measure.aggregate or SUM, []  # a ratio of totals
        variance = self.draft.free("variance")
        if variance and len(measure.columns) == 1:
            return VARIANCE, variance
        if measure.additive:
            return SUM, []
        return {"high": MAX, "low": MIN}.get(direction), []

    def chart_requested(self) -> bool:
        return bool(self.draft.free("chart"))


def aggregate_of(span: Span) -> Aggregate:
    return Aggregate(*w.AGGREGATES[span.value])


def groupable(column: Column) -> bool:
    return column.kind in ("text", "boolean") or (column.kind == "number" and column.integer)


def flag_conditions(c: Context) -> list[tuple[Condition, Span]]:
    """0/1 and yes/no columns named as a predicate: "passengers survived" -> Survived = 1."""
    found = []
    for span in c.draft.free("column"):
        if is_flag(span.column):
            value = "true" if span.column.kind == "boolean" else "1"
            found.append((Condition(f"{quote(span.column.sql)} = {value}", f"{span.column.name} = {value}",
                                    [span.column]), span))
    return found
