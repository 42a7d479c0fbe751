"""Processes Insight is tested and measured against, each stopped when its owner is done:

- `GunicornServer`: `gunicorn -c gunicorn.conf.py wsgi:server` as production runs it, with an
  embedded PostgreSQL the harness holds (benchmarks, fault tests);
- `Processes`, `Deployment`: several app processes, a Celery worker and Redis sharing one
  database (`database.SharedDatabase`) and bucket, each logging to a file (tests/conftest.py's
  `app_processes` fixture);
- `moto_server`, `create_bucket`: a real S3 API over HTTP.

GunicornServer. It runs in its own process group (`start_new_session`), with the environment
overridden: `INSIGHT_DATA_DIR` in a fresh temporary folder, `GUNICORN_BIND` on a free loopback
port, `GUNICORN_WORKERS/THREADS/TIMEOUT`, a `SECRET_KEY`, and `DATABASE_URL`.

Database. With no `database_url`, the harness starts one embedded PostgreSQL itself (pgserver,
the same server the app would start, in `<data_dir>/pgdata`), migrates it with
`flask --app wsgi db upgrade` and hands its URL to every worker. Letting each worker start the
embedded server itself (what `./scripts/serve.sh` does with one process) is fragile under
Gunicorn: every worker calls `pgserver.get_server`, which reference-counts handles by pid in
`pgdata/.handle_pids.json` and stops PostgreSQL from the `atexit` of the *last* registered pid.
A worker that is SIGKILLed (a fault test, the OOM killer) never unregisters, so its stale pid
keeps the count above zero and PostgreSQL outlives Gunicorn. Pass `database_url=` to use an
existing server (it is migrated unless `migrate=False`).

`SECRET_KEY` is set by the harness (random per server) because the development fallback
(`Settings.with_dev_secret`) writes `<data_dir>/secret_key` with a check-then-write that is not
atomic: workers booting together on a fresh folder can end up with different keys.

Process model: `master_pid` is Gunicorn's arbiter; `worker_pids()` are its children in its
process group; `job_pids()` are Dash background-callback jobs (forked from a worker);
`sandbox_pids()` is the analysis zygote (started by the master's `when_ready` in a session of
its own, as `nobody` when started as root) and its forked supervisors and runners. `log_text()`
returns everything the master, the workers and their jobs wrote.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
START_TIMEOUT = 180  # each app process imports pandas, PandasAI and litellm: seconds each on 2 cores
READY_LINE = "Insight ready"  # logged at the end of create_app, once per process that built the app
# Variables the harness decides; inherited values would make runs depend on the caller's shell.
_OWNED_PREFIXES = ("INSIGHT_", "GUNICORN_")
_OWNED_NAMES = {"DATABASE_URL", "SECRET_KEY", "FLASK_APP"}


def python_executable() -> str:
    """The project's interpreter (.venv built from /usr/bin/python3.11; the sandbox user can run it)."""
    return str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable


class ServerStartError(RuntimeError):
    pass


# --------------------------------------------------------------------------------------
# PostgreSQL held by the harness


class EmbeddedPostgres:
    """One pgserver PostgreSQL in `pgdata`, owned by this process (stopped by `stop()`).

    The same server `insight_dash.database.start_embedded_postgres` starts, without importing
    the app into the harness (and with an explicit stop instead of an atexit)."""

    def __init__(self, pgdata: Path):
        self.pgdata = Path(pgdata)
        self._server = None
        self.url: str | None = None

    def start(self) -> str:
        import warnings

        with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set" (pgserver's lock)
            warnings.simplefilter("ignore")
            import pgserver

        if len(str(self.pgdata)) > 90:  # the unix socket lives in pgdata (107-byte limit)
            raise ServerStartError(f"{self.pgdata} is too long for PostgreSQL's socket path")
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._server = pgserver.get_server(self.pgdata, cleanup_mode="stop")
        self.url = self._server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


# --------------------------------------------------------------------------------------
# Gunicorn


class GunicornServer:
    """`gunicorn -c gunicorn.conf.py wsgi:server` in its own process group; a context manager.

    Arguments (all optional):
      workers, threads, timeout  -> GUNICORN_WORKERS / GUNICORN_THREADS / GUNICORN_TIMEOUT
      graceful_timeout           -> GUNICORN_GRACEFUL_TIMEOUT (also bounds how long stop() waits)
      database_url               an existing PostgreSQL; default: one embedded server the harness
                                 starts and stops (see the module docstring)
      migrate                    run `flask db upgrade` before starting
      data_dir                   INSIGHT_DATA_DIR; default: a new folder under /tmp, removed on exit
      env                        more variables, applied last (e.g. {"INSIGHT_LOG_LEVEL": "WARNING"})
      startup_timeout            seconds to wait for /healthz (and for every worker to build the app)
      wait_for_all_workers       also wait until each initial worker has logged "Insight ready"
      keep_data_dir              leave the data folder (and the log) behind on exit
      app_root                   the checkout whose app runs (default this one; benchmarks/load.py
                                 --reference runs an earlier commit's, from a `git worktree`)
    """

    def __init__(self, *, workers: int = 4, threads: int = 4, timeout: int = 120,
                 graceful_timeout: int | None = None, database_url: str | None = None,
                 migrate: bool = True, data_dir: str | Path | None = None,
                 env: Mapping[str, str] | None = None, startup_timeout: float = 180.0,
                 wait_for_all_workers: bool = True, keep_data_dir: bool = False, app_root: Path = REPO_ROOT):
        self.workers, self.threads, self.timeout = workers, threads, timeout
        self.app_root = app_root
        self.graceful_timeout = graceful_timeout
        self.migrate = migrate
        self.startup_timeout = startup_timeout
        self.wait_for_all_workers = wait_for_all_workers
        self.keep_data_dir = keep_data_dir or data_dir is not None
        self._given_data_dir = Path(data_dir) if data_dir is not None else None
        self._extra_env = dict(env or {})
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir: Path | None = None
        self.log_path: Path | None = None
        self.env: dict[str, str] = {}
        self.process: subprocess.Popen | None = None
        self._postgres: EmbeddedPostgres | None = None
        self._log_file = None
        self._zygotes: set[int] = set()
        self._log_offset = 0

    # ---- lifecycle

    def __enter__(self) -> "GunicornServer":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def start(self) -> None:
        # Short paths: PostgreSQL's socket and the sandbox's socket folder both have length limits.
        self.data_dir = self._given_data_dir or Path(tempfile.mkdtemp(prefix="insight-bench-", dir="/tmp"))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o755)  # pgserver runs postgres as its own user when we are root
        self.log_path = self.data_dir / "gunicorn.log"
        if self.database_url is None:
            self._postgres = EmbeddedPostgres(self.data_dir / "pgdata")
            self.database_url = self._postgres.start()
        self.env = self._environment()
        if self.migrate:
            self.flask("db", "upgrade", check=True, timeout=300)
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        self._log_file = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [python_executable(), "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:server"],
            cwd=self.app_root, env=self.env, stdin=subprocess.DEVNULL, stdout=self._log_file,
            stderr=subprocess.STDOUT, start_new_session=True,  # its own session and process group
        )
        self._wait_until_serving()

    def stop(self) -> None:
        """SIGTERM the master (graceful: its on_exit stops the zygote), then SIGKILL whatever is
        left of its process group, reap the master, stop a stray zygote and the harness's database."""
        process, self.process = self.process, None
        if process is not None:
            self._remember_zygotes()
            grace = (self.graceful_timeout or 30) + 10
            if process.poll() is None:
                try:
                    process.send_signal(signal.SIGTERM)
                    process.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    pass
            _kill_group(process.pid)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            for pid in self._zygotes:
                _stop_zygote(pid)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self._postgres is not None:
            self._postgres.stop()
            self._postgres = None
        if self.data_dir is not None and not self.keep_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(_OWNED_PREFIXES) and k not in _OWNED_NAMES}
        env.update({
            "INSIGHT_DATA_DIR": str(self.data_dir),
            "SECRET_KEY": secrets.token_hex(32),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(self.workers),
            "GUNICORN_THREADS": str(self.threads),
            "GUNICORN_TIMEOUT": str(self.timeout),
            "PYTHONUNBUFFERED": "1",
        })
        if self.graceful_timeout is not None:
            env["GUNICORN_GRACEFUL_TIMEOUT"] = str(self.graceful_timeout)
        if self.database_url is not None:
            env["DATABASE_URL"] = self.database_url
        env.update(self._extra_env)
        return env

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self.process.poll() is not None:
                raise ServerStartError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(self.url + "/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise ServerStartError(f"/healthz did not answer 200 in {self.startup_timeout:.0f} s:\n"
                                       f"{self.log_tail()}")
            time.sleep(0.25)
        # /healthz answers as soon as one worker has built the app; the others may still be
        # importing. Each process that finishes create_app logs READY_LINE once.
        while self.wait_for_all_workers and self.log_text().count(READY_LINE) < self.workers:
            if time.monotonic() > deadline:
                raise ServerStartError(f"only {self.log_text().count(READY_LINE)} of {self.workers} workers "
                                       f"built the app in {self.startup_timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.25)
        self._remember_zygotes()

    # ---- the app's CLI

    def flask(self, *args: str, check: bool = False, timeout: float = 120, input: str | None = None
              ) -> subprocess.CompletedProcess:
        """Run `flask --app wsgi ARGS...` with this server's environment (no zygote of its own)."""
        env = {**(self.env or self._environment()), "INSIGHT_SANDBOX_AUTOSTART": "false"}
        result = subprocess.run([python_executable(), "-m", "flask", "--app", "wsgi", *args], cwd=self.app_root,
                                env=env, input=input, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        return result

    def create_user(self, username: str, password: str) -> None:
        """`flask --app wsgi users create USERNAME --password PASSWORD` (README, "Accounts")."""
        self.flask("users", "create", username, "--password", password, check=True)

    def create_users(self, accounts: Iterable[tuple[str, str]]) -> None:
        """Many accounts in one process (the CLI pays the app's imports, seconds, per call):
        the same service call `users create` makes, inside the app's context."""
        script = (
            "import json, sys\n"
            "from insight_dash.app import create_app\n"
            "from insight_dash.services.users import create_user\n"
            "app = create_app()\n"
            "with app.app_context():\n"
            "    for name, password in json.load(sys.stdin):\n"
            "        create_user(name, password)\n"
        )
        env = {**self.env, "INSIGHT_SANDBOX_AUTOSTART": "false"}
        result = subprocess.run([python_executable(), "-c", script], cwd=self.app_root, env=env,
                                input=json.dumps(list(accounts)), capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError(f"creating users failed:\n{result.stdout}{result.stderr}")

    # ---- processes and memory

    @property
    def master_pid(self) -> int:
        if self.process is None:
            raise RuntimeError("the server is not running")
        return self.process.pid

    def _master(self) -> psutil.Process:
        return psutil.Process(self.master_pid)

    def worker_pids(self) -> list[int]:
        """Gunicorn's workers: the master's children in its process group (the zygote has its own)."""
        pids = []
        for child in _children(self._master()):
            try:
                if os.getpgid(child.pid) == self.master_pid:
                    pids.append(child.pid)
            except ProcessLookupError:
                continue
        return sorted(pids)

    def job_pids(self) -> dict[int, list[int]]:
        """Background-callback jobs (and anything else forked) under each worker: {worker: [pids]}."""
        jobs = {}
        for pid in self.worker_pids():
            try:
                jobs[pid] = sorted(p.pid for p in psutil.Process(pid).children(recursive=True))
            except psutil.NoSuchProcess:
                continue
        return jobs

    def zygote_pid(self) -> int | None:
        """The sandbox zygote this server's master started (or its latest restart)."""
        self._remember_zygotes()
        alive = [pid for pid in self._zygotes if psutil.pid_exists(pid)]
        return max(alive) if alive else None

    def sandbox_pids(self) -> list[int]:
        """The zygote and its descendants (per-query supervisors and runners)."""
        zygote = self.zygote_pid()
        if zygote is None:
            return []
        try:
            return [zygote, *sorted(p.pid for p in psutil.Process(zygote).children(recursive=True))]
        except psutil.NoSuchProcess:
            return []

    @property
    def sandbox_socket(self) -> Path | None:
        """The zygote's socket, computed as insight_dash.sandbox.client.socket_path does."""
        if self.data_dir is None:
            return None
        digest = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"insight-sandbox-{digest}" / "sandbox.sock"

    def _remember_zygotes(self) -> None:
        """Zygotes are recognised by their command line naming this data folder's socket. The
        master's is its child; one restarted after a crash is started by a worker or by a
        background job (then re-parented to init), so when none is under the master, look everywhere."""
        socket_path = self.sandbox_socket
        if socket_path is None:
            return
        wanted = str(socket_path)

        def is_ours(proc: psutil.Process) -> bool:
            try:
                cmdline = proc.cmdline()
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                return False
            return "insight_dash.sandbox.zygote" in cmdline and cmdline[-1] == wanted

        tree: list[psutil.Process] = []
        if self.process is not None:
            try:
                tree = [self._master(), *self._master().children(recursive=True)]
            except psutil.NoSuchProcess:
                tree = []
        found = [proc.pid for proc in tree if is_ours(proc)]
        if not found:
            found = [proc.pid for proc in psutil.process_iter() if is_ours(proc)]
        self._zygotes.update(found)

    # ---- logs

    def log_text(self) -> str:
        """What this server wrote since it started (a reused data folder keeps older runs' lines)."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        with open(self.log_path, "rb") as handle:
            handle.seek(self._log_offset)
            return handle.read().decode(errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


def rss_of(pids: Iterable[int]) -> dict[int, int]:
    sizes = {}
    for pid in pids:
        try:
            sizes[pid] = psutil.Process(pid).memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return sizes


def _children(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return proc.children()
    except psutil.NoSuchProcess:
        return []


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _stop_zygote(pid: int) -> None:
    """The zygote leads its own session: stop it and whatever it forked, and drop its socket folder."""
    try:
        proc = psutil.Process(pid)
        socket_dir = Path(proc.cmdline()[-1]).parent
    except (psutil.NoSuchProcess, psutil.ZombieProcess, IndexError):
        return
    try:
        os.killpg(pid, signal.SIGTERM)
        proc.wait(timeout=5)
    except (ProcessLookupError, psutil.TimeoutExpired, psutil.NoSuchProcess):
        pass
    _kill_group(pid)
    if socket_dir.name.startswith("insight-sandbox-"):
        shutil.rmtree(socket_dir, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------------------
# App processes side by side


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
            "PYTHONPATH": str(REPO_ROOT),
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


class Processes:
    """Starts processes with their output in log files, and stops them at the end."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.running: dict[str, subprocess.Popen] = {}
        self.pending_checks: list[tuple[str, Callable[[], bool]]] = []

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        with open(self.folder / f"{name}.log", "wb") as log:
            process = subprocess.Popen(args, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
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


# --------------------------------------------------------------------------------------
# S3


@contextlib.contextmanager
def moto_server() -> Iterator[tuple[str, subprocess.Popen]]:
    """A moto S3 server in its own process, spoken to over HTTP like the real thing:
    (its URL, the process)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(url, timeout=1)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("moto server did not start")
            time.sleep(0.1)
    try:
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def create_bucket(endpoint: str) -> str:
    import boto3

    name = f"insight-test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-gov-west-1").create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "us-gov-west-1"}
    )
    return name
