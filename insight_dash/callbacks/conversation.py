"""Asking, follow-ups, retries and the conversation list of the dataset workspace."""
import time

from dash import ALL, Input, Output, State, callback, clientside_callback, ctx
from dash.exceptions import PreventUpdate

from insight_dash.auth.identity import acting_user
from insight_dash.jobs.context import job_context
from insight_dash.callbacks.workspace import answers_update, conversation_of
from insight_dash.components import ids
from insight_dash.components.dataset_view import follow_up_chip, session_options, suggestion_buttons
from insight_dash.services.questions import (cancel_question, finish_question, get_query, retry_question,
                                            start_question, table_csv)
from insight_dash.services.conversations import (create_session, delete_session, latest_session, list_sessions,
                                                 rename_session, session_history)
from insight_dash.services.datasets import get_dataset
from insight_dash.services.suggestions import suggest_questions


def pattern_click() -> dict | None:
    """The id of the pattern-matched button that was really clicked (not merely re-rendered)."""
    if not isinstance(ctx.triggered_id, dict) or not ctx.triggered or not ctx.triggered[0]["value"]:
        return None
    return ctx.triggered_id


def changed() -> int:
    """A new value for ids.ANSWERS_CHANGED: the one writer of the answers brings them up to date."""
    return time.time_ns()


@callback(Output(ids.ANSWERS, "children"), Output(ids.ANSWERS_SHOWN, "data"), Input(ids.ANSWERS_CHANGED, "data"),
          State(ids.ANSWERS_SHOWN, "data"), State(ids.DATASET_ID, "data"), State(ids.SESSION_SELECT, "value"),
          State(ids.PENDING_QUERY, "data"), prevent_initial_call=True)
def show_answers(_changed, shown, dataset_id, session_id, pending):
    """The answers' only writer: every change of the conversation reaches the page as a patch
    against what it shows, for the conversation chosen now (an answer that lands after a switch
    does not draw the other conversation)."""
    user = acting_user()
    asking = pending.get("query_id") if isinstance(pending, dict) else None
    return answers_update(user, conversation_of(user, dataset_id, session_id), shown, asking)


@callback(Output(ids.ANSWERS_CHANGED, "data", allow_duplicate=True), Output(ids.QUESTION_INPUT, "value"),
          Output(ids.PENDING_QUERY, "data"),
          Output(ids.SESSION_SELECT, "options", allow_duplicate=True),
          Output(ids.SUGGESTIONS, "children", allow_duplicate=True),
          Output(ids.FOLLOW_UP_OF, "data", allow_duplicate=True),
          Output(ids.FOLLOW_UP_CHIP, "children", allow_duplicate=True),
          Input(ids.ASK_BUTTON, "n_clicks"), State(ids.QUESTION_INPUT, "value"), State(ids.DATASET_ID, "data"),
          State(ids.SESSION_SELECT, "value"), State(ids.FOLLOW_UP_OF, "data"),
          running=[(Output(ids.ASK_BUTTON, "disabled"), True, False)], prevent_initial_call=True)
def submit_question(_clicks, question, dataset_id, session_id, follow_up):
    """Record the question (as running) and show it at once; the answer comes from the job."""
    earlier = follow_up.get("query_id") if isinstance(follow_up, dict) else None
    return *_submit(dataset_id, session_id, question, earlier), [], None, None


@callback(Output(ids.ANSWERS_CHANGED, "data", allow_duplicate=True), Output(ids.SUGGESTIONS, "children"),
          Output(ids.PENDING_QUERY, "data", allow_duplicate=True),
          Output(ids.SESSION_SELECT, "options", allow_duplicate=True),
          Input({"type": ids.SUGGESTION, "index": ALL}, "n_clicks"), State(ids.DATASET_ID, "data"),
          State(ids.SESSION_SELECT, "value"), prevent_initial_call=True)
def ask_suggestion(_clicks, dataset_id, session_id):
    clicked = pattern_click()
    if clicked is None:
        raise PreventUpdate
    # The question is taken from the server's own suggestions, not from the browser.
    questions = suggest_questions(get_dataset(acting_user(), dataset_id))
    number = clicked["index"]
    if not isinstance(number, int) or not 0 <= number < len(questions):
        raise PreventUpdate
    update, _, pending, options = _submit(dataset_id, session_id, questions[number])
    return update, [], pending, options


@callback(Output(ids.ANSWERS_CHANGED, "data", allow_duplicate=True),
          Output(ids.PENDING_QUERY, "data", allow_duplicate=True),
          Input({"type": ids.RETRY, "index": ALL}, "n_clicks"), State(ids.DATASET_ID, "data"),
          prevent_initial_call=True)
def retry(_clicks, dataset_id):
    clicked = pattern_click()
    if clicked is None:
        raise PreventUpdate
    user = acting_user()
    get_dataset(user, dataset_id)
    entry = retry_question(user, clicked["index"])
    return changed(), {"query_id": entry.id}


def _submit(dataset_id: str, session_id: str, question: str, follow_up_of: int | None = None):
    user = acting_user()
    session = conversation_of(user, dataset_id, session_id)
    entry = start_question(user, session.id, question, follow_up_of)
    options = session_options(list_sessions(user, dataset_id))  # the title is the first question
    return changed(), "", {"query_id": entry.id}, options


@callback(Output(ids.ANSWERS_CHANGED, "data", allow_duplicate=True), Input(ids.PENDING_QUERY, "data"),
          background=True, prevent_initial_call=True,
          running=[(Output(ids.ASK_BUTTON, "disabled"), True, False),
                   (Output(ids.CANCEL_BUTTON, "className"), "ms-2", "ms-2 d-none"),
                   (Output(ids.ANSWERS, "className"), "answers-busy", "")],
          cancel=[Input(ids.CANCEL_BUTTON, "n_clicks")])
def answer_pending(pending):
    """Runs as a background job (this host's line of jobs): the model and the sandbox take seconds.
    The answer is in PostgreSQL when it returns; the cards are drawn by show_answers."""
    with job_context():
        finish_question(acting_user(), pending["query_id"])
        return changed()


@callback(Output(ids.ANSWERS_CHANGED, "data", allow_duplicate=True), Input(ids.CANCEL_BUTTON, "n_clicks"),
          State(ids.PENDING_QUERY, "data"), prevent_initial_call=True)
def mark_cancelled(_clicks, pending):
    if not pending:
        raise PreventUpdate
    cancel_question(acting_user(), pending["query_id"])
    return changed()


@callback(Output(ids.ANSWERS_CHANGED, "data", allow_duplicate=True), Output(ids.ANSWERS_POLL, "disabled"),
          Input(ids.ANSWERS_POLL, "n_intervals"), State(ids.DATASET_ID, "data"), State(ids.SESSION_SELECT, "value"),
          prevent_initial_call=True)
def follow_running_questions(_tick, dataset_id, session_id):
    """After a reload mid-question the page shows it pending, then its answer from the database."""
    user = acting_user()
    history = session_history(user, conversation_of(user, dataset_id, session_id).id)
    return changed(), not any(entry.status == "running" for entry in history)


@callback(Output(ids.FOLLOW_UP_OF, "data"), Output(ids.FOLLOW_UP_CHIP, "children"),
          Input({"type": ids.FOLLOW_UP, "index": ALL}, "n_clicks"), prevent_initial_call=True)
def start_follow_up(_clicks):
    clicked = pattern_click()
    if clicked is None:
        raise PreventUpdate
    entry = get_query(acting_user(), clicked["index"])
    return {"query_id": entry.id}, follow_up_chip(entry)


@callback(Output(ids.FOLLOW_UP_OF, "data", allow_duplicate=True),
          Output(ids.FOLLOW_UP_CHIP, "children", allow_duplicate=True),
          Input(ids.CLEAR_FOLLOW_UP, "n_clicks"), prevent_initial_call=True)
def clear_follow_up(clicks):
    if not clicks:  # the chip's × was just drawn, not clicked
        raise PreventUpdate
    return None, None


clientside_callback(
    """function (followUp) {
        if (followUp) { var box = document.getElementById("question-input"); if (box) box.focus(); }
        return window.dash_clientside.no_update;
    }""",
    Output(ids.QUESTION_INPUT, "className"), Input(ids.FOLLOW_UP_OF, "data"), prevent_initial_call=True,
)


clientside_callback(
    """function (clicks, questions) {
        // A declined answer's "Try instead" question goes into the box, to send or edit.
        var ctx = window.dash_clientside.callback_context;
        if (!ctx.triggered.length || !ctx.triggered[0].value) { return window.dash_clientside.no_update; }
        var clicked = JSON.parse(ctx.triggered[0].prop_id.split(".")[0]).index;
        var ids = ctx.inputs_list[0].map(function (item) { return item.id.index; });
        var box = document.getElementById("question-input");
        if (box) { box.focus(); }
        return questions[ids.indexOf(clicked)];
    }""",
    Output(ids.QUESTION_INPUT, "value", allow_duplicate=True), Input({"type": ids.REPHRASE, "index": ALL}, "n_clicks"),
    State({"type": ids.REPHRASE, "index": ALL}, "children"), prevent_initial_call=True,
)


@callback(Output(ids.ANSWERS_CHANGED, "data", allow_duplicate=True),
          Output(ids.SUGGESTIONS, "children", allow_duplicate=True),
          Output(ids.ANSWERS_POLL, "disabled", allow_duplicate=True),
          Output(ids.FOLLOW_UP_OF, "data", allow_duplicate=True),
          Output(ids.FOLLOW_UP_CHIP, "children", allow_duplicate=True),
          Input(ids.SESSION_SELECT, "value"), State(ids.DATASET_ID, "data"), prevent_initial_call=True)
def switch_session(session_id, dataset_id):
    user = acting_user()
    session = conversation_of(user, dataset_id, session_id)
    history = session_history(user, session.id)
    suggestions = [] if history else suggestion_buttons(suggest_questions(session.dataset)).children
    return changed(), suggestions, not any(entry.status == "running" for entry in history), None, None


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
    rename_session(user, conversation_of(user, dataset_id, session_id).id, title or "")
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
    delete_session(user, conversation_of(user, dataset_id, session_id).id)
    session = latest_session(user, dataset_id)
    return session_options(list_sessions(user, dataset_id)), str(session.id)


@callback(Output(ids.TABLE_DOWNLOAD, "data"), Input({"type": ids.DOWNLOAD_TABLE, "index": ALL}, "n_clicks"),
          prevent_initial_call=True)
def download_table(_clicks):
    clicked = pattern_click()
    if clicked is None:
        raise PreventUpdate
    name, text = table_csv(acting_user(), clicked["index"])
    return {"content": text, "filename": name, "type": "text/csv"}
