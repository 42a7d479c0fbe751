"""Running Dash background callbacks, under either manager (INSIGHT_JOBS):

- diskcache: the job is a forked copy of the web process, forked in the middle of a request,
  so it inherits that request's context and the parent's database connections (one of them
  inside a transaction);
- celery: the job runs in a Celery worker's pool process, forked from the worker that built
  the app, with no request at all; one pool process runs many jobs, one after another.

Either way the job gets a fresh app context and a database pool of its own process. The acting
user comes from `ctx.custom_data` (see auth/identity.py), never from the request or the browser.
"""
import os
from collections.abc import Iterator
from contextlib import contextmanager

import dash
from flask import Flask

from insight_dash.extensions import db

# The forked process that has taken the database pool over (see _own_the_pool).
_pool_owner: int | None = None


@contextmanager
def job_context() -> Iterator[None]:
    """A fresh app context (so a fresh session) and, in a forked process, a pool of its own."""
    server = dash.get_app().server
    with server.app_context():
        _own_the_pool(server)
        try:
            yield
        finally:
            db.session.remove()


def _own_the_pool(server: Flask) -> None:
    """Connections inherited through fork belong to the parent: using one from two processes
    corrupts it. Drop them from this pool without closing their sockets, once per process, so
    a Celery pool process keeps the connections it opened itself for the jobs that follow."""
    global _pool_owner
    pid = os.getpid()
    if pid in (server.extensions["insight_pid"], _pool_owner):
        return
    db.engine.dispose(close=False)
    _pool_owner = pid
