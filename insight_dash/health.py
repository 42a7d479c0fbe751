"""Health for the load balancer and the orchestrator.

`/healthz` is liveness: the process answers HTTP (no dependency is touched, so a database
outage does not get every task killed and restarted). `/readyz` is readiness: the database,
storage and this host's sandbox answer and an analysis engine is configured; the ALB sends
traffic only to tasks that are ready.
"""
import logging

from flask import Blueprint, current_app, jsonify

from insight_dash.database import check_database
from insight_dash.extensions import db
from insight_dash.sandbox.client import ping
from insight_dash.services.storage import Storage
from insight_dash.settings import Settings

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.route("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    settings: Settings = current_app.extensions["insight_settings"]
    checks = {"database": _run(_database), "storage": _run(_storage), "sandbox": _run(_sandbox),
              "llm": _engine(settings)}
    engine_ready = checks["llm"] == "configured" or not settings.is_production
    ready = engine_ready and all(checks[name] == "ok" for name in ("database", "storage", "sandbox"))
    return jsonify(status="ok" if ready else "unavailable", **checks), 200 if ready else 503


def _database() -> None:
    try:
        check_database()
    finally:
        db.session.remove()


def _storage() -> None:
    storage: Storage = current_app.extensions["insight_storage"]
    storage.check()


def _sandbox() -> None:
    if ping(current_app.extensions["insight_settings"]) is None:
        raise ConnectionError("the sandbox zygote does not answer")


def _engine(settings: Settings) -> str:
    """"configured" with a model; "offline" (the rule-based engine) is ready outside production only."""
    return "configured" if settings.llm_model else "offline"


def _run(check) -> str:
    try:
        check()
    except Exception as exc:  # a health check reports any failure instead of raising it
        log.warning("health check %s failed: %s", check.__name__.strip("_"), exc)
        return "unreachable"
    return "ok"
