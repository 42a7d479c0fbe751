"""Where Dash background callbacks run, by INSIGHT_JOBS (see DESIGN.md and the README,
"Background jobs"): `JobsOnHost` (diskcache, the default) or `JobsOnCelery` (Redis)."""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import diskcache
from dash import CeleryManager, DiskcacheManager
from flask import Flask

from insight_dash.components.ids import WAITING_ID
from insight_dash.jobs.queue import ABANDONED, HostQueue
from insight_dash.settings import Settings

log = logging.getLogger(__name__)
TURN_POLL_S = 0.25  # how often a job in line looks whether its turn has come


def background_manager(server: Flask, settings: Settings) -> JobsOnHost | JobsOnCelery:
    """diskcache: a thread of the web worker that took the request, in this host's line of
    jobs; the job's result lives in an explicit folder shared by every worker of this host, so
    a poll may reach any of them (several hosts need ALB stickiness). celery: a task on Redis,
    run by `celery -A insight_dash.jobs.celery_worker worker` on any host, so any host can
    answer a poll. Either way the job handles are signed with SECRET_KEY, which must match
    everywhere.
    """
    if settings.jobs == "celery":
        celery_app = celery_for(settings.redis_url)
        server.extensions["insight_celery"] = celery_app  # the worker's entry point reads it
        return JobsOnCelery(celery_app)
    jobs_dir = settings.data_dir / "jobs"
    manager = JobsOnHost(diskcache.Cache(str(jobs_dir)), HostQueue(jobs_dir / "turns.sqlite", settings.max_jobs))
    server.extensions["insight_jobs"] = manager  # a worker's exit waits for its jobs (gunicorn.conf.py)
    return manager


class _KeepsLateResults:
    """Dash reads a job's result, then asks whether the job still runs: a job that finishes
    in between ends the browser's polling with nothing (a 204), its answer left unread until
    a reload. A job stores its result before it stops, so a stopped job's is read once more."""

    def get_result(self, key, job):
        result = super().get_result(key, job)
        if result is self.UNDEFINED and job is not None and not self.job_running(job):
            result = super().get_result(key, job)
        return result


class JobsOnHost(_KeepsLateResults, DiskcacheManager):
    """Jobs as threads of the web worker that took the request, at most INSIGHT_MAX_JOBS at once
    on this host and the rest in line (jobs/queue.py); results in this host's jobs folder
    (SQLite), so a poll may reach any worker of the host.

    A job mostly waits on the model (5-15 s on Bedrock) and runs the generated code in the
    sandbox's own processes. A forked copy of the worker per job held that wait in private
    pages: 42 forks, 5.7 GiB together, with 40 users on a Bedrock-shaped model; as threads the
    whole server stays at 1.8 GiB PSS (benchmarks/load.py --model fake-bedrock --reference).
    Forks also had to keep SQLite out of every other thread's transactions; threads share the
    cache safely.

    While a job waits for its turn, its place in line ("Waiting, 3 ahead of you") goes to the
    page as an update of the component `WAITING_ID`, wherever the page shows one.
    """

    def __init__(self, cache: diskcache.Cache, queue: HostQueue):
        super().__init__(cache)
        self.queue = queue
        self._threads: set[threading.Thread] = set()

    def call_job_fn(self, key, job_fn, args, context):
        job = uuid.uuid4().hex
        self.queue.enqueue(job)
        thread = threading.Thread(target=self._run, args=(job, key, job_fn, args, context), name=f"job-{job[:8]}",
                                  daemon=True)
        self._threads.add(thread)
        thread.start()
        return job

    def wait_idle(self, timeout: float) -> bool:
        """Wait until this process's jobs have ended (a worker's graceful exit, tests); False
        when some still run after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._threads)

    def job_running(self, job) -> bool:
        return job is not None and self.queue.state(job) is not None

    def terminate_job(self, job) -> None:
        """A job still in line leaves it; a started one cannot be stopped (a thread), so its
        result is thrown away when it ends, and what it answers is not recorded over the
        cancellation (questions.finish_question)."""
        if job is not None:
            self.queue.cancel(job)

    def _run(self, job: str, key: str, job_fn: Callable, args: Any, context: Any) -> None:
        try:
            if self._wait_for_turn(job, key):
                job_fn(key, self._make_progress_key(key), args, context)
                if self.queue.state(job) == ABANDONED:
                    self.handle.delete(key)  # nobody will read it
        except Exception:  # the callback's own errors are the job's result; this is the queue failing
            log.exception("background job failed", extra={"event": "job_failed", "job": job})
        finally:
            self.queue.finish(job)
            self._threads.discard(threading.current_thread())

    def _wait_for_turn(self, job: str, key: str) -> bool:
        shown = None
        while (turn := self.queue.take_turn(job)) is not None:
            if turn.started:
                if shown is not None:
                    self._show_waiting(key, "")
                return True
            if turn.ahead != shown:
                self._show_waiting(key, waiting_text(turn.ahead))
                shown = turn.ahead
            time.sleep(TURN_POLL_S)
        return False  # cancelled while in line

    def _show_waiting(self, key: str, text: str) -> None:
        self.handle.set(self._make_set_props_key(key), {WAITING_ID: {"children": text}})


def waiting_text(ahead: int) -> str:
    if ahead == 0:
        return "Waiting: next in line."
    return f"Waiting, {ahead} ahead of you."


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
