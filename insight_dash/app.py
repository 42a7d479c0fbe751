"""The application factory: Flask server, extensions, auth, and Dash mounted on top."""
from __future__ import annotations

import ctypes
import logging
import os
from datetime import timedelta

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from insight_dash import auth, exports, health, uploads
from insight_dash.auth.guard import install_login_guard
from insight_dash.cli import users_cli
from insight_dash.dash_app import create_dash
from insight_dash.database import MIGRATIONS_DIR, start_embedded_postgres, upgrade_database
from insight_dash.extensions import csrf, db, login_manager, migrate
from insight_dash.jobs.sweeps import start_sweeping
from insight_dash.sandbox.client import SandboxUnavailable, ensure_zygote
from insight_dash.logging_setup import configure_logging, install_request_logging
from insight_dash.outages import install_outage_handlers
from insight_dash.security import install_content_security_policy, install_security
from insight_dash.services.storage import build_storage
from insight_dash.services.users import get_user
from insight_dash.settings import Settings
from insight_dash.uploads.streaming import UploadRequest, install_streamed_file_cleanup

log = logging.getLogger(__name__)
_PR_SET_DUMPABLE = 4


def create_app(settings: Settings | None = None) -> Flask:
    """Build the Flask server with Dash mounted on it. Reads the environment when no settings are given."""
    settings = settings or Settings.from_env()
    if not settings.is_production:
        settings = settings.with_dev_secret()
    configure_logging(settings)
    protect_process_data()
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    server = Flask("insight_dash", instance_path=str(settings.data_dir))
    server.request_class = UploadRequest
    server.config.update(flask_config(settings))
    server.extensions["insight_settings"] = settings
    server.extensions["insight_pid"] = os.getpid()  # a background job is a fork: see jobs/context.py
    if settings.trust_proxy:
        # Behind the ALB: trust one hop for the client address and the original scheme.
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=1, x_proto=1, x_host=1)

    db.init_app(server)
    migrate.init_app(server, db, directory=str(MIGRATIONS_DIR), render_as_batch=False)
    login_manager.init_app(server)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(get_user)

    install_request_logging(server)
    # The login guard runs before the CSRF check, so a signed-out caller gets 401, not 400.
    install_login_guard(server)
    csrf.init_app(server)
    install_security(server, settings)
    install_streamed_file_cleanup(server)
    install_outage_handlers(server)
    server.extensions["insight_storage"] = build_storage(settings)
    server.register_blueprint(auth.bp)
    server.register_blueprint(health.bp)
    server.register_blueprint(uploads.bp)
    server.register_blueprint(exports.bp)
    server.cli.add_command(users_cli)

    if settings.uses_embedded_database:
        upgrade_database(server)
    start_sweeping(server, settings.sweep_every_s)
    if settings.sandbox_autostart:
        try:
            ensure_zygote(settings)
        except SandboxUnavailable as exc:  # serve anyway: /readyz reports it, questions say so
            log.error("SANDBOX UNAVAILABLE at start: %s", exc)
    dash_app = create_dash(server, settings)
    # Hashes are taken per page, after every page module has registered its clientside callbacks.
    install_content_security_policy(server, dash_app.csp_hashes)
    log.info(
        "Insight ready",
        extra={"environment": settings.environment, "storage": settings.storage,
               "database": "embedded" if settings.uses_embedded_database else "external"},
    )
    return server


def protect_process_data() -> None:
    """Files the app writes are private to its user, and its memory and environment cannot be
    read by other processes of the same user (PR_SET_DUMPABLE=0), analysis code included."""
    os.umask(0o077)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)


def flask_config(settings: Settings) -> dict[str, object]:
    database_url = settings.database_url or start_embedded_postgres(settings.data_dir)
    return {
        "SECRET_KEY": settings.secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # pre_ping survives a restarted database; recycle keeps connections under RDS/NAT idle limits.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_recycle": 1800, "pool_size": 5,
                                      "max_overflow": 10},
        "MAX_CONTENT_LENGTH": settings.max_upload_bytes + 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings.secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": settings.secure_cookies,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=settings.session_hours),
        # The token lives as long as the session; the Dash cookie copy is refreshed per page load.
        "WTF_CSRF_TIME_LIMIT": None,
        "PREFERRED_URL_SCHEME": "https" if settings.ssl_redirect else "http",
    }
