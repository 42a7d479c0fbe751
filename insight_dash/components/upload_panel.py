import dash_bootstrap_components as dbc
from dash import dcc, html

FIRST_UPLOAD = "upload"  # the home page's zone; its parts are "upload-zone", "upload-file", ...


def upload_panel(max_upload_mb: int, prefix: str = FIRST_UPLOAD, url: str = "/upload",
                 prompt: str = "Drop a CSV or Excel file here, or click to choose one") -> html.Div:
    """A drop zone. assets/upload.js adds the file input and sends the file to `url` with
    progress; the server's answer lands in the "<prefix>-result" store."""
    return html.Div(
        [
            html.Div(
                [
                    html.Div(prompt, className="fw-semibold"),
                    html.Div(f".csv or .xlsx, up to {max_upload_mb} MB", className="small text-body-secondary"),
                ],
                id=f"{prefix}-zone",
                className="upload-zone",
                **{"data-max-bytes": str(max_upload_mb * 1024 * 1024), "data-upload": prefix, "data-url": url},
            ),
            dbc.Progress(id=f"{prefix}-progress", value=0, className="upload-progress mt-2 d-none",
                         striped=True, animated=True),
            html.Div(id=f"{prefix}-message", className="small mt-2", role="status"),
            dcc.Store(id=f"{prefix}-result"),
        ],
        className="mb-4",
    )
