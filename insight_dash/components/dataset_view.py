from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from insight_dash.components import ids
from insight_dash.components.column_profile import column_profile
from insight_dash.components.dataset_list import STAGE_LABELS
from insight_dash.components.formatting import STATUS_COLORS, human_count, human_size, human_time
from insight_dash.components.answer import answer_card
from insight_dash.models import AnalysisSession, Dataset, QueryLog

GRID_FILTERS = {"number": "agNumberColumnFilter", "datetime": "agDateColumnFilter"}


def dataset_view(dataset: Dataset, history: list[QueryLog] = (), suggestions: list[str] = (),
                 sessions: list[AnalysisSession] = (), current: AnalysisSession | None = None) -> html.Div:
    """The whole dataset page for its current status; `history` is the conversation, newest first."""
    meta = dataset.meta or {}
    header = html.Div(
        [
            html.H1(dataset.name, className="h4 mb-1 text-break"),
            html.Div(
                [dbc.Badge(dataset.status, color=STATUS_COLORS.get(dataset.status, "secondary"),
                           id=ids.DATASET_STATUS, className="me-2"),
                 html.Span(_summary(dataset), className="text-body-secondary small")],
            ),
        ],
        className="mb-3",
    )
    if dataset.status == "ready":
        body = html.Div([_ready_body(meta), ask_panel(history, suggestions, sessions, current)])
    elif dataset.status == "error":
        body = dbc.Alert(dataset.error_message or "This file could not be processed.", color="danger")
    else:
        progress = meta.get("progress", {})
        body = html.Div([
            dbc.Progress(value=progress.get("percent", 0), label=STAGE_LABELS.get(progress.get("stage"), "Working"),
                         striped=True, animated=True),
            dcc.Interval(id=ids.DATASET_STATUS_POLL, interval=1000),
        ])
    return html.Div([header, body])


def preview_grid(table: dict[str, Any]) -> dag.AgGrid:
    """An AG Grid that asks the server for rows a block at a time (infinite row model)."""
    columns = [{"field": column["name"], "headerName": column["name"], "colId": column["name"],
                "filter": GRID_FILTERS.get(column["kind"], "agTextColumnFilter"),
                "type": "rightAligned" if column["kind"] == "number" else None}
               for column in table["columns"]]
    return dag.AgGrid(
        id=ids.GRID,
        rowModelType="infinite",
        columnDefs=[{k: v for k, v in column.items() if v is not None} for column in columns],
        defaultColDef={"sortable": True, "resizable": True, "minWidth": 110,
                       "filterParams": {"maxNumConditions": 2, "buttons": ["reset", "apply"]}},
        dashGridOptions={"rowBuffer": 0, "cacheBlockSize": 200, "maxBlocksInCache": 20,
                         "infiniteInitialRowCount": 1, "maxConcurrentDatasourceRequests": 2,
                         "suppressFieldDotNotation": True, "tooltipShowDelay": 300},
        className="ag-theme-quartz preview-grid",
        style={"height": "min(62vh, 620px)"},
    )


def _ready_body(meta: dict[str, Any]) -> html.Div:
    tables = meta.get("tables", [])
    default = next(table for table in tables if table["name"] == meta.get("default_table"))
    selector = dbc.Select(id=ids.TABLE_SELECT, value=default["name"],
                          options=[{"label": f"{t['name']} ({human_count(t['row_count'])} rows)", "value": t["name"]}
                                   for t in tables],
                          className="mb-2", style={"maxWidth": "28rem"})
    grid_column = [
        html.Div([html.Label("Sheet", htmlFor=ids.TABLE_SELECT, className="small fw-semibold"), selector],
                 className="" if len(tables) > 1 else "d-none"),
        html.Div(preview_grid(default), id=ids.GRID_AREA),
    ]
    profile_column = [
        html.Label("Column profile", htmlFor=ids.PROFILE_COLUMN, className="small fw-semibold"),
        dbc.Select(id=ids.PROFILE_COLUMN, options=column_options(default), value=default["columns"][0]["name"],
                   className="mb-2"),
        html.Div(column_profile(default["columns"][0], default["row_count"]), id=ids.PROFILE_CARD),
    ]
    return html.Div([
        parse_warnings(meta.get("parse_warnings", [])),
        dbc.Row([dbc.Col(grid_column, lg=8, className="mb-3"), dbc.Col(profile_column, lg=4)]),
    ])


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


def ask_panel(history: list[QueryLog], suggestions: list[str] = (), sessions: list[AnalysisSession] = (),
              current: AnalysisSession | None = None) -> html.Div:
    """Ask in plain English; answers appear newest first."""
    return html.Div(
        [
            html.H2("Ask a question", className="h5 mt-2"),
            session_bar(list(sessions), current) if current is not None else None,
            dbc.InputGroup([
                dbc.Textarea(id=ids.QUESTION_INPUT, placeholder="e.g. average temperature by unit, or "
                             "plot the monthly trend of output (Enter sends, Shift+Enter for a new line)",
                             rows=2, className="question-input"),
                dbc.Button("Ask", id=ids.ASK_BUTTON, color="primary", n_clicks=0),
            ], className="mb-1"),
            html.Div(dbc.Button("Cancel", id=ids.CANCEL_BUTTON, color="secondary", outline=True, size="sm",
                                n_clicks=0, className="ms-2 d-none"), className="mb-3 text-end"),
            suggestion_buttons(list(suggestions) if not history else []),
            dcc.Store(id=ids.PENDING_QUERY),
            dcc.Download(id=ids.TABLE_DOWNLOAD),
            dcc.Interval(id=ids.ANSWERS_POLL, interval=1500,
                         disabled=not any(entry.status == "running" for entry in history)),
            html.Div([answer_card(entry) for entry in history], id=ids.ANSWERS),
        ],
        className="ask-panel",
    )


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
