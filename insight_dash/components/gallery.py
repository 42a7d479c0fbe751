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
    layout = figure.get("layout", {})
    axes = {name: {**axis, "title": None} for name, axis in layout.items() if name.startswith(("xaxis", "yaxis"))}
    layout = {**layout, **axes, "title": None, "showlegend": False, "font": {"size": 9},
              "margin": {"l": 30, "r": 8, "t": 8, "b": 20}}
    return {**figure, "layout": layout}


def _item(pin: PinnedFigure, first: bool, last: bool) -> html.Div:
    key = str(pin.id)
    controls = dbc.ButtonGroup([
        _control("↑", ids.MOVE_UP, key, "Move up", disabled=first),
        _control("↓", ids.MOVE_DOWN, key, "Move down", disabled=last),
        _control("Unpin", ids.UNPIN, key, "Remove from the gallery"),
    ], size="sm", className="gallery-controls")
    return html.Div(dbc.Card([
        figure_graph(thumbnail(pin.figure_json), height="150px", config=THUMBNAIL_CONFIG),
        dbc.CardBody([html.Div(pin.title, className="small fw-semibold text-truncate",
                               title=f"{pin.question}\n{pin.explanation}".strip()),
                      controls], className="p-2"),
    ], className="gallery-item mb-2"), **{"data-pin": key})


def _control(label: str, kind: str, key: str, title: str, disabled: bool = False) -> dbc.Button:
    return dbc.Button(label, id={"type": kind, "index": key}, title=title, disabled=disabled, n_clicks=0,
                      color="secondary", outline=True)
