"""Shared fixtures: a real PostgreSQL (pgserver), a real S3 API (moto server over HTTP),
one Insight app per test session, signing in, uploading, stored answers, and app processes
beside the suite's own (the harness they use is tests/harness/)."""
from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from dash.background_callback.managers import BaseBackgroundCallbackManager
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from insight_dash.app import create_app
from insight_dash.database import upgrade_database
from insight_dash.extensions import db
from insight_dash.models import Dataset, QueryLog, User
from insight_dash.jobs.threads import wait_for_jobs
from insight_dash.sandbox.client import stop_zygote
from insight_dash.services import ingest
from insight_dash.services.conversations import create_session
from insight_dash.services.users import create_user
from insight_dash.settings import Settings
from tests.fakes.bedrock import GOVCLOUD_MODEL, FakeBedrock
from tests.harness.clients import TEST_PASSWORD, render_page
from tests.harness.dash_protocol import CSRF_INPUT
from tests.harness.database import SharedDatabase
from tests.harness.servers import Processes, create_bucket, free_port, moto_server

@pytest.fixture(scope="session")
def corpus() -> Path:
    """Real files from other projects' public test suites (../shared/corpus beside the checkout)."""
    folder = Path(os.environ.get("INSIGHT_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))
    if not folder.is_dir():
        pytest.fail(f"The shared corpus is missing at {folder}; set INSIGHT_CORPUS to its folder.")
    return folder


@pytest.fixture
def unused_tcp_url() -> str:
    """An http URL where nothing listens: connections are refused at once."""
    return f"http://127.0.0.1:{free_port()}"


# ---------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def embedded_postgres():
    """The embedded pgserver the suite runs on, or None when TEST_DATABASE_URL names a server."""
    if os.environ.get("TEST_DATABASE_URL"):
        yield None
        return
    import pgserver

    # A short path: PostgreSQL's unix socket lives in the data folder (107-byte limit).
    base = Path(tempfile.mkdtemp(prefix="insight-pg-"))
    server = pgserver.get_server(base / "data", cleanup_mode="delete")
    yield server
    server.cleanup()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server_url(embedded_postgres) -> str:
    """A PostgreSQL server URL: TEST_DATABASE_URL if set, else the embedded server's."""
    return embedded_postgres.get_uri() if embedded_postgres else os.environ["TEST_DATABASE_URL"]


@pytest.fixture(scope="session")
def fresh_database(postgres_server_url: str) -> Callable[[str], str]:
    """Create an empty database with the given name; returns its SQLAlchemy URL."""

    def create(name: str) -> str:
        with psycopg.connect(postgres_server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        url = sa.engine.make_url(postgres_server_url).set(database=name)
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)

    return create


# ---------------------------------------------------------------- S3 (moto server)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    with moto_server() as (url, _process):
        yield url


@pytest.fixture(scope="session", autouse=True)
def aws_test_credentials() -> None:
    """Dummy credentials through the default chain, as the task role would provide."""
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-gov-west-1",
    )
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(name, None)


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    return create_bucket(s3_endpoint)


# ---------------------------------------------------------------- the app


@pytest.fixture(scope="session")
def test_settings(fresh_database, tmp_path_factory) -> Settings:
    return Settings(
        database_url=fresh_database("insight_test"),
        data_dir=tmp_path_factory.mktemp("instance"),
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        # As in production: a root-started app runs the sandbox under an account of its own.
        sandbox_user="nobody" if os.geteuid() == 0 else None,
        sandbox_timeout_s=10,  # the hostile suites wait it out for every runaway loop
        sweep_every_s=0,  # tests sweep when they mean to (tests/test_sweeps.py)
    )


@pytest.fixture(scope="session")
def session_app(test_settings: Settings) -> Iterator[Flask]:
    # Dash registers page callbacks once per process, so the suite shares one app.
    server = create_app(test_settings)
    upgrade_database(server)
    yield server
    stop_zygote(test_settings)


@pytest.fixture(scope="session")
def live_url(session_app) -> Iterator[str]:
    """The session's app served over real HTTP (browsers, and clients speaking the Dash protocol)."""
    port = free_port()
    server = make_server("127.0.0.1", port, session_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture
def app(session_app: Flask) -> Iterator[Flask]:
    """The app; every table is emptied after the test.

    No application context stays pushed here: requests made through the test client must
    each get their own, as in production (a shared one would share `g` between requests).
    """
    yield session_app
    wait_for_jobs(timeout=120)
    session_app.extensions["insight_jobs"].wait_idle(timeout=120)
    with session_app.app_context():
        tables = ", ".join(table.name for table in db.metadata.sorted_tables)
        db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()
    data_dir = session_app.extensions["insight_settings"].data_dir
    for folder in ("storage", "cache", "work", "uploads"):
        shutil.rmtree(data_dir / folder, ignore_errors=True)
    (data_dir / "storage").mkdir()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    """An application context for calling services directly."""
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(app: Flask) -> Callable[[str], User]:
    def make(username: str) -> User:
        with app.app_context():
            user = create_user(username, TEST_PASSWORD)
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return make


@pytest.fixture
def page(sign_in):
    """Render a page for a signed-in client; returns the callback response."""
    return render_page


@pytest.fixture
def sign_in() -> Callable[..., object]:
    """Sign `client` in through the real login form (CSRF token included)."""

    def sign(client: FlaskClient, username: str, password: str = TEST_PASSWORD):
        page = client.get("/login").get_data(as_text=True)
        match = CSRF_INPUT.search(page)
        assert match, "the login page has no CSRF token"
        return client.post(
            "/login", data={"username": username, "password": password, "csrf_token": match.group(1)}
        )

    return sign


@pytest.fixture
def upload(app_ctx) -> Callable[..., Dataset]:
    """upload(user, path, name=None): a copy of `path` handed to the service as the upload route
    does, processed; returns the dataset as the job left it."""

    def receive(user: User, path: Path, name: str | None = None) -> Dataset:
        copy = path.with_name(f"upload-{path.name}")
        shutil.copyfile(path, copy)
        dataset = ingest.receive_upload(user, name or path.name, copy)
        wait_for_jobs(timeout=120)
        db.session.expire_all()
        return db.session.get(Dataset, dataset.id)

    return receive


@pytest.fixture
def figure_answer(app) -> Callable[..., QueryLog]:
    """figure_answer(session, title, figure=None): a stored figure answer in that conversation
    (a bar chart titled `title` unless `figure` is given)."""
    import plotly.graph_objects as go

    def store(session, title: str, figure: dict | None = None) -> QueryLog:
        figure = figure if figure is not None else go.Figure(go.Bar(x=["U1", "U2"], y=[1, 2]),
                                                             layout={"title": {"text": title}}).to_plotly_json()
        entry = QueryLog(session_id=session.id, prompt=f"Plot {title}", status="success", result_kind="figure",
                         response_plot_json=figure, generated_code="fig = px.bar(df)",
                         explanation=f"Summed the values for each unit: {title}.")
        db.session.add(entry)
        db.session.commit()
        return entry

    return store


@pytest.fixture
def alice_dataset(app_ctx, make_user):
    """Alice and a dataset row of hers marked ready (no file behind it)."""
    alice = make_user("alice")
    dataset = Dataset(user_id=alice.id, name="sensors.csv", status="ready")
    db.session.add(dataset)
    db.session.commit()
    return alice, dataset


@pytest.fixture
def chat(alice_dataset):
    """Alice and a conversation on her (empty) ready dataset."""
    alice, dataset = alice_dataset
    return alice, create_session(alice, dataset.id)


# ---------------------------------------------------------------- Bedrock (a local fake endpoint)


@pytest.fixture
def bedrock():
    fake = FakeBedrock().start()
    yield fake
    fake.stop()


@pytest.fixture
def engine(app_ctx, bedrock, monkeypatch):
    """The app's settings pointed at the fake endpoint, with short timeouts for the fault cases."""
    settings = dataclasses.replace(app_ctx.extensions["insight_settings"], llm_model=GOVCLOUD_MODEL,
                                   llm_region="us-gov-east-1", llm_endpoint_url=bedrock.url,
                                   llm_timeout_s=2, llm_max_retries=2)
    monkeypatch.setitem(app_ctx.extensions, "insight_settings", settings)
    monkeypatch.setattr("insight_dash.services.llm.random.uniform", lambda low, high: 0.01)  # fast backoff
    return settings


# ---------------------------------------------------------------- background-callback managers


@pytest.fixture
def managers():
    """Managers made here are forgotten afterwards (Dash registers callbacks in every manager)."""
    made = []
    yield made.append
    for manager in made:
        BaseBackgroundCallbackManager.managers.remove(manager)


HELD = "the-test-holds-the-only-place"


@pytest.fixture
def one_job_place(session_app, monkeypatch):
    """This host's line with one place, taken by the test until it calls the returned release."""
    line = session_app.extensions["insight_jobs"].queue
    monkeypatch.setattr(line, "limit", 1)
    line.enqueue(HELD)
    assert line.take_turn(HELD).started
    yield lambda: line.finish(HELD)
    line.finish(HELD)


# ---------------------------------------------------------------- app processes beside the suite's app


@pytest.fixture
def app_processes(tmp_path: Path) -> Iterator[Processes]:
    """Separate app processes, Celery workers and Redis servers, stopped when the test ends (for
    another job manager or several processes on one database: Dash registers page callbacks
    once per process, so a second app config is a second process)."""
    processes = Processes(tmp_path / "logs")
    yield processes
    processes.stop_all()


@pytest.fixture
def shared_database(fresh_database) -> Iterator[Callable[..., SharedDatabase]]:
    """shared_database(name, *usernames): a fresh, migrated database with these accounts."""
    opened: list[SharedDatabase] = []

    def make(name: str, *usernames: str) -> SharedDatabase:
        opened.append(SharedDatabase(fresh_database(name), *usernames))
        return opened[-1]

    yield make
    for database in opened:
        database.close()
