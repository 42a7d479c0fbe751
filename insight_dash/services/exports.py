"""Standalone HTML exports of a view or of one answer: interactive figures from their stored
JSON (plotly.js inlined, so the file opens anywhere, offline) and a print-friendly layout."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from flask import render_template
from markupsafe import Markup

from insight_dash.services.formatting import calendar_time, human_time
from insight_dash.models import QueryLog, User
from insight_dash.services.questions import get_query
from insight_dash.services.errors import InvalidInput
from insight_dash.services.figures import without_title
from insight_dash.services.views import get_view

EXPORT_CONFIG = {"displaylogo": False, "responsive": True}


@dataclass
class ExportItem:
    title: str
    question: str
    body: Markup
    explanation: str = ""
    as_of: str = ""  # which dataset version the result was computed on, and when
    change: str = ""
    stale: str = ""


def view_html(user: User, view_id: uuid.UUID | str) -> tuple[str, str]:
    """(file name, HTML) of a view the user may read."""
    view = get_view(user, view_id)
    items = [ExportItem(pin.title, pin.question, figure_div(without_title(pin.figure_json)), pin.explanation,
                        f"{pin.dataset.name}, version {pin.dataset_version}, computed {calendar_time(pin.computed_at)}",
                        pin.change, pin.stale_reason)
             for pin in (item.figure for item in view.items)]
    subtitle = f"Shared by {view.owner.username} · updated {human_time(view.updated_at)}"
    return _file_name(view.name), _page(view.name, subtitle, items)


def answer_html(user: User, query_id: int | str) -> tuple[str, str]:
    """(file name, HTML) of one of the user's answered questions."""
    entry = get_query(user, query_id)
    if entry.status != "success":
        raise InvalidInput("Only an answered question can be exported.")
    version = f", version {entry.dataset_version}" if entry.dataset_version else ""
    item = ExportItem("", entry.prompt, _answer_body(entry), entry.explanation,
                      f"{entry.session.dataset.name}{version}, computed {calendar_time(entry.created_at)}")
    subtitle = f"{entry.session.dataset.name} · asked {human_time(entry.created_at)}"
    return _file_name(entry.prompt), _page(entry.prompt, subtitle, [item])


def figure_div(figure: dict) -> Markup:
    # Plotly writes the figure as JSON inside a script and escapes "</", so model-written
    # titles cannot close it; the JSON was checked as a figure before it was stored.
    return Markup(pio.to_html(go.Figure(figure), full_html=False, include_plotlyjs=False, config=EXPORT_CONFIG))


def _answer_body(entry: QueryLog) -> Markup:
    if entry.result_kind == "figure":
        return figure_div(entry.response_plot_json)
    if entry.result_kind in ("table", "list"):
        table = entry.response_table_json
        frame = pd.DataFrame(table["rows"], columns=table["columns"])
        return Markup(frame.to_html(index=False, escape=True, border=0, classes="answer-table"))
    css = "answer-number" if entry.result_kind in ("number", "boolean") else "answer-text"
    return Markup('<p class="{}">{}</p>').format(css, entry.response_text)


def _page(title: str, subtitle: str, items: list[ExportItem]) -> str:
    return render_template("exports/report.html", title=title, subtitle=subtitle, items=items,
                           plotly_js=Markup(_plotly_js()))


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    return pio.to_html(go.Figure(), full_html=False, include_plotlyjs=True).split("<div", 1)[0]


def _file_name(title: str) -> str:
    return (re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-")[:60] or "insight") + ".html"
