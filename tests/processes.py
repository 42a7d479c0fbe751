"""Insight as separate processes over real HTTP, with Redis and a Celery worker when asked.

For tests that need more than the suite's in-process app: another background-job manager
(Dash registers page callbacks once per process, so a second app config is a second process),
or several app processes sharing one database. Each process logs to a file under the test's
folder, and every process started here is stopped when the test ends.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from insight_dash.database import MIGRATIONS_DIR, upgrade_database
from insight_dash.extensions import db, migrate
from insight_dash.models import Dataset
from insight_dash.services.users import create_user
from tests.support import TEST_PASSWORD, call_callback, free_port, render_page

ROOT = Path(__file__).resolve().parent.parent
DASH_CONFIG = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)
START_TIMEOUT = 180  # each process imports pandas, PandasAI and litellm: seconds each on 2 cores


@pytest.fixture
def app_processes(tmp_path: Path) -> Iterator[Processes]:
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


@dataclass(frozen=True)
class Deployment:
    """What every process of one deployment shares: the database, the S3 bucket, the secret key
    (it signs sessions and Dash job handles) and the background-job settings. Each process
    has a data folder of its own, so diskcache job folders and sandboxes are never shared."""

    database_url: str
    s3_endpoint: str
    s3_bucket: str
    jobs: str = "diskcache"
    redis_url: str | None = None
    secret_key: str = "every-process-of-a-deployment-shares-this-secret"

    def env(self, data_dir: Path, **extra: str) -> dict[str, str]:
        inherited = {name: value for name, value in os.environ.items()
                     if not name.startswith("INSIGHT_") and name not in ("DATABASE_URL", "SECRET_KEY")}
        env = {
            **inherited,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": self.secret_key,
            "INSIGHT_DATA_DIR": str(data_dir),
            "INSIGHT_STORAGE": "s3",
            "INSIGHT_S3_BUCKET": self.s3_bucket,
            "INSIGHT_S3_ENDPOINT_URL": self.s3_endpoint,
            "INSIGHT_S3_REGION": "us-gov-west-1",
            "INSIGHT_JOBS": self.jobs,
        }
        if self.redis_url:
            env["INSIGHT_REDIS_URL"] = self.redis_url
        return {**env, **extra}


class SharedDatabase:
    """The database the app processes share, migrated and read by the test through the models
    (a bare Flask app: no Dash, which registers its pages once per process)."""

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


class Processes:
    """Starts processes with their output in log files, and stops them at the end."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.running: dict[str, subprocess.Popen] = {}
        self.pending_checks: list[tuple[str, Callable[[], bool]]] = []

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        with open(self.folder / f"{name}.log", "wb") as log:
            process = subprocess.Popen(args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.running[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def serve(self, name: str, env: dict[str, str]) -> str:
        """Start `python -m insight_dash` on a free port; returns its base URL (see wait_ready)."""
        base_url = f"http://127.0.0.1:{free_port()}"
        self.start(name, [sys.executable, "-m", "insight_dash", "--port", base_url.rsplit(":", 1)[1]], env)
        self.pending_checks.append((name, lambda: _answers(base_url + "/healthz")))
        return base_url

    def celery_worker(self, env: dict[str, str]) -> None:
        """The README's worker command (one pool process is enough here; see wait_ready)."""
        self.start("worker", [sys.executable, "-m", "celery", "-A", "insight_dash.jobs.celery_worker", "worker",
                              "--concurrency", "1", "--loglevel", "INFO", "--without-mingle", "--without-gossip"], env)
        self.pending_checks.append(("worker", lambda: " ready." in self.log("worker")))

    def redis(self) -> str:
        """A Redis server of this test's own on a free loopback port, nothing saved to disk."""
        folder = self.folder / "redis"
        folder.mkdir()
        port = free_port()
        self.start("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(folder)])
        url = f"redis://127.0.0.1:{port}/0"
        self.wait_until(lambda: _pings(url), "redis-server to answer", timeout=30)
        return url

    def wait_ready(self) -> None:
        """Wait for everything started with serve() or celery_worker() (they start side by side)."""
        for name, check in self.pending_checks:
            self.wait_until(check, f"{name} to start", START_TIMEOUT)
        self.pending_checks.clear()

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            for name, process in self.running.items():
                if process.poll() is not None:
                    raise AssertionError(f"{name} exited ({process.returncode}) while waiting for {what}:\n"
                                         f"{self.log(name)[-4000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.2)

    def stop_all(self) -> None:
        """Apps and workers together (each takes seconds to exit), then Redis, which a worker
        shutting down still talks to."""
        apps = [process for name, process in self.running.items() if name != "redis"]
        _stop(apps)
        _stop([process for name, process in self.running.items() if name == "redis"])
        self.running.clear()


class Browser:
    """One person's browser on one app process, over real HTTP.

    It offers the part of Flask's test client that tests.support's helpers use (get, post,
    get_cookie), so render_page and call_callback post to a real server as the renderer does,
    including the page load's signed `endId` that background-callback handles are bound to.
    """

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = requests.Session()
        self.end_id: str | None = None

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return _flask_like(self.http.get(self.base_url + path, timeout=60, **kwargs))

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        if path == "/_dash-update-component" and self.end_id:
            kwargs["params"] = {"endId": self.end_id, **kwargs.get("params", {})}
        return _flask_like(self.http.post(self.base_url + path, timeout=60, **kwargs))

    def get_cookie(self, name: str) -> Any:
        value = self.http.cookies.get(name)
        return None if value is None else _Cookie(value)

    def csrf_header(self) -> dict[str, str]:
        return {"X-CSRFToken": self.get_cookie("_csrf_token").value}

    def open(self, pathname: str) -> dict:
        """Load a page: its HTML (the CSRF cookie and the Dash config with this load's endId),
        then its content through the Pages routing callback. Returns the callback's response."""
        page = self.get(pathname)
        assert page.status_code == 200, page.text[:500]
        self.end_id = json.loads(DASH_CONFIG.search(page.text).group(1))["end_id"]
        routed = render_page(self, pathname)
        assert routed.status_code == 200, routed.text[:500]
        return routed.json()["response"]

    def upload(self, path: Path) -> str:
        with open(path, "rb") as file:
            response = self.post("/upload", files={"file": (path.name, file)}, headers=self.csrf_header())
        assert response.status_code == 201, response.text
        return response.json()["dataset_id"]

    def start_background(self, inputs: list[tuple[str, str, object]]) -> requests.Response:
        """The first POST of a background callback: the server queues the job and returns its
        signed handles (cacheKey and job) instead of outputs."""
        started = call_callback(self, inputs=inputs)
        assert started.status_code == 200, started.text[:500]
        assert {"cacheKey", "job"} <= set(started.json()), started.text[:500]
        return started

    def finish_background(self, started: requests.Response, timeout: float = 120) -> dict:
        """Poll as the renderer does (same body with the values blanked, the handles in the
        query string) until the job's outputs come back."""
        handles = started.json()
        body = json.loads(started.request.body)
        for item in body["inputs"] + body.get("state", []):
            item["value"] = None
        params = {"cacheKey": handles["cacheKey"], "job": handles["job"]}
        deadline = time.monotonic() + timeout
        while True:
            reply = self.post("/_dash-update-component", json=body, params=params, headers=self.csrf_header())
            assert reply.status_code == 200, f"{reply.status_code}: {reply.text[:500]}"
            if "response" in reply.json():
                return reply.json()["response"]
            assert time.monotonic() < deadline, "the background callback did not finish in time"
            time.sleep(0.5)


class _Cookie:
    def __init__(self, value: str):
        self.value = value


def _flask_like(response: requests.Response) -> requests.Response:
    """Give a requests response the two readers of Flask's test responses that tests use."""
    response.get_json = response.json
    response.get_data = lambda as_text=False: response.text if as_text else response.content
    return response


def open_workspace(browser: Browser, database: SharedDatabase, csv: Path, processes: Processes) -> tuple[str, str]:
    """Upload `csv` through the browser, wait until it is ready, open its workspace; returns
    the dataset id and the id of the conversation the page shows."""
    dataset_id = browser.upload(csv)
    processes.wait_until(lambda: database.get(Dataset, uuid.UUID(dataset_id)).status in ("ready", "error"),
                         "the upload to be processed")
    dataset = database.get(Dataset, uuid.UUID(dataset_id))
    assert dataset.status == "ready", dataset.error_message
    session_id = find_prop(browser.open(f"/datasets/{dataset_id}"), "session-select", "value")
    return dataset_id, session_id


def ask(browser: Browser, dataset_id: str, session_id: str, question: str) -> int:
    """Click Ask (the question is stored as running); returns the pending query's id."""
    response = call_callback(browser, inputs=[("ask-button", "n_clicks", 1)],
                             state=[("question-input", "value", question), ("dataset-id", "data", dataset_id),
                                    ("session-select", "value", session_id), ("follow-up-of", "data", None)])
    assert response.status_code == 200, response.text[:500]
    return response.json()["response"]["pending-query"]["data"]["query_id"]


def find_prop(tree: Any, component_id: str, prop: str) -> Any:
    """A property of the component with this id, anywhere in a rendered layout."""
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict) and props.get("id") == component_id and prop in props:
            return props[prop]
        children = tree.values()
    elif isinstance(tree, list):
        children = tree
    else:
        return None
    for child in children:
        found = find_prop(child, component_id, prop)
        if found is not None:
            return found
    return None


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # it and whatever it started
            process.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=5)
        return True
    except (requests.ConnectionError, requests.Timeout):
        return False


def _pings(redis_url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(redis_url, socket_timeout=1).ping())
    except redis.ConnectionError:
        return False
