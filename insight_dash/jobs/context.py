"""Running Dash background callbacks, under either manager (INSIGHT_JOBS):

- diskcache: the job is a thread of the web worker that took the request (jobs.managers.JobsOnHost),
  waiting its turn in this host's line; it shares the worker's database pool (a session of its
  own through its own app context) and its priority: the heavy part, the generated code, runs
  in the sandbox's processes, which yield the CPU to the web workers (sandbox.zygote.NICENESS);
- celery: the job runs in a Celery worker's pool process, forked from the worker that built
  the app, with no request at all; one pool process runs many jobs, one after another. That
  process gets a database pool of its own and runs at a lower CPU priority than web workers
  on the same host.

The acting user comes from `ctx.custom_data` (see auth/identity.py), never from the request or
the browser.
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
    """A fresh app context (so a fresh session) and, in a Celery pool process, a pool of its own."""
    server = dash.get_app().server
    with server.app_context():
        _settle_in(server)
        try:
            yield
        finally:
            db.session.remove()


def _settle_in(server: Flask) -> None:
    """Once per Celery pool process: drop the database connections inherited through fork (they
    belong to the parent: using one from two processes corrupts it) without closing their
    sockets, so the process keeps the connections it opened itself for the jobs that follow;
    and step back behind the web workers for CPU. A thread of the web worker has nothing to do."""
    global _pool_owner
    pid = os.getpid()
    if pid in (server.extensions["insight_pid"], _pool_owner):
        return
    db.engine.dispose(close=False)
    os.setpriority(os.PRIO_PROCESS, 0, max(JOB_NICENESS, os.getpriority(os.PRIO_PROCESS, 0)))
    _pool_owner = pid
