"""Work that outlives a request (parsing an upload) runs on a small thread pool per process.

The database row is the truth: jobs write their progress there, so any worker can report it
and a crashed job is found by its stale heartbeat (see `sweeps.py`).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from flask import Flask, current_app

log = logging.getLogger(__name__)
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="insight-job")
_pending: set[Future] = set()


def submit(job: Callable[..., object], *args: object) -> Future:
    """Run `job(*args)` in the background inside an app context of the current app."""
    app = current_app._get_current_object()
    future = _executor.submit(_run, app, job, *args)
    _pending.add(future)
    future.add_done_callback(_pending.discard)
    return future


def wait_for_jobs(timeout: float | None = None) -> None:
    """Block until every submitted job has finished (tests, graceful shutdown)."""
    wait(list(_pending), timeout=timeout)


def _run(app: Flask, job: Callable[..., object], *args: object) -> None:
    with app.app_context():
        try:
            job(*args)
        except Exception:  # a job's own handler records failures; this is the last net
            log.exception("background job %s failed", getattr(job, "__name__", job))
