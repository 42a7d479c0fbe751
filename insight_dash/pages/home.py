"""Home: upload a file and see the signed-in user's datasets."""
import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from insight_dash.auth.identity import acting_user
from insight_dash.components import ids
from insight_dash.components.dataset_list import dataset_list, is_in_progress
from insight_dash.components.upload_panel import upload_panel
from insight_dash.services.datasets import get_dataset, list_datasets
from insight_dash.services.errors import NotFound
from insight_dash.services.ingest import delete_dataset
from insight_dash.services.runtime import current_settings

dash.register_page(__name__, path="/", title="Datasets · Insight", name="Datasets")
POLL_MS = 1000


def layout(**_query) -> dbc.Container:
    datasets = list_datasets(acting_user())
    return dbc.Container(
        [
            html.H1("Datasets", className="h3 mb-3"),
            upload_panel(current_settings().max_upload_mb),
            html.Div(dataset_list(datasets), id=ids.DATASET_LIST_AREA),
            dcc.Interval(id=ids.DATASET_POLL, interval=POLL_MS,
                         disabled=not any(map(is_in_progress, datasets))),
            dcc.ConfirmDialog(id=ids.DELETE_CONFIRM),
            dcc.Store(id=ids.DELETE_TARGET),
        ],
        className="page-body",
        fluid="lg",
    )


def refreshed_list():
    datasets = list_datasets(acting_user())
    return dataset_list(datasets), not any(map(is_in_progress, datasets))


@callback(
    Output(ids.DATASET_LIST_AREA, "children"),
    Output(ids.DATASET_POLL, "disabled"),
    Input(ids.UPLOAD_RESULT, "data"),
    Input(ids.DATASET_POLL, "n_intervals"),
    prevent_initial_call=True,
)
def refresh_list(_upload, _tick):
    return refreshed_list()


@callback(
    Output(ids.DELETE_CONFIRM, "displayed"),
    Output(ids.DELETE_CONFIRM, "message"),
    Output(ids.DELETE_TARGET, "data"),
    Input({"type": ids.DELETE_DATASET, "index": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def ask_to_delete(clicks):
    # Re-rendering the list also "triggers" this with n_clicks=0: only real clicks count.
    if not isinstance(ctx.triggered_id, dict) or not any(clicks):
        raise PreventUpdate
    dataset = get_dataset(acting_user(), ctx.triggered_id["index"])
    message = (f'Delete "{dataset.name}"? Its stored file, parsed tables and every analysis '
               "session on it will be removed. This cannot be undone.")
    return True, message, str(dataset.id)


@callback(
    Output(ids.DATASET_LIST_AREA, "children", allow_duplicate=True),
    Output(ids.DATASET_POLL, "disabled", allow_duplicate=True),
    Input(ids.DELETE_CONFIRM, "submit_n_clicks"),
    State(ids.DELETE_TARGET, "data"),
    prevent_initial_call=True,
)
def confirm_delete(_submitted, dataset_id):
    try:
        delete_dataset(acting_user(), dataset_id)
    except NotFound:
        pass  # already gone (another tab): the refreshed list shows the truth
    return refreshed_list()
