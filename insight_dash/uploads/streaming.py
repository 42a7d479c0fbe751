"""Multipart file parts are streamed straight into the data folder, not held in memory.

Werkzeug would spool each part to a system temp file and the view would then copy it again;
writing it where processing will read it saves a full copy of a 100 MB file.
"""
import tempfile
from pathlib import Path

from flask import Request, current_app


class UploadRequest(Request):
    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        folder = upload_folder()
        return tempfile.NamedTemporaryFile("wb+", dir=folder, prefix="upload-", delete=False)


def upload_folder() -> Path:
    folder = current_app.extensions["insight_settings"].data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def remove_request_files(request: Request) -> None:
    """Delete the request's streamed files unless processing has moved them away."""
    for storage in request.files.values():
        Path(storage.stream.name).unlink(missing_ok=True)
        storage.stream.close()
