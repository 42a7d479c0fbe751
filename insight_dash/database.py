"""The database: an embedded PostgreSQL for development, and schema upgrades under a lock."""
from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from flask import Flask, current_app

from insight_dash.extensions import db

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Any constant works; it only has to be the same for every process running migrations.
_MIGRATION_LOCK_KEY = 0x1D5_16_47
# Unix sockets have a 107-byte path limit; pgserver puts its socket in the data folder.
_MAX_SOCKET_DIR = 90
_embedded_servers: list[object] = []


class EmbeddedDatabaseError(RuntimeError):
    pass


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or join) the PostgreSQL server kept in `data_dir/pgdata`; return its URL.

    The server stops when the last process using it exits.
    """
    import pgserver

    pgdata = data_dir / "pgdata"
    if len(str(pgdata)) > _MAX_SOCKET_DIR:
        raise EmbeddedDatabaseError(
            f"The data folder path is too long for PostgreSQL's socket ({pgdata}); "
            "set INSIGHT_DATA_DIR to a shorter path."
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    _embedded_servers.append(server)  # the handle must live as long as the process
    url = server.get_uri()
    log.info("embedded PostgreSQL running in %s", pgdata)
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def upgrade_database(app: Flask, revision: str = "head") -> None:
    """Run Alembic migrations, one process at a time (several workers may start together)."""
    with app.app_context():
        config = current_app.extensions["migrate"].migrate.get_config(str(MIGRATIONS_DIR))
        with db.engine.connect() as lock_conn:
            lock_conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            try:
                command.upgrade(config, revision)
            finally:
                lock_conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK_KEY})


def check_database() -> None:
    """Raise if the database cannot answer a trivial query."""
    db.session.execute(sa.text("SELECT 1"))
