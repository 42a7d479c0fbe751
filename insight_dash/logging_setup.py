"""Logging: JSON lines in production (for CloudWatch), readable text in development.

Each record made during a request carries its request id and user id.
"""
from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request
from flask_login import current_user

from insight_dash.settings import Settings

_REQUEST_ID_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
# Attributes every LogRecord has; anything else was passed with `extra=` and is logged too.
_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
# Already in the access line's message; text output shows them once.
_ACCESS_FIELDS = {"method", "path", "status", "latency_ms", "context"}
access_log = logging.getLogger("insight.access")


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = getattr(g, "request_id", None)
            record.user_id = _current_user_id()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            (key, value) for key, value in record.__dict__.items() if key not in _STANDARD_ATTRS | {"context"}
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s%(context)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS | _ACCESS_FIELDS}
        record.context = "".join(f" {k}={v}" for k, v in extras.items() if v is not None)
        return super().format(record)


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # Werkzeug's own access lines duplicate ours.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # pgserver narrates every start at INFO; its warnings and errors still show.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    # fastexcel warns about every untyped column while we scan raw header rows.
    logging.getLogger("fastexcel").setLevel(logging.ERROR)
    # PandasAI and litellm log prompts, sample rows and generated code at INFO/DEBUG: data
    # that must not reach the logs. Our own records carry the ids and timings instead.
    for name in ("pandasai", "LiteLLM", "litellm"):
        logging.getLogger(name).setLevel(logging.WARNING)


def install_request_logging(server: Flask) -> None:
    @server.before_request
    def start_request_timer() -> None:
        g.request_started = time.perf_counter()
        g.request_id = _incoming_request_id() or uuid.uuid4().hex

    @server.after_request
    def log_request(response):
        started = getattr(g, "request_started", None)
        latency_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        response.headers["X-Request-ID"] = getattr(g, "request_id", "")
        access_log.info(
            "%s %s %s %sms",
            request.method,
            request.path,
            response.status_code,
            latency_ms,
            extra={"method": request.method, "path": request.path, "callback": _callback_name(),
                   "status": response.status_code, "latency_ms": latency_ms},
        )
        return response


def _callback_name() -> str | None:
    """Which Dash callback a POST to /_dash-update-component ran (its outputs, no values)."""
    if request.path != "/_dash-update-component" or not request.is_json:
        return None
    payload = request.get_json(silent=True)
    output = payload.get("output") if isinstance(payload, dict) else None
    return output[:160] if isinstance(output, str) else None


def _incoming_request_id() -> str | None:
    """Reuse the load balancer's id when it is a sane token, so logs join up across hops."""
    value = request.headers.get("X-Request-ID", "")
    if 0 < len(value) <= 64 and set(value) <= _REQUEST_ID_CHARS:
        return value
    return None


def _current_user_id() -> str | None:
    try:
        return current_user.get_id() if current_user.is_authenticated else None
    except Exception:  # before the login manager is ready, or outside a user-aware app
        return None
