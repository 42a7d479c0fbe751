"""Multipart file parts are streamed straight into the data folder, not held in memory.

Werkzeug would spool each part to a system temp file and the view would then copy it again;
writing it where processing will read it saves a full copy of a 100 MB file. Every file a
request streams is removed when the request ends, whatever route it hit and however it
ended (CSRF failure, size limit hit mid-body, anonymous caller), unless processing moved it.
"""
import tempfile
from pathlib import Path

from flask import Flask, Request, current_app, request


class UploadRequest(Request):
    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        stream = tempfile.NamedTemporaryFile("wb+", dir=upload_folder(), prefix="upload-", delete=False)
        self.__dict__.setdefault("streamed_files", []).append(Path(stream.name))
        return stream


def upload_folder() -> Path:
    folder = current_app.extensions["insight_settings"].data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def install_streamed_file_cleanup(server: Flask) -> None:
    @server.teardown_request
    def remove_streamed_files(_error: BaseException | None) -> None:
        for path in request.__dict__.get("streamed_files", []):
            path.unlink(missing_ok=True)
