"""The gallery sidebar: figures pinned on this dataset, small, with unpin and reorder."""
import dash_bootstrap_components as dbc
from dash import dcc, html

from insight_dash.components import ids
from insight_dash.components.answer import figure_graph
from insight_dash.models import PinnedFigure

THUMBNAIL_CONFIG = {"displayModeBar": False, "responsive": True}


def gallery_panel(pins: list[PinnedFigure]) -> html.Div:
    return html.Div([
        html.Div([html.H2("Gallery", className="h6 mb-0"),
                  dcc.Link("Views →", href="/views", className="small")],
                 className="d-flex justify-content-between align-items-baseline mb-2"),
        html.Div(gallery_items(pins), id=ids.GALLERY),
    ])


def gallery_items(pins: list[PinnedFigure]) -> list:
    if not pins:
        return [html.P("Pin a chart from the conversation to keep it here and collect it into a view.",
                       className="small text-body-secondary gallery-empty")]
    return [_item(pin, first=number == 0, last=number == len(pins) - 1) for number, pin in enumerate(pins)]


def thumbnail(figure: dict) -> dict:
    """The figure with room for the plot only: no title, legend or wide margins."""
    layout = {**figure.get("layout", {}), "title": None, "showlegend": False, "font": {"size": 9},
              "margin": {"l": 30, "r": 8, "t": 8, "b": 24}}
    return {**figure, "layout": layout}


def _item(pin: PinnedFigure, first: bool, last: bool) -> html.Div:
    key = str(pin.id)
    controls = dbc.ButtonGroup([
        dbc.Button("↑", id={"type": ids.MOVE_UP, "index": key}, disabled=first, title="Move up", n_clicks=0),
        dbc.Button("↓", id={"type": ids.MOVE_DOWN, "index": key}, disabled=last, title="Move down", n_clicks=0),
        dbc.Button("Unpin", id={"type": ids.UNPIN, "index": key}, title="Remove from the gallery", n_clicks=0),
    ], size="sm", className="gallery-controls")
    return html.Div(dbc.Card([
        figure_graph(thumbnail(pin.figure_json), height="150px", config=THUMBNAIL_CONFIG),
        dbc.CardBody([html.Div(pin.title, className="small fw-semibold text-truncate", title=pin.question),
                      controls], className="p-2"),
    ], className="gallery-item mb-2"), **{"data-pin": key})
