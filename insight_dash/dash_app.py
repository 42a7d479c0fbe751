"""The Dash shell: pages, the navbar, and the background-callback manager."""
from __future__ import annotations

import logging
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
import diskcache
from dash import CeleryManager, Dash, DiskcacheManager, html, no_update, set_props
from flask import Flask
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from insight_dash.auth import identity  # noqa: F401  (registers the custom_data hook)
from insight_dash.components import ids
from insight_dash.components.navbar import navbar
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
    return app


def background_manager(server: Flask, settings: Settings) -> JobsOnDisk | JobsOnCelery:
    """Where background callbacks run, by INSIGHT_JOBS (see DESIGN.md).

    diskcache: a forked process of the web worker that took the request; the job and its
    result live in an explicit folder shared by every worker of this host, so a poll may reach
    any of them (several hosts need ALB stickiness). celery: a task on Redis, run by
    `celery -A insight_dash.jobs_celery worker` on any host, so any host can answer a poll.
    Either way the job handles are signed with SECRET_KEY, which must match everywhere.
    """
    if settings.jobs == "celery":
        celery_app = celery_for(settings.redis_url)
        server.extensions["insight_celery"] = celery_app  # the worker's entry point reads it
        return JobsOnCelery(celery_app)
    return JobsOnDisk(diskcache.Cache(str(settings.data_dir / "jobs")))


class _KeepsLateResults:
    """Dash reads a job's result, then asks whether the job still runs: a job that finishes
    in between ends the browser's polling with nothing (a 204), its answer left unread until
    a reload. A job stores its result before it stops, so a stopped job's is read once more."""

    def get_result(self, key, job):
        result = super().get_result(key, job)
        if result is self.UNDEFINED and job is not None and not self.job_running(job):
            result = super().get_result(key, job)
        return result


class JobsOnDisk(_KeepsLateResults, DiskcacheManager):
    """Jobs forked from the web process, results in this host's jobs folder."""


class JobsOnCelery(_KeepsLateResults, CeleryManager):
    """Jobs queued on Redis for `celery -A insight_dash.jobs_celery worker`.

    Dash hands the whole callback context to the job, the request's cookies and headers
    included: through Celery they would sit in Redis and in the worker's task log, session
    cookie and all. Jobs read the user from custom_data, so those are left behind."""

    def call_job_fn(self, key, job_fn, args, context):
        context = {name: value for name, value in context.items() if name not in ("cookies", "headers")}
        return super().call_job_fn(key, job_fn, args, context)


def celery_for(redis_url: str):
    """A Celery app with Redis as broker and result store. Dash names one task per background
    callback; the worker registers the same tasks by building the same app."""
    from celery import Celery  # only deployments that chose celery need it loaded

    celery_app = Celery("insight", broker=redis_url, backend=redis_url)
    celery_app.conf.update(
        broker_connection_retry_on_startup=True,
        # Answers take seconds to minutes: a worker process takes one job at a time and
        # leaves the rest in the queue for its idle siblings.
        worker_prefetch_multiplier=1,
        # Dash reads a result once and deletes it; one nobody polled for goes after an hour.
        result_expires=3600,
        # The app configures logging (JSON in production); Celery must not replace it.
        worker_hijack_root_logger=False,
    )
    return celery_app


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
