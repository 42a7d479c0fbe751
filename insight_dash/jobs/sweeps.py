"""Clean-up of work that died with its process: datasets and new versions left `processing`,
questions left `running`. Each process that builds the app sweeps once at start and then every
INSIGHT_SWEEP_SECONDS on a thread of its own, never inside a request; the rows are claimed
with SKIP LOCKED, so processes sweeping at the same moment never handle the same row twice."""
from __future__ import annotations

import logging
import random
import threading

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from insight_dash.extensions import db
from insight_dash.services.ingest import recover_stale_datasets
from insight_dash.services.questions import recover_stale_questions
from insight_dash.services.versions import recover_stale_versions

log = logging.getLogger(__name__)


def sweep(server: Flask) -> int:
    """One pass; returns how many rows it ended. A database that is down or not migrated yet
    is logged and skipped: the next pass tries again."""
    with server.app_context():
        try:
            return recover_stale_datasets() + recover_stale_versions() + recover_stale_questions()
        except SQLAlchemyError as exc:
            log.warning("skipped the sweep of interrupted work: %s", type(exc).__name__)
            db.session.rollback()
            return 0
        finally:
            db.session.remove()


def start_sweeping(server: Flask, every_s: int) -> Sweeper | None:
    """Sweep now, then every `every_s` seconds on a daemon thread (0: only now)."""
    sweep(server)
    if every_s <= 0:
        return None
    sweeper = Sweeper(server, every_s)
    sweeper.start()
    return sweeper


class Sweeper(threading.Thread):
    """The repeating sweep. Its first pass comes after a random part of the interval, so
    workers started together do not sweep together."""

    def __init__(self, server: Flask, every_s: float):
        super().__init__(name="insight-sweeps", daemon=True)
        self.server, self.every_s = server, every_s
        self.stopped = threading.Event()

    def run(self) -> None:
        delay = random.uniform(0.5, 1.0) * self.every_s
        while not self.stopped.wait(delay):
            try:
                sweep(self.server)
            except Exception:  # a fault of one pass must not end the sweeps of this process
                log.exception("the sweep of interrupted work failed")
            delay = self.every_s

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=30)
