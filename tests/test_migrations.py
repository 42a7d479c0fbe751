"""Alembic migrations, run the way operators run them: `flask --app wsgi db ...`."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
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
                "view_shares", "dataset_versions", "alembic_version"}

    for step, args in enumerate((["upgrade"], ["downgrade", "base"], ["upgrade"])):
        result = flask_db(url, tmp_path, *args)
        assert result.returncode == 0, result.stderr
        tables = table_names(url)
        assert tables == ({"alembic_version"} if step == 1 else expected)

    # The models and the migrations describe the same schema.
    check = flask_db(url, tmp_path, "check")
    assert check.returncode == 0, check.stderr + check.stdout


def test_answers_from_before_explanations_get_one_and_new_ones_must_have_one(fresh_database, tmp_path):
    url = fresh_database("insight_explanations")
    assert flask_db(url, tmp_path, "upgrade", "0003").returncode == 0
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO users (username, password_hash, created_at) VALUES ('alice', 'x', now());"
                "INSERT INTO datasets (id, user_id, storage_key, name, uploaded_at, updated_at, status, metadata, "
                "size_bytes, error_message) VALUES ('00000000-0000-0000-0000-000000000001', 1, '', 'd.csv', now(), "
                "now(), 'ready', '{}', 0, '');"
                "INSERT INTO analysis_sessions (id, user_id, dataset_id, title, created_at, updated_at) VALUES "
                "('00000000-0000-0000-0000-000000000002', 1, '00000000-0000-0000-0000-000000000001', '', now(), now());"
                "INSERT INTO query_logs (session_id, prompt, response_text, status, error_message, created_at, "
                "generated_code, engine, result_kind, retries) VALUES ('00000000-0000-0000-0000-000000000002', "
                "'How many?', '3', 'success', '', now(), '', 'offline', 'number', 0)"))
        assert flask_db(url, tmp_path, "upgrade").returncode == 0
        with engine.begin() as connection:
            explanation = connection.execute(sa.text("SELECT explanation FROM query_logs")).scalar_one()
        assert explanation.startswith("Answered before Insight recorded how answers were computed")
        with pytest.raises(sa.exc.IntegrityError, match="ck_query_logs_explained"), engine.begin() as connection:
            connection.execute(sa.text("UPDATE query_logs SET explanation = ''"))
    finally:
        engine.dispose()


def test_datasets_from_before_versions_become_version_1_with_their_answers_and_pins(fresh_database, tmp_path):
    url = fresh_database("insight_versions")
    assert flask_db(url, tmp_path, "upgrade", "0004").returncode == 0
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO users (username, password_hash, created_at) VALUES ('alice', 'x', now());"
                "INSERT INTO datasets (id, user_id, storage_key, name, uploaded_at, updated_at, status, metadata, "
                "size_bytes, error_message) VALUES ('00000000-0000-0000-0000-000000000001', 1, 'k/original.csv', "
                "'plant.csv', '2026-11-01T08:00:00Z', now(), 'ready', '{\"row_count\": 3}', 42, ''),"
                "('00000000-0000-0000-0000-000000000003', 1, '', 'broken.csv', now(), now(), 'error', '{}', 0, 'bad');"
                "INSERT INTO analysis_sessions (id, user_id, dataset_id, title, created_at, updated_at) VALUES "
                "('00000000-0000-0000-0000-000000000002', 1, '00000000-0000-0000-0000-000000000001', '', now(), now());"
                "INSERT INTO query_logs (session_id, prompt, response_text, status, error_message, created_at, "
                "generated_code, engine, result_kind, retries, explanation) VALUES "
                "('00000000-0000-0000-0000-000000000002', 'Plot it', 'A chart', 'success', '', now(), 'x', 'offline', "
                "'figure', 0, 'Counted rows.');"
                "INSERT INTO pinned_figures (id, user_id, dataset_id, title, question, code, figure_json, position, "
                "created_at, explanation) VALUES ('00000000-0000-0000-0000-000000000004', 1, "
                "'00000000-0000-0000-0000-000000000001', 'Chart', 'Plot it', 'x', '{\"data\": []}', 0, "
                "'2026-11-02T09:00:00Z', 'Counted rows.')"))
        assert flask_db(url, tmp_path, "upgrade").returncode == 0
        with engine.begin() as connection:
            versions = connection.execute(sa.text(
                "SELECT dataset_id::text, number, status, file_name, size_bytes, storage_key, meta->>'row_count', "
                "uploaded_by_id, uploaded_at = '2026-11-01T08:00:00Z'::timestamptz FROM dataset_versions")).all()
            current = connection.execute(sa.text("SELECT name, version FROM datasets ORDER BY name")).all()
            answer = connection.execute(sa.text("SELECT dataset_version FROM query_logs")).scalar_one()
            pin = connection.execute(sa.text(
                "SELECT kind, dataset_version, computed_at = created_at, stale_reason FROM pinned_figures")).one()
        assert versions == [("00000000-0000-0000-0000-000000000001", 1, "ready", "plant.csv", 42, "k/original.csv",
                             "3", 1, True)]  # the failed upload has no version
        assert current == [("broken.csv", 1), ("plant.csv", 1)]
        assert answer == 1 and tuple(pin) == ("figure", 1, True, "")
        assert flask_db(url, tmp_path, "downgrade", "0004").returncode == 0
    finally:
        engine.dispose()
