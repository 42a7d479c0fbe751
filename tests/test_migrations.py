"""Alembic migrations, run the way operators run them: `flask --app wsgi db ...`."""
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent


def flask_db(database_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "INSIGHT_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def table_names(database_url: str) -> set[str]:
    engine = sa.create_engine(database_url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_on_an_empty_database(fresh_database, tmp_path):
    url = fresh_database("insight_migrations")
    expected = {"users", "datasets", "analysis_sessions", "query_logs", "pinned_figures", "views", "view_items",
                "view_shares", "alembic_version"}

    for step, args in enumerate((["upgrade"], ["downgrade", "base"], ["upgrade"])):
        result = flask_db(url, tmp_path, *args)
        assert result.returncode == 0, result.stderr
        tables = table_names(url)
        assert tables == ({"alembic_version"} if step == 1 else expected)

    # The models and the migrations describe the same schema.
    check = flask_db(url, tmp_path, "check")
    assert check.returncode == 0, check.stderr + check.stdout
