"""The dataset page's parts: header, the three-area workspace, the grid and the ask panel."""
from dataclasses import dataclass, field
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from insight_dash.components import ids
from insight_dash.components.column_profile import column_profile
from insight_dash.components.dataset_list import STAGE_LABELS
from insight_dash.components.formatting import STATUS_COLORS
from insight_dash.services.formatting import human_count, human_size, human_time
from insight_dash.components.answer import answer_card
from insight_dash.components.gallery import gallery_panel
from insight_dash.components.versions import version_review, versions_tab
from insight_dash.models import AnalysisSession, Dataset, DatasetVersion, PinnedFigure, QueryLog

GRID_FILTERS = {"number": "agNumberColumnFilter", "datetime": "agDateColumnFilter"}
# Starting widths that fit typical values, so several columns show in the data area.
COLUMN_WIDTHS = {"datetime": 205, "number": 140, "boolean": 100}


@dataclass
class Conversation:
    """What the conversation area shows: the current session among the user's sessions on
    this dataset, its history (newest first), suggestions, which answers are pinned and the
    dataset's column names (a number's unit may come from one)."""

    sessions: list[AnalysisSession]
    current: AnalysisSession
    history: list[QueryLog]
    suggestions: list[str]
    pinned: set[int] = field(default_factory=set)
    columns: list[str] = field(default_factory=list)


@dataclass
class Versions:
    """The dataset's versions (newest first), the one waiting for review if any, and the upload limit."""

    history: list[DatasetVersion]
    waiting: DatasetVersion | None
    max_upload_mb: int


def dataset_view(dataset: Dataset, conversation: Conversation | None = None,
                 pins: list[PinnedFigure] = (), versions: Versions | None = None) -> html.Div:
    """The whole dataset page for its current status: once ready, the three-area workspace."""
    ready = dataset.status == "ready" and conversation is not None
    header = html.Div(
        [
            html.H1(dataset.name, className="h5 mb-0 me-3 text-break"),
            dbc.Badge(dataset.status, color=STATUS_COLORS.get(dataset.status, "secondary"),
                      id=ids.DATASET_STATUS, className="me-2"),
            dbc.Badge(f"version {dataset.version}", color="light", text_color="dark", className="me-2 version-badge")
            if ready else None,
            html.Span(_summary(dataset), className="text-body-secondary small me-3"),
            dbc.Button("Upload a new version", id=ids.NEW_VERSION_BUTTON, color="secondary", outline=True,
                       size="sm", n_clicks=0) if ready else None,
        ],
        className="d-flex flex-wrap align-items-center mb-2",
    )
    if ready:
        body = html.Div([
            html.Div(version_review(versions.waiting), id=ids.VERSION_REVIEW),
            dcc.Interval(id=ids.VERSION_POLL, interval=1000,
                         disabled=versions.waiting is None or versions.waiting.status != "processing"),
            workspace(dataset, conversation, list(pins), versions),
        ])
    elif dataset.status == "error":
        body = dbc.Alert(dataset.error_message or "This file could not be processed.", color="danger")
    else:
        progress = (dataset.meta or {}).get("progress", {})
        body = html.Div([
            dbc.Progress(value=progress.get("percent", 0), label=STAGE_LABELS.get(progress.get("stage"), "Working"),
                         striped=True, animated=True),
            dcc.Interval(id=ids.DATASET_STATUS_POLL, interval=1000),
        ])
    return html.Div([header, body])


def workspace(dataset: Dataset, conversation: Conversation, pins: list[PinnedFigure], versions: Versions) -> dbc.Row:
    """Data, conversation and gallery side by side on a laptop or wider; stacked below that."""
    return dbc.Row([
        dbc.Col(html.Div(_data_area(dataset, versions), id=ids.DATA_PANE, className="workspace-pane"), xl=5),
        dbc.Col(html.Div(ask_panel(conversation), id=ids.CONVERSATION_PANE, className="workspace-pane"), xl=5, lg=8),
        dbc.Col(html.Div(gallery_panel(pins), id=ids.GALLERY_PANE, className="workspace-pane gallery-pane"),
                xl=2, lg=4),
    ], className="g-3 workspace")


def preview_grid(table: dict[str, Any]) -> dag.AgGrid:
    """An AG Grid that asks the server for rows a block at a time (infinite row model)."""
    columns = [{"field": column["name"], "headerName": column["name"], "colId": column["name"],
                "filter": GRID_FILTERS.get(column["kind"], "agTextColumnFilter"),
                "type": "rightAligned" if column["kind"] == "number" else None,
                "width": COLUMN_WIDTHS.get(column["kind"], 140)}
               for column in table["columns"]]
    return dag.AgGrid(
        id=ids.GRID,
        rowModelType="infinite",
        columnDefs=[{k: v for k, v in column.items() if v is not None} for column in columns],
        defaultColDef={"sortable": True, "resizable": True, "minWidth": 80,
                       "filterParams": {"maxNumConditions": 2, "buttons": ["reset", "apply"]}},
        dashGridOptions={"rowBuffer": 0, "cacheBlockSize": 200, "maxBlocksInCache": 20,
                         "infiniteInitialRowCount": 1, "maxConcurrentDatasourceRequests": 2,
                         "suppressFieldDotNotation": True, "tooltipShowDelay": 300},
        className="ag-theme-quartz preview-grid",
        style={"height": "min(62vh, 620px)"},
    )


def _sheet_label(table: dict[str, Any]) -> str:
    hidden = "" if table.get("visibility", "visible") == "visible" else f", {table['visibility']} sheet"
    rows = "row" if table["row_count"] == 1 else "rows"
    return f"{table['name']} ({human_count(table['row_count'])} {rows}{hidden})"


def _data_area(dataset: Dataset, versions: Versions) -> html.Div:
    meta = dataset.meta or {}
    tables = meta.get("tables", [])
    default = next(table for table in tables if table["name"] == meta.get("default_table"))
    selector = dbc.Select(id=ids.TABLE_SELECT, value=default["name"], size="sm", options=table_options(meta))
    readable = [v for v in versions.history if v.status in ("ready", "review")]
    version_choice = dbc.Select(id=ids.PREVIEW_VERSION, value=str(dataset.version), size="sm",
                                options=[{"label": _version_label(dataset, v), "value": str(v.number)}
                                         for v in readable])
    profile = [
        dbc.Select(id=ids.PROFILE_COLUMN, options=column_options(default), value=default["columns"][0]["name"],
                   size="sm", className="my-2"),
        html.Div(column_profile(default["columns"][0], default["row_count"]), id=ids.PROFILE_CARD),
    ]
    return html.Div([
        parse_warnings(meta.get("parse_warnings", [])),
        dbc.InputGroup([dbc.InputGroupText("Version"), version_choice], size="sm",
                       className="mb-2" if len(readable) > 1 else "d-none"),
        dbc.InputGroup([dbc.InputGroupText("Sheet"), selector], size="sm",
                       className="mb-2" if len(tables) > 1 else "d-none"),
        dbc.Tabs([
            dbc.Tab(html.Div(preview_grid(default), id=ids.GRID_AREA, className="pt-2"), label="Preview",
                    tab_id="preview"),
            dbc.Tab(profile, label="Column profile", tab_id="profile"),
            dbc.Tab(versions_tab(dataset, versions.history, versions.max_upload_mb), label="Versions",
                    tab_id="versions"),
        ], id=ids.DATA_TABS, active_tab="preview"),
    ])


def table_options(meta: dict[str, Any]) -> list[dict[str, str]]:
    """The sheet selector's choices; hidden sheets are read too, and offered last, saying so."""
    offered = sorted(meta.get("tables", []), key=lambda t: t.get("visibility", "visible") != "visible")
    return [{"label": _sheet_label(t), "value": t["name"]} for t in offered]


def _version_label(dataset: Dataset, version: DatasetVersion) -> str:
    state = " (current)" if version.number == dataset.version else \
        " (waiting for review)" if version.status == "review" else ""
    return f"{version.number}: {version.file_name}{state}"


def suggestion_buttons(questions: list[str]) -> html.Div:
    """Clickable first questions for an empty conversation."""
    buttons = [dbc.Button(question, id={"type": ids.SUGGESTION, "index": number}, color="primary", outline=True,
                          size="sm", className="me-2 mb-2", n_clicks=0)
               for number, question in enumerate(questions)]
    return html.Div([html.Div("Try one of these:", className="small text-body-secondary mb-1"), *buttons],
                    id=ids.SUGGESTIONS, className="mb-3") if questions else html.Div(id=ids.SUGGESTIONS)


def session_options(sessions: list[AnalysisSession]) -> list[dict[str, str]]:
    """Conversations by title (the first question by default) and last activity."""
    return [{"label": f"{s.title or 'New conversation'} · {human_time(s.updated_at)}", "value": str(s.id)}
            for s in sessions]


def session_bar(sessions: list[AnalysisSession], current: AnalysisSession) -> html.Div:
    return html.Div(
        [
            dbc.InputGroup([
                dbc.InputGroupText("Conversation"),
                dbc.Select(id=ids.SESSION_SELECT, options=session_options(sessions), value=str(current.id)),
                dbc.Button("New", id=ids.NEW_SESSION, color="secondary", outline=True, n_clicks=0),
                dbc.Button("Delete", id=ids.DELETE_SESSION, color="danger", outline=True, n_clicks=0),
            ], size="sm", className="mb-1"),
            dbc.InputGroup([
                dbc.Input(id=ids.RENAME_INPUT, placeholder="Rename this conversation", maxLength=200),
                dbc.Button("Rename", id=ids.RENAME_BUTTON, color="secondary", outline=True, n_clicks=0),
            ], size="sm", className="mb-2"),
            dcc.ConfirmDialog(id=ids.DELETE_SESSION_CONFIRM,
                              message="Delete this conversation and its answers? This cannot be undone."),
        ],
        className="session-bar",
    )


def ask_panel(conversation: Conversation) -> html.Div:
    """Ask in plain English; answers appear newest first."""
    history = conversation.history
    return html.Div(
        [
            session_bar(conversation.sessions, conversation.current),
            html.Div(id=ids.FOLLOW_UP_CHIP),
            dcc.Store(id=ids.FOLLOW_UP_OF),
            dbc.InputGroup([
                dbc.Textarea(id=ids.QUESTION_INPUT, placeholder="Ask a question about this data (Enter sends, "
                             "Shift+Enter for a new line)",
                             rows=2, className="question-input", maxLength=2000),
                dbc.Button("Ask", id=ids.ASK_BUTTON, color="primary", n_clicks=0),
            ], className="mb-1"),
            html.Div(dbc.Button("Cancel", id=ids.CANCEL_BUTTON, color="secondary", outline=True, size="sm",
                                n_clicks=0, className="ms-2 d-none"), className="mb-2 text-end"),
            suggestion_buttons(conversation.suggestions if not history else []),
            dcc.Store(id=ids.PENDING_QUERY),
            dcc.Store(id=ids.ANSWERS_CHANGED),
            dcc.Store(id=ids.ANSWERS_SHOWN, data=shown_answers(conversation.current, history)),
            dcc.Download(id=ids.TABLE_DOWNLOAD),
            dcc.Interval(id=ids.ANSWERS_POLL, interval=1500,
                         disabled=not any(entry.status == "running" for entry in history)),
            html.Div(answer_cards(history, conversation.pinned, conversation.columns), id=ids.ANSWERS),
        ],
        className="ask-panel",
    )


def answer_cards(history: list[QueryLog], pinned: set[int], columns: list[str],
                 asking: int | None = None) -> list[html.Div]:
    """`asking`: the question this page's job is answering; its card shows the job's place in line."""
    return [answer_card(entry, pinned=entry.id in pinned, columns=columns, waiting=entry.id == asking)
            for entry in history]


def shown_answers(session: AnalysisSession, history: list[QueryLog]) -> dict[str, Any]:
    """What the page shows (ids.ANSWERS_SHOWN): the conversation and each answer's status, newest
    first, from which the next change is sent as a patch (callbacks.workspace.answers_update)."""
    return {"session": str(session.id), "cards": [[entry.id, entry.status] for entry in history]}


def follow_up_chip(entry: QueryLog | None) -> Any:
    """Shown above the question box while the next question follows up on an earlier answer."""
    if entry is None:
        return None
    return dbc.Alert([html.Span("Following up on:", className="fw-semibold me-1"),
                      html.Span(entry.prompt, className="text-break"),
                      dbc.Button("×", id=ids.CLEAR_FOLLOW_UP, color="link", size="sm", className="ms-2 p-0",
                                 title="Ask a new question instead", n_clicks=0)],
                     color="light", className="py-1 px-2 mb-1 small follow-up-chip")


def column_options(table: dict[str, Any]) -> list[dict[str, str]]:
    return [{"label": column["name"], "value": column["name"]} for column in table["columns"]]


def parse_warnings(warnings: list[str]) -> Any:
    if not warnings:
        return html.Div(id=ids.PARSE_WARNINGS)
    return dbc.Alert(
        html.Details([
            html.Summary(f"While reading the file we made {len(warnings)} change(s). Show them",
                         className="fw-semibold"),
            html.Ul([html.Li(warning) for warning in warnings], className="mb-0 mt-2 small"),
        ]),
        id=ids.PARSE_WARNINGS, color="info", className="py-2",
    )


def _summary(dataset: Dataset) -> str:
    meta = dataset.meta or {}
    parts = []
    if meta.get("row_count") is not None:
        parts.append(f"{human_count(meta['row_count'])} rows × {meta.get('column_count', 0)} columns")
    parts.append(human_size(dataset.size_bytes))
    parts.append(f"uploaded {human_time(dataset.uploaded_at)}")
    return " · ".join(parts)
