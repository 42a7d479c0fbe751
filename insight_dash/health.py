"""`/healthz`: is this process able to serve (database and storage reachable)?"""
import logging

from flask import Blueprint, current_app, jsonify

from insight_dash.database import check_database
from insight_dash.extensions import db
from insight_dash.services.storage import Storage

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.route("/healthz")
def healthz():
    checks = {"database": _run(_database), "storage": _run(_storage)}
    healthy = all(result == "ok" for result in checks.values())
    return jsonify(status="ok" if healthy else "unavailable", **checks), 200 if healthy else 503


def _database() -> None:
    try:
        check_database()
    finally:
        db.session.remove()


def _storage() -> None:
    storage: Storage = current_app.extensions["insight_storage"]
    storage.check()


def _run(check) -> str:
    try:
        check()
    except Exception as exc:  # a health check reports any failure instead of raising it
        log.warning("health check %s failed: %s", check.__name__.strip("_"), exc)
        return "unreachable"
    return "ok"
