"""A dataset's versions: the history, the upload of a new one, and the drift report that waits
for its owner's confirmation."""
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from insight_dash.components import ids
from insight_dash.components.dataset_list import STAGE_LABELS
from insight_dash.components.upload_panel import upload_panel
from insight_dash.models import Dataset, DatasetVersion
from insight_dash.services.formatting import format_number, human_count, human_size, human_time


def versions_tab(dataset: Dataset, versions: list[DatasetVersion], max_upload_mb: int) -> html.Div:
    """The upload of a new version and the history of every version."""
    return html.Div([
        html.H2("Upload a new version", className="h6 mt-2"),
        html.P("The new file keeps this dataset's conversations, pins and views. You see what changed "
               "before it replaces anything.", className="small text-body-secondary mb-2"),
        upload_panel(max_upload_mb, ids.VERSION_UPLOAD, f"/datasets/{dataset.id}/versions",
                     "Drop the new file here, or click to choose it"),
        html.H2("History", className="h6"),
        html.Div(version_table(dataset, versions), id=ids.VERSION_LIST),
    ])


def version_table(dataset: Dataset, versions: list[DatasetVersion]) -> dbc.Table:
    head = ["Version", "File", "Uploaded", "By", "Rows × columns", ""]
    rows = [html.Tr([
        html.Td([f"{v.number}", _state(dataset, v)]),
        html.Td(v.file_name, className="text-break"),
        html.Td(human_time(v.uploaded_at), title=v.uploaded_at.isoformat()),
        html.Td(v.uploaded_by.username if v.uploaded_by else "—"),
        html.Td(_shape(v.meta)),
        html.Td(_version_actions(dataset, v), className="text-end"),
    ], className="version-row", **{"data-version": str(v.number)}) for v in versions if v.status in ("ready", "review")]
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)], size="sm", hover=True,
                     className="version-table small")


def _state(dataset: Dataset, version: DatasetVersion) -> Any:
    if version.number == dataset.version:
        return dbc.Badge("current", color="success", className="ms-1")
    if version.status == "review":
        return dbc.Badge("waiting for review", color="warning", className="ms-1")
    return None


def _version_actions(dataset: Dataset, version: DatasetVersion) -> list:
    download = html.A("Download", href=f"/datasets/{dataset.id}/versions/{version.number}/original",
                      className="me-2")
    if version.number == dataset.version or version.status != "ready":
        return [download]
    return [download, dbc.Button("Delete", id={"type": ids.DELETE_VERSION, "index": version.number}, color="link",
                                 size="sm", className="p-0 text-danger", n_clicks=0)]


def version_review(version: DatasetVersion | None) -> Any:
    """Above the workspace while a new version is parsed, waits for review, or failed."""
    if version is None:
        return None
    if version.status == "processing":
        progress = (version.meta or {}).get("progress", {})
        return dbc.Alert([
            html.Div(f"Reading version {version.number} ({version.file_name})…", className="mb-1"),
            dbc.Progress(value=progress.get("percent", 0), label=STAGE_LABELS.get(progress.get("stage"), "Working"),
                         striped=True, animated=True),
        ], color="light", className="version-review")
    if version.status == "error":
        return dbc.Alert([
            html.Span(f"Version {version.number} ({version.file_name}) could not be read: {version.error_message} "),
            dbc.Button("Dismiss", id=ids.CANCEL_VERSION, color="link", size="sm", className="p-0", n_clicks=0),
        ], color="danger", className="version-review")
    return dbc.Card(dbc.CardBody([
        html.H2(f"Version {version.number} is ready for review", className="h6"),
        html.P(f"{version.file_name}, {human_size(version.size_bytes)}, uploaded {human_time(version.uploaded_at)}. "
               "Nothing changes until you confirm it.", className="small text-body-secondary mb-2"),
        drift_summary(version.drift or {}),
        html.Div([
            dbc.Button(f"Confirm version {version.number}", id=ids.CONFIRM_VERSION, color="primary", size="sm",
                       n_clicks=0, className="me-2"),
            dbc.Button("Cancel", id=ids.CANCEL_VERSION, color="secondary", outline=True, size="sm", n_clicks=0),
        ], className="mt-2"),
    ]), className="version-review mb-3 border-warning")


def drift_summary(drift: dict[str, Any]) -> html.Div:
    """The drift report, one line per kind of change, then each pin's check."""
    rows = drift.get("rows", {})
    lines = [_line("Rows", _rows_change(rows.get("before", 0), rows.get("after", 0)))]
    several = len(drift.get("tables", [])) > 1
    for table in drift.get("tables", []):
        where = f" ({table['name']})" if several else ""
        lines += [
            _line(f"Renamed{where}", ", ".join(f"{r['from']} → {r['to']}" for r in table["renamed"]),
                  "likely renames: the same type and alike values"),
            _line(f"Added{where}", ", ".join(table["added"])),
            _line(f"Removed{where}", ", ".join(table["removed"])),
            _line(f"Type changed{where}", ", ".join(f"{t['name']} ({t['from']} → {t['to']})" for t in table["retyped"])),
        ]
    lines += [_line("Sheets added", ", ".join(drift.get("tables_added", []))),
              _line("Sheets removed", ", ".join(drift.get("tables_removed", [])))]
    if not drift.get("tables") and not drift.get("tables_added") and not drift.get("tables_removed"):
        lines.append(_line("Columns", "the same names and types"))
    pins = drift.get("pins", [])
    checks = [html.Li([html.Span("✓ " if pin["ok"] else "⚠ ", className="text-success" if pin["ok"] else "text-warning"),
                       html.Span(pin["title"], className="fw-semibold"),
                       html.Span(" still uses only columns that exist" if pin["ok"] else
                                 f" uses {', '.join(pin['missing'])}, missing in this version",
                                 className="text-body-secondary")], className="drift-pin")
              for pin in pins]
    return html.Div([
        html.Dl([item for line in lines if line for item in line], className="row small mb-1 drift-report"),
        html.Div([html.Div("Pinned answers", className="small fw-semibold"),
                  html.Ul(checks, className="small mb-0 list-unstyled")]) if pins else None,
    ])


def _line(label: str, value: str, title: str = "") -> list | None:
    if not value:
        return None
    return [html.Dt(label, className="col-sm-3 mb-0"), html.Dd(value, className="col-sm-9 mb-0", title=title or None)]


def _rows_change(before: int, after: int) -> str:
    if not before:
        return f"{human_count(after)}"
    percent = (after - before) / before * 100
    return f"{human_count(before)} → {human_count(after)} ({percent:+.1f}%)"


def _shape(meta: dict[str, Any]) -> str:
    if meta.get("row_count") is None:
        return "—"
    return f"{format_number(meta['row_count'])} × {meta.get('column_count', 0)}"
