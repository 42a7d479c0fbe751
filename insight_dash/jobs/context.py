"""Running Dash background callbacks, under either manager (INSIGHT_JOBS):

- diskcache: the job is a forked copy of the web process, forked in the middle of a request,
  so it inherits that request's context and the parent's database connections (one of them
  inside a transaction);
- celery: the job runs in a Celery worker's pool process, forked from the worker that built
  the app, with no request at all; one pool process runs many jobs, one after another.

Either way the job gets a fresh app context and a database pool of its own process, and runs
at a lower CPU priority than the web workers: a page load or a grid page waits on a person,
a question's answer is already expected to take seconds (benchmarks/load.py, 20 users on 2
cores: page p95 while questions run 164 ms, against 725 ms before this and the job-cache fix in
jobs/managers.py). The acting user comes from `ctx.custom_data` (see auth/identity.py), never
from the request or the browser.
"""
import os
from collections.abc import Iterator
from contextlib import contextmanager

import dash
from flask import Flask

from insight_dash.extensions import db

# The forked process that has taken the database pool over (see _settle_in).
_pool_owner: int | None = None
JOB_NICENESS = 10  # CPU weight about a tenth of a web worker's (Linux CFS)


@contextmanager
def job_context() -> Iterator[None]:
    """A fresh app context (so a fresh session) and, in a forked process, a pool of its own."""
    server = dash.get_app().server
    with server.app_context():
        _settle_in(server)
        try:
            yield
        finally:
            db.session.remove()


def _settle_in(server: Flask) -> None:
    """Once per job process: drop the database connections inherited through fork (they belong
    to the parent: using one from two processes corrupts it) without closing their sockets, so
    a Celery pool process keeps the connections it opened itself for the jobs that follow; and
    step back behind the web workers for CPU."""
    global _pool_owner
    pid = os.getpid()
    if pid in (server.extensions["insight_pid"], _pool_owner):
        return
    db.engine.dispose(close=False)
    os.setpriority(os.PRIO_PROCESS, 0, max(JOB_NICENESS, os.getpriority(os.PRIO_PROCESS, 0)))
    _pool_owner = pid
