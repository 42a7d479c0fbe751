"""The Dash shell: pages, the navbar, the error toast; jobs run where jobs/managers.py says."""
from __future__ import annotations

import logging
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import Dash, html, no_update, set_props
from flask import Flask
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from insight_dash.auth import identity  # noqa: F401  (registers the custom_data hook)
from insight_dash.components import ids
from insight_dash.components.navbar import navbar
from insight_dash.jobs.managers import background_manager
from insight_dash.outages import DATABASE_DOWN, DATABASE_ERRORS
from insight_dash.services.errors import ServiceError
from insight_dash.settings import Settings

log = logging.getLogger(__name__)
PACKAGE_DIR = Path(__file__).resolve().parent
ASSETS_DIR = PACKAGE_DIR.parent / "assets"


def create_dash(server: Flask, settings: Settings) -> Dash:
    app = Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(PACKAGE_DIR / "pages"),
        assets_folder=str(ASSETS_DIR),
        title="Insight",
        update_title=None,
        suppress_callback_exceptions=True,
        background_callback_manager=background_manager(server, settings),
        on_error=report_callback_error,
    )
    app.layout = shell
    # Dash finishes its setup (callbacks copied in, validated) on the first request, unguarded:
    # under load, a worker's first requests raced each other ("dictionary changed size during
    # iteration", a 500 on /login; benchmarks/load.py, 40 users at once). Done here, once,
    # before the worker serves anyone.
    with server.test_request_context("/"):
        app._setup_server()
    return app


def shell() -> html.Div:
    """Served per page load behind the login guard; Dash also calls it once, unauthenticated,
    to validate the layout on the first request of the process."""
    username = current_user.username if current_user.is_authenticated else ""
    toast = dbc.Toast(id=ids.APP_TOAST, header="Insight", is_open=False, dismissable=True, duration=8000,
                      icon="danger", className="app-toast")
    return html.Div([navbar(username, generate_csrf()), dash.page_container, toast])


def report_callback_error(error: Exception):
    """Any exception a callback raises ends as a message in the toast, never a traceback.

    Service errors carry their own words; anything else is logged with its stack.
    """
    if isinstance(error, ServiceError):
        message = error.message
    elif isinstance(error, DATABASE_ERRORS):
        log.warning("database unavailable in a callback", exc_info=error)
        message = DATABASE_DOWN
    else:
        log.error("callback failed", exc_info=error)
        message = "Something went wrong. The error was logged; please try again."
    set_props(ids.APP_TOAST, {"children": message, "is_open": True})
    return _nothing_for(dash.ctx.outputs_list)


def _nothing_for(outputs):
    """no_update in the shape of the callback's outputs (a wildcard output is a list)."""
    if isinstance(outputs, list):
        return [_nothing_for(output) for output in outputs]
    return no_update
