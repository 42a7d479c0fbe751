"""A dataset's new versions on its page: upload, follow the parsing, confirm or cancel after the
drift report, delete an older one. The services check that the dataset is the user's."""
from dash import ALL, Input, Output, State, callback, html
from dash.exceptions import PreventUpdate

from insight_dash.auth.identity import acting_user
from insight_dash.callbacks.conversation import pattern_click
from insight_dash.callbacks.workspace import full_view, version_state
from insight_dash.components import ids
from insight_dash.components.versions import version_review, version_table
from insight_dash.services.datasets import get_dataset
from insight_dash.services.versions import (cancel_version, confirm_version, delete_version, list_versions,
                                            waiting_version)


def _version_parts(dataset_id: str) -> tuple[object, object, bool]:
    """The review card, the history table, and whether to keep polling (while a version is read)."""
    user = acting_user()
    dataset = get_dataset(user, dataset_id)
    state = version_state(user, dataset)
    parsing = state.waiting is not None and state.waiting.status == "processing"
    return version_review(state.waiting), version_table(dataset, state.history), not parsing


@callback(Output(ids.DATA_TABS, "active_tab"), Input(ids.NEW_VERSION_BUTTON, "n_clicks"), prevent_initial_call=True)
def show_versions(_clicks):
    return "versions"


@callback(Output(ids.VERSION_REVIEW, "children"), Output(ids.VERSION_LIST, "children"),
          Output(ids.VERSION_POLL, "disabled"), Input(ids.VERSION_UPLOAD_RESULT, "data"), Input(ids.VERSION_POLL, "n_intervals"),
          State(ids.DATASET_ID, "data"), prevent_initial_call=True)
def follow_version(_uploaded, _tick, dataset_id):
    return _version_parts(dataset_id)


@callback(Output(ids.VERSION_REVIEW, "children", allow_duplicate=True),
          Output(ids.VERSION_LIST, "children", allow_duplicate=True),
          Output(ids.VERSION_POLL, "disabled", allow_duplicate=True), Input(ids.CANCEL_VERSION, "n_clicks"), State(ids.DATASET_ID, "data"), prevent_initial_call=True)
def cancel(clicks, dataset_id):
    if not clicks:  # the button was drawn, not clicked (Dash fires on insertion)
        raise PreventUpdate
    user = acting_user()
    waiting = waiting_version(list_versions(user, dataset_id))
    if waiting is not None:
        cancel_version(user, dataset_id, waiting.number)
    return _version_parts(dataset_id)


@callback(Output(ids.VERSION_LIST, "children", allow_duplicate=True),
          Input({"type": ids.DELETE_VERSION, "index": ALL}, "n_clicks"), State(ids.DATASET_ID, "data"),
          prevent_initial_call=True)
def delete(_clicks, dataset_id):
    clicked = pattern_click()
    if clicked is None:
        raise PreventUpdate
    delete_version(acting_user(), dataset_id, clicked["index"])
    return _version_parts(dataset_id)[1]


@callback(Output("dataset-view", "children", allow_duplicate=True), Input(ids.CONFIRM_VERSION, "n_clicks"),
          State(ids.DATASET_ID, "data"), prevent_initial_call=True)
def confirm(clicks, dataset_id) -> html.Div:
    """The new version becomes current: the whole workspace is drawn again from it."""
    if not clicks:
        raise PreventUpdate
    user = acting_user()
    waiting = waiting_version(list_versions(user, dataset_id))
    dataset = confirm_version(user, dataset_id, waiting.number) if waiting is not None else get_dataset(user, dataset_id)
    return full_view(user, dataset)
