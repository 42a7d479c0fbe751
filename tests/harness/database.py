"""The database several app processes share, seen from the test: migrated, with accounts, and
read through the models (a bare Flask app: no Dash, which registers its pages once per process)."""
from __future__ import annotations

from typing import Any

from flask import Flask

from insight_dash.database import MIGRATIONS_DIR, upgrade_database
from insight_dash.extensions import db, migrate
from insight_dash.services.users import create_user
from tests.harness.clients import TEST_PASSWORD


class SharedDatabase:
    """A fresh database (its URL), migrated, with these accounts (password TEST_PASSWORD)."""

    def __init__(self, url: str, *usernames: str):
        self.url = url
        self.server = Flask("insight-test-database")
        self.server.config["SQLALCHEMY_DATABASE_URI"] = url
        db.init_app(self.server)
        migrate.init_app(self.server, db, directory=str(MIGRATIONS_DIR))
        upgrade_database(self.server)
        with self.server.app_context():
            for username in usernames:
                create_user(username, TEST_PASSWORD)
            db.session.remove()

    def get(self, model: type, key: Any) -> Any:
        """The row as it is now in the database (detached: columns only)."""
        with self.server.app_context():
            row = db.session.get(model, key)
            if row is not None:
                db.session.expunge(row)
            db.session.remove()
            return row

    def close(self) -> None:
        with self.server.app_context():
            db.engine.dispose()
