from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from insight_dash.components import ids
from insight_dash.components.formatting import STATUS_COLORS
from insight_dash.services.formatting import human_count, human_size, human_time
from insight_dash.models import Dataset

STAGE_LABELS = {"uploading": "Uploading", "queued": "Queued", "parsing": "Reading the file",
                "profiling": "Profiling columns", "saving": "Saving"}


def dataset_list(datasets: list[Dataset]) -> Any:
    """The table of a user's datasets, or an empty state that says what to do next."""
    if not datasets:
        return html.Div(
            [
                html.H2("No datasets yet", className="h5"),
                html.P(
                    "Upload a CSV or Excel (.xlsx) file to preview it, profile its columns and "
                    "ask questions about it in plain English.",
                    className="text-body-secondary mb-0",
                ),
            ],
            id=ids.DATASET_EMPTY,
            className="empty-state",
        )
    header = html.Thead(html.Tr([html.Th(t) for t in ("Name", "Status", "Rows", "Size", "Uploaded", "")]))
    rows = [_dataset_row(dataset) for dataset in datasets]
    return dbc.Table([header, html.Tbody(rows)], id=ids.DATASET_LIST, hover=True,
                     className="dataset-table bg-body")


def is_in_progress(dataset: Dataset) -> bool:
    return dataset.status in ("pending", "processing")


def _dataset_row(dataset: Dataset) -> html.Tr:
    name: Any = dataset.name
    if dataset.status == "ready":
        name = dcc.Link(dataset.name, href=f"/datasets/{dataset.id}", className="fw-semibold")
    delete = dbc.Button("Delete", id={"type": ids.DELETE_DATASET, "index": str(dataset.id)}, color="link",
                        size="sm", className="text-danger p-0", n_clicks=0)
    return html.Tr(
        [
            html.Td(name, className="fw-semibold text-break"),
            html.Td(_status(dataset), className="status-cell"),
            html.Td(human_count((dataset.meta or {}).get("row_count"))),
            html.Td(human_size(dataset.size_bytes)),
            html.Td(human_time(dataset.uploaded_at), title=dataset.uploaded_at.isoformat()),
            html.Td(delete, className="text-end"),
        ],
        **{"data-status": dataset.status},
    )


def _status(dataset: Dataset) -> Any:
    badge = dbc.Badge(dataset.status, color=STATUS_COLORS.get(dataset.status, "secondary"))
    if is_in_progress(dataset):
        progress = (dataset.meta or {}).get("progress", {})
        label = STAGE_LABELS.get(progress.get("stage"), "Working")
        return html.Div([badge, dbc.Progress(value=progress.get("percent", 0), label=label, className="mt-1",
                                             style={"height": "1.1rem"})])
    if dataset.status == "error":
        return html.Div([badge, html.Div(dataset.error_message, className="small text-danger mt-1")])
    return badge
