"""Figures as stored: checked_figure gives exactly what Plotly's own check of the whole figure
gives, though each distinct template (theme) is checked once per process."""
import json

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import pytest

from insight_dash.services.figures import InvalidFigure, checked_figure


def plotly_checked(value) -> dict:
    """The reference: the whole figure through Plotly, as plain JSON."""
    return json.loads(json.dumps(go.Figure(value).to_plotly_json(), default=str))


def express_figures() -> list[go.Figure]:
    frame = pd.DataFrame({"unit": list("ABCABC"), "value": np.arange(6.0),
                          "hour": pd.date_range("2026-01-01", periods=6, freq="h")})
    return [px.bar(frame, x="unit", y="value"), px.line(frame, x="hour", y="value", template="plotly_white"),
            px.pie(frame, names="unit", values="value"), px.histogram(frame, x="value", template="seaborn"),
            px.scatter(frame, x="value", y="value", color="unit", template="ggplot2")]


@pytest.mark.parametrize("value", [
    *[json.loads(figure.to_json()) for figure in express_figures()],  # as the sandbox sends them
    *[figure.to_plotly_json() for figure in express_figures()],  # as pins build them
    {"data": [{"type": "bar", "x": [1], "y": [2]}], "layout": {"template": "plotly_dark"}},
    {"data": [{"type": "bar", "x": [1], "y": [2]}], "layout": {"template": None, "title": {"text": "t"}}},
    {"data": [{"type": "bar", "x": [1], "y": [2]}], "layout": {"template": {}}},
    {"data": [{"type": "bar", "x": [1], "y": [2]}]},
    {"layout": None},
    {},
])
def test_the_same_json_as_checking_the_whole_figure(value):
    expected = plotly_checked(value)
    assert checked_figure(value) == expected
    assert checked_figure(value) == expected  # the second time, its template comes from the cache


@pytest.mark.parametrize("value", [
    {"data": [{"type": "no such trace"}]},
    {"layout": {"template": {"layout": {"no_such_property": 1}}}},
    {"layout": {"template": 5}},
    {"layout": []},
    "a string",
])
def test_what_plotly_refuses_is_refused(value):
    with pytest.raises((ValueError, TypeError)):
        plotly_checked(value)
    with pytest.raises(InvalidFigure):
        checked_figure(value)
