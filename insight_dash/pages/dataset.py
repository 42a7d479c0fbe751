"""The dataset workspace: the data (preview, profile, sheets, versions), the conversation and the gallery.

The conversation, gallery and version callbacks live in `insight_dash.callbacks`; this page holds the
layout and the callbacks about the data itself.
"""
import dash
from dash import Input, Output, State, callback, dcc, html, no_update

import insight_dash.callbacks.conversation  # noqa: F401  (registers the conversation callbacks)
import insight_dash.callbacks.gallery  # noqa: F401  (registers the gallery callbacks)
import insight_dash.callbacks.versions  # noqa: F401  (registers the version callbacks)
from insight_dash.auth.identity import acting_user
from insight_dash.callbacks.workspace import full_view
from insight_dash.components import ids
from insight_dash.components.column_profile import column_profile
from insight_dash.components.dataset_view import column_options, preview_grid, table_options
from insight_dash.components.not_found import not_found
from insight_dash.services.datasets import get_dataset
from insight_dash.services.errors import NotFound
from insight_dash.services.frames import table_entry
from insight_dash.services.grid import grid_page
from insight_dash.services.versions import version_meta

dash.register_page(__name__, path_template="/datasets/<dataset_id>", title="Dataset · Insight")


def layout(dataset_id: str | None = None, **_query):
    user = acting_user()
    try:
        dataset = get_dataset(user, dataset_id)
    except NotFound:
        return not_found()
    return html.Div(
        [dcc.Store(id=ids.DATASET_ID, data=str(dataset.id)), html.Div(full_view(user, dataset), id="dataset-view")],
        className="container-fluid page-body workspace-page px-lg-3",
    )


@callback(Output(ids.GRID, "getRowsResponse"), Input(ids.GRID, "getRowsRequest"),
          State(ids.DATASET_ID, "data"), State(ids.TABLE_SELECT, "value"), State(ids.PREVIEW_VERSION, "value"),
          prevent_initial_call=True)
def serve_rows(request, dataset_id, table, version):
    if not request:
        return no_update
    return grid_page(acting_user(), dataset_id, table, request, version)


def _table(dataset_id: str, version: str | None, table: str | None) -> dict:
    """One table's metadata, of the version the preview shows (the user's dataset only)."""
    dataset, meta = version_meta(acting_user(), dataset_id, version)
    return table_entry(dataset, table, meta)


def _table_parts(entry: dict) -> tuple:
    return preview_grid(entry), column_options(entry), entry["columns"][0]["name"]


@callback(Output(ids.GRID_AREA, "children"), Output(ids.PROFILE_COLUMN, "options"),
          Output(ids.PROFILE_COLUMN, "value"), Input(ids.TABLE_SELECT, "value"),
          State(ids.DATASET_ID, "data"), State(ids.PREVIEW_VERSION, "value"), prevent_initial_call=True)
def switch_table(table, dataset_id, version):
    return _table_parts(_table(dataset_id, version, table))


@callback(Output(ids.TABLE_SELECT, "options"), Output(ids.TABLE_SELECT, "value"),
          Output(ids.GRID_AREA, "children", allow_duplicate=True),
          Output(ids.PROFILE_COLUMN, "options", allow_duplicate=True),
          Output(ids.PROFILE_COLUMN, "value", allow_duplicate=True),
          Input(ids.PREVIEW_VERSION, "value"), State(ids.DATASET_ID, "data"), prevent_initial_call=True)
def switch_version(version, dataset_id):
    """An older version (or one waiting for review) in the preview and profiles; questions stay on the current one."""
    dataset, meta = version_meta(acting_user(), dataset_id, version)
    entry = table_entry(dataset, None, meta)
    return table_options(meta), entry["name"], *_table_parts(entry)


@callback(Output(ids.PROFILE_CARD, "children"), Input(ids.PROFILE_COLUMN, "value"),
          State(ids.TABLE_SELECT, "value"), State(ids.DATASET_ID, "data"), State(ids.PREVIEW_VERSION, "value"),
          prevent_initial_call=True)
def show_profile(column_name, table, dataset_id, version):
    entry = _table(dataset_id, version, table)
    column = next((c for c in entry["columns"] if c["name"] == column_name), None)
    return column_profile(column, entry["row_count"])


@callback(Output("dataset-view", "children"), Input(ids.DATASET_STATUS_POLL, "n_intervals"),
          State(ids.DATASET_ID, "data"), prevent_initial_call=True)
def follow_processing(_tick, dataset_id):
    user = acting_user()
    return full_view(user, get_dataset(user, dataset_id))
