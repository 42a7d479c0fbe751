"""The upload endpoint: a streamed multipart POST, with progress shown by assets/upload.js."""
from flask import Blueprint

bp = Blueprint("uploads", __name__)

from insight_dash.uploads import routes  # noqa: E402,F401  (routes attach themselves to bp)
