import logging
from pathlib import Path

from flask import current_app, jsonify, request
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from insight_dash.services.ingest import receive_upload
from insight_dash.services.inspection import UploadRefused
from insight_dash.services.storage import StorageError
from insight_dash.uploads import bp

log = logging.getLogger(__name__)


@bp.route("/upload", methods=["POST"])
def upload():
    """Store one file and queue its processing; the answer names the new dataset."""
    file = request.files.get("file")
    if file is None or not file.filename:
        return jsonify(error="Choose a CSV or Excel file to upload."), 400
    file.stream.flush()
    try:
        dataset = receive_upload(current_user, file.filename, Path(file.stream.name))
    except UploadRefused as refusal:
        return jsonify(error=refusal.message), 422
    except StorageError as exc:
        return jsonify(error=exc.message), 503
    return jsonify(dataset_id=str(dataset.id), name=dataset.name, status=dataset.status), 201


@bp.app_errorhandler(RequestEntityTooLarge)
def too_large(_error):
    limit = current_app.extensions["insight_settings"].max_upload_mb
    log.warning("upload refused", extra={"event": "upload_refused", "reason": "too large"})
    return jsonify(error=f"The file is larger than the {limit} MB limit."), 413
