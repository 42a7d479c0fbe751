"""Where Dash background callbacks run, by INSIGHT_JOBS (see DESIGN.md and the README,
"Background jobs"): `JobsOnDisk` (diskcache, the default) or `JobsOnCelery` (Redis)."""
from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any, TypeVar

import diskcache
import psutil
from dash import CeleryManager, DiskcacheManager
from flask import Flask

from insight_dash.settings import Settings

Method = TypeVar("Method", bound=Callable[..., Any])


def background_manager(server: Flask, settings: Settings) -> JobsOnDisk | JobsOnCelery:
    """diskcache: a forked process of the web worker that took the request; the job and its
    result live in an explicit folder shared by every worker of this host, so a poll may reach
    any of them (several hosts need ALB stickiness). celery: a task on Redis, run by
    `celery -A insight_dash.jobs.celery_worker worker` on any host, so any host can answer a poll.
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


def _one_at_a_time(method: Method) -> Method:
    """The method holds the manager's cache lock: no other thread of this process is inside
    the cache while it runs (see JobsOnDisk)."""

    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self.cache_lock:
            return method(self, *args, **kwargs)

    return locked  # type: ignore[return-value]


class JobsOnDisk(_KeepsLateResults, DiskcacheManager):
    """Jobs forked from the web process, results in this host's jobs folder (SQLite).

    SQLite does not survive a fork taken while another thread of the process is inside a
    transaction: the child inherits the lock's bookkeeping but not the lock, and every write
    it makes, on any connection, waits out the timeout. Under load (benchmarks/load.py: 20
    users, 4 threads per worker) 7 answers of 87 were lost so: the job answered the question
    in PostgreSQL, could not store the rendered result, and the browser's polling ended with
    nothing. So a worker's threads use the cache one at a time and a job is forked only
    between two uses.

    Dash's own `terminate_job` also kills inside a write transaction and then waits up to a
    second for the process to go, which it never does when the job is another worker's child
    (a zombie until that worker reaps it): every finished answer held the host-wide write
    lock for a second. Ours kills without a transaction and reaps only its own children.
    """

    def __init__(self, cache: diskcache.Cache):
        super().__init__(cache)
        self.cache_lock = threading.RLock()

    @_one_at_a_time
    def call_job_fn(self, key, job_fn, args, context):
        return super().call_job_fn(key, job_fn, args, context)

    @_one_at_a_time
    def get_result(self, key, job):
        return super().get_result(key, job)

    @_one_at_a_time
    def get_progress(self, key):
        return super().get_progress(key)

    @_one_at_a_time
    def get_updated_props(self, key):
        return super().get_updated_props(key)

    @_one_at_a_time
    def result_ready(self, key):
        return super().result_ready(key)

    @_one_at_a_time
    def clear_cache_entry(self, key):
        return super().clear_cache_entry(key)

    @_one_at_a_time
    def get_or_create_signing_secret(self, generate):
        return super().get_or_create_signing_secret(generate)

    def terminate_job(self, job) -> None:
        if job is None:
            return
        try:
            process = psutil.Process(int(job))
            family = [*process.children(recursive=True), process]
        except psutil.NoSuchProcess:
            return
        for member in family:
            with suppress(psutil.NoSuchProcess):
                member.kill()
        with suppress(psutil.NoSuchProcess, psutil.TimeoutExpired):
            if process.ppid() == os.getpid():
                process.wait(timeout=1)  # our own child: reap it now


class JobsOnCelery(_KeepsLateResults, CeleryManager):
    """Jobs queued on Redis for `celery -A insight_dash.jobs.celery_worker worker`.

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
