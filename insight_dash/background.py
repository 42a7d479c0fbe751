"""Running Dash background callbacks: the job is a forked copy of the web process, forked in
the middle of a request, so it inherits that request's context and the parent's database
connections (one of them inside a transaction)."""
import os
from collections.abc import Iterator
from contextlib import contextmanager

import dash

from insight_dash.extensions import db


@contextmanager
def job_context() -> Iterator[None]:
    """A fresh app context (so a fresh session) and, in a forked job, a pool of its own."""
    server = dash.get_app().server
    with server.app_context():
        if os.getpid() != server.extensions["insight_pid"]:
            # Connections inherited through fork belong to the parent: using one from two
            # processes corrupts it. Drop them from this pool without closing their sockets.
            db.engine.dispose(close=False)
        try:
            yield
        finally:
            db.session.remove()
