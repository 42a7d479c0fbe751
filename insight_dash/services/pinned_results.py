"""A pinned answer's result, stored as something a card can draw: a chart as it is, a number as
an indicator, a table as a table trace; and, between two results of one pin, what changed
("404 -> 431, +6.7%")."""
from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from insight_dash.services.errors import InvalidInput
from insight_dash.services.figures import checked_figure
from insight_dash.services.formatting import format_number

KIND_OF_RESULT = {"plot": "figure", "number": "number", "dataframe": "table"}
TABLE_ROWS_DRAWN = 50


def pinned_result(kind: str, value: Any, title: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(figure JSON, value JSON) of a result of `kind`: figure, number or table."""
    if kind == "figure":
        return checked_figure(value), None
    if kind == "number":
        number = _as_number(value)
        figure = go.Figure(go.Indicator(mode="number", value=number, number={"valueformat": ",.4~f"}),
                           layout={"title": {"text": title}, "height": 220})
        return checked_figure(figure.to_plotly_json()), {"value": number}
    if kind == "table":
        columns, rows = value["columns"], value["rows"][:TABLE_ROWS_DRAWN]
        cells = [[row[i] for row in rows] for i in range(len(columns))]
        figure = go.Figure(go.Table(header={"values": columns}, cells={"values": cells}),
                           layout={"title": {"text": title}})
        return checked_figure(figure.to_plotly_json()), {"columns": columns, "rows": value["rows"],
                                                         "row_count": value.get("row_count", len(value["rows"]))}
    raise InvalidInput("Only a chart, a number or a table can be pinned.")


def with_reference(figure: dict[str, Any], previous: float) -> dict[str, Any]:
    """A number's indicator showing its change from the previous version's value."""
    data = [{**trace, "mode": "number+delta", "delta": {"reference": previous, "relative": False,
                                                         "valueformat": ",.4~f"}} for trace in figure["data"]]
    return {**figure, "data": data}


def change_sentence(kind: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """What changed between two values of a number or table pin; "" when there is nothing to say."""
    if not before or not after:
        return ""
    if kind == "number":
        return _change(before["value"], after["value"])
    if kind == "table":
        parts = [f"rows {_change(before['row_count'], after['row_count'])}"]
        totals = _column_totals(before), _column_totals(after)
        parts += [f"total {name} {_change(total, totals[1][name])}" for name, total in totals[0].items()
                  if name in totals[1]][:2]
        return "; ".join(parts)
    return ""


def _change(before: float, after: float) -> str:
    if before == after:
        return f"{format_number(after)}, unchanged"
    if not before:
        return f"{format_number(before)} → {format_number(after)}"
    percent = (after - before) / abs(before) * 100
    return f"{format_number(before)} → {format_number(after)}, {percent:+.1f}%"


def _column_totals(table: dict[str, Any]) -> dict[str, float]:
    """Totals of the table's number columns (of the rows the answer kept)."""
    totals = {}
    for index, name in enumerate(table["columns"]):
        values = [row[index] for row in table["rows"]]
        if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            totals[name] = sum(values)
    return totals


def _as_number(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    try:  # a stored answer keeps its number as people read it: "1,234.5"
        return float(str(value).replace(",", ""))
    except ValueError:
        raise InvalidInput("This answer is not a plain number, so it cannot be pinned.") from None
