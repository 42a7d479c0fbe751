"""Plotly figures as stored data: checked to be a real figure and capped in size before a
QueryLog or a pin keeps them, so a page never renders something Plotly cannot."""
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
        figure = go.Figure(value).to_plotly_json()
        encoded = json.dumps(figure, default=str)
    except (ValueError, TypeError) as exc:
        raise InvalidFigure("result", "The chart the model produced is not a valid Plotly figure.") from exc
    if len(encoded) > MAX_FIGURE_BYTES:
        raise InvalidFigure("too_large", "The chart is too large to store. Ask for fewer points or categories.")
    return json.loads(encoded)


def title_text(node: dict[str, Any]) -> str:
    """The text of a Plotly `title` (a string or {"text": ...}) on a layout or an axis."""
    title = node.get("title")
    return (title.get("text") if isinstance(title, dict) else title) or ""


def figure_title(figure: dict[str, Any]) -> str:
    return title_text(figure.get("layout", {}))


def without_title(figure: dict[str, Any]) -> dict[str, Any]:
    """The figure for a card whose header already shows its title."""
    return {**figure, "layout": {**figure.get("layout", {}), "title": None}}
