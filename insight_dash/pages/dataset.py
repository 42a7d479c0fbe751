"""A dataset: paged preview, column profiles, parse warnings and the sheet selector."""
import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from insight_dash.auth.identity import acting_user
from insight_dash.components import ids
from insight_dash.components.answer import answer_card
from insight_dash.components.column_profile import column_profile
from insight_dash.components.dataset_view import (column_options, dataset_view, preview_grid, session_options,
                                                  suggestion_buttons)
from insight_dash.components.not_found import not_found
from insight_dash.background import job_context
from insight_dash.services.analysis import (cancel_question, finish_question, recover_stale_questions, start_question,
                                            table_csv)
from insight_dash.services.conversations import (create_session, delete_session, get_session, latest_session,
                                                 list_sessions, rename_session, session_history)
from insight_dash.services.datasets import get_dataset
from insight_dash.services.errors import NotFound
from insight_dash.services.frames import table_entry
from insight_dash.services.grid import grid_page
from insight_dash.services.suggestions import suggest_questions

dash.register_page(__name__, path_template="/datasets/<dataset_id>", title="Dataset · Insight")


def layout(dataset_id: str | None = None, **_query):
    user = acting_user()
    try:
        dataset = get_dataset(user, dataset_id)
    except NotFound:
        return not_found()
    recover_stale_questions()
    return html.Div(
        [dcc.Store(id=ids.DATASET_ID, data=str(dataset.id)), html.Div(full_view(user, dataset), id="dataset-view")],
        className="container-fluid page-body px-lg-4",
    )


@callback(Output(ids.GRID, "getRowsResponse"), Input(ids.GRID, "getRowsRequest"),
          State(ids.DATASET_ID, "data"), State(ids.TABLE_SELECT, "value"), prevent_initial_call=True)
def serve_rows(request, dataset_id, table):
    if not request:
        return no_update
    return grid_page(acting_user(), dataset_id, table, request)


@callback(Output(ids.GRID_AREA, "children"), Output(ids.PROFILE_COLUMN, "options"),
          Output(ids.PROFILE_COLUMN, "value"), Input(ids.TABLE_SELECT, "value"),
          State(ids.DATASET_ID, "data"), prevent_initial_call=True)
def switch_table(table, dataset_id):
    entry = table_entry(get_dataset(acting_user(), dataset_id), table)
    return preview_grid(entry), column_options(entry), entry["columns"][0]["name"]


@callback(Output(ids.PROFILE_CARD, "children"), Input(ids.PROFILE_COLUMN, "value"),
          State(ids.TABLE_SELECT, "value"), State(ids.DATASET_ID, "data"), prevent_initial_call=True)
def show_profile(column_name, table, dataset_id):
    entry = table_entry(get_dataset(acting_user(), dataset_id), table)
    column = next((c for c in entry["columns"] if c["name"] == column_name), None)
    return column_profile(column, entry["row_count"])


@callback(Output("dataset-view", "children"), Input(ids.DATASET_STATUS_POLL, "n_intervals"),
          State(ids.DATASET_ID, "data"), prevent_initial_call=True)
def follow_processing(_tick, dataset_id):
    user = acting_user()
    return full_view(user, get_dataset(user, dataset_id))


def full_view(user, dataset):
    """The dataset view with, once it is ready, its latest conversation and suggestions."""
    if dataset.status != "ready":
        return dataset_view(dataset)
    current = latest_session(user, dataset.id)
    return dataset_view(dataset, session_history(user, current.id), suggest_questions(dataset),
                        list_sessions(user, dataset.id), current)


def conversation(user, dataset_id, session_id):
    """The chosen session, checked to belong to this user and this dataset."""
    session = get_session(user, session_id)
    if str(session.dataset_id) != str(dataset_id):
        raise NotFound("session")
    return session


def answer_cards(user, session_id) -> tuple[list, bool]:
    """The conversation, newest first, and whether the poll should stop (nothing running)."""
    history = session_history(user, session_id)
    return [answer_card(entry) for entry in history], not any(e.status == "running" for e in history)


@callback(Output(ids.ANSWERS, "children"), Output(ids.QUESTION_INPUT, "value"), Output(ids.PENDING_QUERY, "data"),
          Output(ids.SESSION_SELECT, "options", allow_duplicate=True),
          Output(ids.SUGGESTIONS, "children", allow_duplicate=True), Input(ids.ASK_BUTTON, "n_clicks"), State(ids.QUESTION_INPUT, "value"), State(ids.DATASET_ID, "data"),
          State(ids.SESSION_SELECT, "value"), running=[(Output(ids.ASK_BUTTON, "disabled"), True, False)],
          prevent_initial_call=True)
def submit_question(_clicks, question, dataset_id, session_id):
    """Record the question (as running) and show it at once; the answer comes from the job."""
    return *_submit(dataset_id, session_id, question), []


@callback(Output(ids.ANSWERS, "children", allow_duplicate=True), Output(ids.SUGGESTIONS, "children"),
          Output(ids.PENDING_QUERY, "data", allow_duplicate=True),
          Output(ids.SESSION_SELECT, "options", allow_duplicate=True),
          Input({"type": ids.SUGGESTION, "index": ALL}, "n_clicks"), State(ids.DATASET_ID, "data"),
          State(ids.SESSION_SELECT, "value"), prevent_initial_call=True)
def ask_suggestion(clicks, dataset_id, session_id):
    if not isinstance(ctx.triggered_id, dict) or not any(clicks):
        raise PreventUpdate
    # The question is taken from the server's own suggestions, not from the browser.
    questions = suggest_questions(get_dataset(acting_user(), dataset_id))
    number = ctx.triggered_id["index"]
    if not isinstance(number, int) or not 0 <= number < len(questions):
        raise PreventUpdate
    cards, _, pending, options = _submit(dataset_id, session_id, questions[number])
    return cards, [], pending, options


def _submit(dataset_id: str, session_id: str, question: str):
    user = acting_user()
    session = conversation(user, dataset_id, session_id)
    entry = start_question(user, session.id, question)
    options = session_options(list_sessions(user, dataset_id))  # the title is the first question
    return answer_cards(user, session.id)[0], "", {"query_id": entry.id}, options


@callback(Output(ids.ANSWERS, "children", allow_duplicate=True), Input(ids.PENDING_QUERY, "data"),
          background=True, prevent_initial_call=True,
          running=[(Output(ids.ASK_BUTTON, "disabled"), True, False),
                   (Output(ids.CANCEL_BUTTON, "className"), "ms-2", "ms-2 d-none")],
          cancel=[Input(ids.CANCEL_BUTTON, "n_clicks")])
def answer_pending(pending):
    """Runs as a background job (another process): the model and the sandbox take seconds."""
    with job_context():
        user = acting_user()
        entry = finish_question(user, pending["query_id"])
        return answer_cards(user, entry.session_id)[0]


@callback(Output(ids.ANSWERS, "children", allow_duplicate=True), Input(ids.CANCEL_BUTTON, "n_clicks"),
          State(ids.PENDING_QUERY, "data"), prevent_initial_call=True)
def mark_cancelled(_clicks, pending):
    if not pending:
        raise PreventUpdate
    user = acting_user()
    entry = cancel_question(user, pending["query_id"])
    return answer_cards(user, entry.session_id)[0]


@callback(Output(ids.ANSWERS, "children", allow_duplicate=True), Output(ids.ANSWERS_POLL, "disabled"),
          Input(ids.ANSWERS_POLL, "n_intervals"), State(ids.DATASET_ID, "data"), State(ids.SESSION_SELECT, "value"),
          prevent_initial_call=True)
def follow_running_questions(_tick, dataset_id, session_id):
    """After a reload mid-question the page shows it pending, then its answer from the database."""
    user = acting_user()
    return answer_cards(user, conversation(user, dataset_id, session_id).id)


@callback(Output(ids.ANSWERS, "children", allow_duplicate=True), Output(ids.SUGGESTIONS, "children", allow_duplicate=True),
          Output(ids.ANSWERS_POLL, "disabled", allow_duplicate=True),
          Input(ids.SESSION_SELECT, "value"), State(ids.DATASET_ID, "data"), prevent_initial_call=True)
def switch_session(session_id, dataset_id):
    user = acting_user()
    session = conversation(user, dataset_id, session_id)
    cards, idle = answer_cards(user, session.id)
    suggestions = [] if cards else suggestion_buttons(suggest_questions(session.dataset)).children
    return cards, suggestions, idle


@callback(Output(ids.SESSION_SELECT, "options"), Output(ids.SESSION_SELECT, "value"),
          Input(ids.NEW_SESSION, "n_clicks"), State(ids.DATASET_ID, "data"), prevent_initial_call=True)
def new_session(_clicks, dataset_id):
    user = acting_user()
    session = create_session(user, dataset_id)
    return session_options(list_sessions(user, dataset_id)), str(session.id)


@callback(Output(ids.SESSION_SELECT, "options", allow_duplicate=True), Output(ids.RENAME_INPUT, "value"),
          Input(ids.RENAME_BUTTON, "n_clicks"),
          State(ids.RENAME_INPUT, "value"), State(ids.DATASET_ID, "data"), State(ids.SESSION_SELECT, "value"),
          prevent_initial_call=True)
def rename(_clicks, title, dataset_id, session_id):
    user = acting_user()
    rename_session(user, conversation(user, dataset_id, session_id).id, title or "")
    return session_options(list_sessions(user, dataset_id)), ""


@callback(Output(ids.DELETE_SESSION_CONFIRM, "displayed"), Input(ids.DELETE_SESSION, "n_clicks"),
          prevent_initial_call=True)
def confirm_session_delete(_clicks):
    return True


@callback(Output(ids.SESSION_SELECT, "options", allow_duplicate=True),
          Output(ids.SESSION_SELECT, "value", allow_duplicate=True),
          Input(ids.DELETE_SESSION_CONFIRM, "submit_n_clicks"), State(ids.DATASET_ID, "data"),
          State(ids.SESSION_SELECT, "value"), prevent_initial_call=True)
def remove_session(_submitted, dataset_id, session_id):
    user = acting_user()
    delete_session(user, conversation(user, dataset_id, session_id).id)
    session = latest_session(user, dataset_id)
    return session_options(list_sessions(user, dataset_id)), str(session.id)


@callback(Output(ids.TABLE_DOWNLOAD, "data"), Input({"type": ids.DOWNLOAD_TABLE, "index": ALL}, "n_clicks"),
          prevent_initial_call=True)
def download_table(clicks):
    if not isinstance(ctx.triggered_id, dict) or not any(clicks):
        raise PreventUpdate
    name, text = table_csv(acting_user(), ctx.triggered_id["index"])
    return {"content": text, "filename": name, "type": "text/csv"}
