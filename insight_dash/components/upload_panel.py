import dash_bootstrap_components as dbc
from dash import dcc, html

from insight_dash.components import ids


def upload_panel(max_upload_mb: int) -> html.Div:
    """The drop zone. assets/upload.js adds the file input and sends the file with progress."""
    return html.Div(
        [
            html.Div(
                [
                    html.Div("Drop a CSV or Excel file here, or click to choose one", className="fw-semibold"),
                    html.Div(f".csv or .xlsx, up to {max_upload_mb} MB", className="small text-body-secondary"),
                ],
                id=ids.UPLOAD_ZONE,
                className="upload-zone",
                **{"data-max-bytes": str(max_upload_mb * 1024 * 1024)},
            ),
            dbc.Progress(id=ids.UPLOAD_PROGRESS, value=0, className="upload-progress mt-2 d-none",
                         striped=True, animated=True),
            html.Div(id=ids.UPLOAD_MESSAGE, className="small mt-2", role="status"),
            dcc.Store(id=ids.UPLOAD_RESULT),
        ],
        className="mb-4",
    )
