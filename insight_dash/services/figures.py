"""Plotly figures as stored data: checked to be a real figure and capped in size before a
QueryLog or a pin keeps them, so a page never renders something Plotly cannot."""
import functools
import json
from typing import Any

import plotly.graph_objects as go

from insight_dash.services.errors import InvalidInput

MAX_FIGURE_BYTES = 5 * 1024 * 1024


class InvalidFigure(InvalidInput):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def checked_figure(value: Any) -> dict[str, Any]:
    """A real Plotly figure of reasonable size, as plain JSON."""
    try:
        figure = _plotly_json(value)
        encoded = json.dumps(figure, default=str)
    except (ValueError, TypeError) as exc:
        raise InvalidFigure("result", "The chart the model produced is not a valid Plotly figure.") from exc
    if len(encoded) > MAX_FIGURE_BYTES:
        raise InvalidFigure("too_large", "The chart is too large to store. Ask for fewer points or categories.")
    return json.loads(encoded)


def _plotly_json(value: Any) -> dict[str, Any]:
    """go.Figure(value).to_plotly_json(), the layout's template checked once per distinct template.

    Checking a figure's template (Plotly Express puts its whole theme in every figure) is most
    of the cost of checking the figure, and nearly every chart carries one of a few themes.
    A template is checked on its own as it would be inside the figure; the figure without it
    gets Plotly's default theme unchecked (as Plotly does), which the checked one replaces.
    Only a template that is plain JSON is a key (no str() of objects that could collide).
    """
    layout = value.get("layout") if isinstance(value, dict) else None
    if not isinstance(layout, dict) or "template" not in layout:
        return go.Figure(value).to_plotly_json()
    try:
        key = json.dumps(layout["template"])
    except (TypeError, ValueError):  # not plain JSON: checked with the figure, as before
        return go.Figure(value).to_plotly_json()
    template = _checked_template(key)
    figure = go.Figure({**value, "layout": {k: v for k, v in layout.items() if k != "template"}}).to_plotly_json()
    figure["layout"] = {**figure["layout"], "template": template}
    return figure


@functools.lru_cache(maxsize=16)
def _checked_template(template_json: str) -> dict[str, Any]:
    """The checked form of a template (JSON text as the key); the figure's JSON round trip
    copies it, so the cached value is never handed out."""
    return go.Figure({"layout": {"template": json.loads(template_json)}}).to_plotly_json()["layout"]["template"]


def title_text(node: dict[str, Any]) -> str:
    """The text of a Plotly `title` (a string or {"text": ...}) on a layout or an axis."""
    title = node.get("title")
    return (title.get("text") if isinstance(title, dict) else title) or ""


def figure_title(figure: dict[str, Any]) -> str:
    return title_text(figure.get("layout", {}))


def without_title(figure: dict[str, Any]) -> dict[str, Any]:
    """The figure for a card whose header already shows its title."""
    return {**figure, "layout": {**figure.get("layout", {}), "title": None}}
