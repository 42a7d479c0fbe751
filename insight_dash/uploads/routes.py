import logging
from pathlib import Path

from flask import Response, current_app, jsonify, request, stream_with_context
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from insight_dash.services.errors import InvalidInput, NotFound
from insight_dash.services.ingest import receive_upload
from insight_dash.services.inspection import UploadRefused
from insight_dash.services.storage import StorageError
from insight_dash.services.versions import open_original, receive_version
from insight_dash.uploads import bp

log = logging.getLogger(__name__)


@bp.route("/upload", methods=["POST"])
def upload():
    """Store one file and queue its processing; the answer names the new dataset."""
    return _receive(lambda name, path: receive_upload(current_user, name, path),
                    lambda dataset: {"dataset_id": str(dataset.id), "name": dataset.name, "status": dataset.status})


@bp.route("/datasets/<dataset_id>/versions", methods=["POST"])
def upload_version(dataset_id: str):
    """A new version of one of the user's datasets: stored, then parsed for review."""
    return _receive(lambda name, path: receive_version(current_user, dataset_id, name, path),
                    lambda version: {"dataset_id": dataset_id, "version": version.number,
                                     "name": version.file_name, "status": version.status})


@bp.route("/datasets/<dataset_id>/versions/<number>/original")
def version_original(dataset_id: str, number: str):
    """A version's file as it was uploaded."""
    try:
        name, stream = open_original(current_user, dataset_id, number)
    except NotFound as exc:
        return jsonify(error=exc.message), 404
    except StorageError as exc:
        return jsonify(error=exc.message), 503
    quoted = name.replace('"', "")
    return Response(stream_with_context(_chunks(stream)), mimetype="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{quoted}"'})


def _receive(store, describe):
    file = request.files.get("file")
    if file is None or not file.filename:
        return jsonify(error="Choose a CSV or Excel file to upload."), 400
    file.stream.flush()
    try:
        stored = store(file.filename, Path(file.stream.name))
    except UploadRefused as refusal:
        return jsonify(error=refusal.message), 422
    except NotFound as exc:
        return jsonify(error=exc.message), 404
    except InvalidInput as exc:
        return jsonify(error=exc.message), 409
    except StorageError as exc:
        return jsonify(error=exc.message), 503
    return jsonify(describe(stored)), 201


def _chunks(stream, size: int = 1024 * 1024):
    with stream:
        while chunk := stream.read(size):
            yield chunk


@bp.app_errorhandler(RequestEntityTooLarge)
def too_large(_error):
    limit = current_app.extensions["insight_settings"].max_upload_mb
    log.warning("upload refused", extra={"event": "upload_refused", "reason": "too large"})
    return jsonify(error=f"The file is larger than the {limit} MB limit."), 413
