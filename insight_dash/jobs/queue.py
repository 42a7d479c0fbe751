"""This host's turns for background jobs: at most INSIGHT_MAX_JOBS run at once, the rest wait
in the order they came.

Each Gunicorn worker runs the jobs it was asked for as threads of its own (see
managers.JobsOnHost); the workers of a host take turns through one SQLite table in the host's
jobs folder, so the bound and the order hold across them. A ticket whose process has gone (a
worker killed or restarted) is dropped by the next caller: its thread went with it.
"""
from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

import psutil

QUEUED, RUNNING = "queued", "running"
ABANDONED = "abandoned"  # cancelled after it started: it runs to its end, its result unread


class Turn(NamedTuple):
    started: bool
    ahead: int  # jobs still waiting in front of this one


class HostQueue:
    def __init__(self, path: Path, limit: int):
        self.path, self.limit = path, limit
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as connection, connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("CREATE TABLE IF NOT EXISTS tickets (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                               "job TEXT UNIQUE NOT NULL, pid INTEGER NOT NULL, started REAL NOT NULL, "
                               "state TEXT NOT NULL)")

    def enqueue(self, job: str) -> None:
        """Join the end of the line."""
        with closing(self._connect()) as connection, connection:
            connection.execute("INSERT INTO tickets (job, pid, started, state) VALUES (?, ?, ?, ?)",
                               (job, os.getpid(), _process_started(os.getpid()), QUEUED))

    def take_turn(self, job: str) -> Turn | None:
        """Start the job if a place is free and nobody waits ahead of it; None when its ticket
        is gone (cancelled)."""
        with closing(self._connect()) as connection, connection:
            connection.execute("BEGIN IMMEDIATE")
            self._drop_orphans(connection)
            row = connection.execute("SELECT id, state FROM tickets WHERE job = ?", (job,)).fetchone()
            if row is None:
                return None
            ticket, state = row
            if state != QUEUED:
                return Turn(started=True, ahead=0)
            ahead = connection.execute("SELECT count(*) FROM tickets WHERE state = ? AND id < ?",
                                       (QUEUED, ticket)).fetchone()[0]
            running = connection.execute("SELECT count(*) FROM tickets WHERE state != ?", (QUEUED,)).fetchone()[0]
            if ahead or running >= self.limit:
                return Turn(started=False, ahead=ahead)
            connection.execute("UPDATE tickets SET state = ? WHERE id = ?", (RUNNING, ticket))
            return Turn(started=True, ahead=0)

    def cancel(self, job: str) -> None:
        """Take a job out of the line, or mark a started one abandoned (a thread cannot be stopped)."""
        with closing(self._connect()) as connection, connection:
            connection.execute("BEGIN IMMEDIATE")
            if not connection.execute("DELETE FROM tickets WHERE job = ? AND state = ?", (job, QUEUED)).rowcount:
                connection.execute("UPDATE tickets SET state = ? WHERE job = ?", (ABANDONED, job))

    def finish(self, job: str) -> None:
        with closing(self._connect()) as connection, connection:
            connection.execute("DELETE FROM tickets WHERE job = ?", (job,))

    def state(self, job: str) -> str | None:
        """queued, running, abandoned, or None once it has finished or left the line."""
        with closing(self._connect()) as connection:
            row = connection.execute("SELECT state FROM tickets WHERE job = ?", (job,)).fetchone()
        return row[0] if row else None

    def counts(self) -> dict[str, int]:
        with closing(self._connect()) as connection:
            return dict(connection.execute("SELECT state, count(*) FROM tickets GROUP BY state").fetchall())

    def _connect(self) -> sqlite3.Connection:
        # One connection per call: callers are threads of several processes, and opening one
        # costs tens of microseconds. isolation_level=None: transactions are explicit.
        return sqlite3.connect(self.path, timeout=30, isolation_level=None)

    @staticmethod
    def _drop_orphans(connection: sqlite3.Connection) -> None:
        for pid, started in connection.execute("SELECT DISTINCT pid, started FROM tickets").fetchall():
            if _process_started(pid) != started:
                connection.execute("DELETE FROM tickets WHERE pid = ? AND started = ?", (pid, started))


def _process_started(pid: int) -> float | None:
    """When the process began (a pid can be reused after a restart), None when it is gone."""
    try:
        return psutil.Process(pid).create_time()
    except psutil.NoSuchProcess:
        return None
