"""The app as people start it: `python -m insight_dash` with nothing configured, and
Gunicorn with production settings. Each runs in its own process, over real HTTP."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from tests.harness.deployment import healthcheck_command
from tests.harness.servers import free_port

ROOT = Path(__file__).resolve().parent.parent


def wait_until_serving(process: subprocess.Popen, url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the app exited early:\n{process.stdout.read()}")
        try:
            requests.get(url, timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or workers booting
            time.sleep(0.25)
    raise AssertionError("the app did not start in time")


@pytest.fixture
def stop_on_exit():
    processes = []
    yield processes.append
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def test_starts_with_no_configuration_at_all(tmp_path, stop_on_exit):
    port = free_port()
    # Only what any shell has: no DATABASE_URL, no storage, no secret, no LLM settings.
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "insight_dash", "--port", str(port)], cwd=tmp_path,
                               env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    stop_on_exit(process)
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(process, base + "/healthz")

    ready = requests.get(base + "/readyz", timeout=5)
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "storage": "ok", "sandbox": "ok", "llm": "offline"}
    home = requests.get(base + "/", allow_redirects=False, timeout=5)
    assert home.status_code == 302 and home.headers["Location"].startswith("/login")
    assert "Sign in" in requests.get(base + "/login", timeout=5).text
    assert (tmp_path / "instance" / "pgdata" / "PG_VERSION").exists()
    assert (tmp_path / "instance" / "storage").is_dir()

    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=60)[0]
    assert process.returncode == 0
    assert "flask --app wsgi users create" in output  # the hint for the first account
    # The embedded server stopped with the app: nothing left running on its data folder.
    assert not (tmp_path / "instance" / "pgdata" / "postmaster.pid").exists()


def test_gunicorn_with_production_settings(fresh_database, tmp_path, stop_on_exit):
    port = free_port()
    env = {
        **os.environ,
        "INSIGHT_ENV": "production",
        "SECRET_KEY": "production-secret-" + "x" * 32,
        "DATABASE_URL": fresh_database("insight_production"),
        "INSIGHT_DATA_DIR": str(tmp_path / "data"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
    }
    migrate = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=120)
    assert migrate.returncode == 0, migrate.stderr
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:server"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    stop_on_exit(process)
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(process, base + "/healthz")

    # The ALB health check speaks plain HTTP; everything else is sent to HTTPS.
    assert requests.get(base + "/healthz", timeout=5).status_code == 200
    # The image's HEALTHCHECK (and the task definition's), run as Docker runs it, on this port.
    python, *arguments = [part.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for part in healthcheck_command()]
    assert python == "python"
    assert subprocess.run([sys.executable, *arguments], env=env, timeout=30).returncode == 0
    plain = requests.get(base + "/login", allow_redirects=False, timeout=5)
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
    # Behind the ALB (X-Forwarded-Proto: https) pages are served with HSTS and secure cookies.
    secure = requests.get(base + "/login", headers={"X-Forwarded-Proto": "https"}, timeout=5)
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Secure" in secure.headers["Set-Cookie"]

    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=60)[0]
    access = [json.loads(line) for line in output.splitlines() if '"insight.access"' in line]
    assert {"request_id", "path", "status", "latency_ms"} <= set(access[-1])
