from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from insight_dash.services.formatting import human_count

KIND_LABELS = {"number": "Number", "text": "Text", "datetime": "Date/time", "boolean": "Yes/no", "other": "Other"}


def column_profile(column: dict[str, Any] | None, row_count: int) -> Any:
    """Facts about one column: type, missing values, range, common values, distribution."""
    if column is None:
        return html.P("Choose a column to see its profile.", className="text-body-secondary")
    facts = [("Type", f"{KIND_LABELS.get(column['kind'], column['kind'])} ({column['dtype']})"),
             ("Missing", f"{human_count(column['null_count'])} of {human_count(row_count)}")]
    for key, label in (("min", "Min"), ("max", "Max"), ("mean", "Mean")):
        if column.get(key) is not None:
            facts.append((label, _format(column[key])))
    if column.get("distinct_count") is not None:
        facts.append(("Distinct", human_count(column["distinct_count"])))
    body: list[Any] = [html.H3(column["name"], className="h6 text-break"),
                       html.Dl(sum(([html.Dt(k, className="col-5"), html.Dd(v, className="col-7 mb-1")]
                                    for k, v in facts), []), className="row small mb-2")]
    if column.get("top_values"):
        body.append(html.Div("Most common", className="small fw-semibold"))
        body.append(html.Ol([html.Li(f"{item['value']} ({human_count(item['count'])})", className="small text-break")
                             for item in column["top_values"]], className="ps-3 mb-2"))
    if column.get("histogram"):
        body.append(dcc.Graph(figure=histogram_figure(column["histogram"], column["name"]),
                              config={"displayModeBar": False}, style={"height": "160px"}))
    return dbc.Card(dbc.CardBody(body))


def histogram_figure(histogram: dict[str, list[float]], name: str) -> go.Figure:
    edges, counts = histogram["edges"], histogram["counts"]
    centers = [(low + high) / 2 for low, high in zip(edges[:-1], edges[1:])]
    widths = [high - low for low, high in zip(edges[:-1], edges[1:])]
    figure = go.Figure(go.Bar(x=centers, y=counts, width=widths, marker_color="#0b5cab",
                              hovertemplate=f"{name}: %{{x}}<br>rows: %{{y}}<extra></extra>"))
    figure.update_layout(margin=dict(l=30, r=10, t=10, b=30), template="plotly_white", bargap=0.05)
    return figure


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)
