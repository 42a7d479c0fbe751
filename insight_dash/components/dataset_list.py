from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from insight_dash.components import ids
from insight_dash.components.formatting import STATUS_COLORS, human_count, human_size, human_time
from insight_dash.models import Dataset


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
    header = html.Thead(html.Tr([html.Th(t) for t in ("Name", "Status", "Rows", "Size", "Uploaded")]))
    rows = [_dataset_row(dataset) for dataset in datasets]
    return dbc.Table([header, html.Tbody(rows)], id=ids.DATASET_LIST, hover=True,
                     className="dataset-table bg-body")


def _dataset_row(dataset: Dataset) -> html.Tr:
    status = dbc.Badge(dataset.status, color=STATUS_COLORS.get(dataset.status, "secondary"))
    if dataset.status == "error" and dataset.error_message:
        status = html.Span([status, html.Small(f" {dataset.error_message}", className="text-danger")])
    return html.Tr(
        [
            html.Td(dataset.name, className="fw-semibold"),
            html.Td(status),
            html.Td(human_count((dataset.meta or {}).get("row_count"))),
            html.Td(human_size(dataset.size_bytes)),
            html.Td(human_time(dataset.uploaded_at), title=dataset.uploaded_at.isoformat()),
        ]
    )
