"""Serve Insight the way production does (Gunicorn) and drive it the way the browser does.

A small harness for benchmarks and fault tests; it asserts nothing.

    from benchmarks.serving import GunicornServer, SignedInClient

    with GunicornServer(workers=2, threads=2) as server:       # waits for GET /healthz == 200
        server.create_user("alice", "correct-horse-battery")
        client = SignedInClient(server.url, "alice", "correct-horse-battery")   # real /login form
        dataset_id = client.upload("sensors.csv")                # real POST /upload, as upload.js sends it
        client.load_document(f"/datasets/{dataset_id}")        # the HTML page: CSRF cookie, endId
        page = client.render_page(f"/datasets/{dataset_id}")   # the Dash Pages routing callback
        rows = client.callback(inputs=[("preview-grid", "getRowsRequest", {"startRow": 0, "endRow": 200,
                                                                           "sortModel": [], "filterModel": {}})],
                               state=[("dataset-id", "data", dataset_id), ("table-select", "value", "sensors")])
        print(server.worker_pids(), rss_of(server.worker_pids()), server.sandbox_pids())
    # on exit: SIGTERM to the master, then SIGKILL to its whole process group, reaped; the
    # sandbox zygote (its own session) and the harness's PostgreSQL are stopped too.

`GunicornServer` runs `gunicorn -c gunicorn.conf.py wsgi:server` from the repository root, in its
own process group (`start_new_session`), with the environment overridden: `INSIGHT_DATA_DIR` in a
fresh temporary folder, `GUNICORN_BIND` on a free loopback port, `GUNICORN_WORKERS/THREADS/
TIMEOUT`, a `SECRET_KEY`, and `DATABASE_URL`.

Database. With no `database_url`, the harness starts one embedded PostgreSQL itself (pgserver,
the same server the app would start, in `<data_dir>/pgdata`), migrates it with
`flask --app wsgi db upgrade` and hands its URL to every worker. Letting each worker start the
embedded server itself (what `./scripts/serve.sh` does with one process) is fragile under
Gunicorn: every worker calls `pgserver.get_server`, which reference-counts handles by pid in
`pgdata/.handle_pids.json` and stops PostgreSQL from the `atexit` of the *last* registered pid.
A worker that is SIGKILLed (a fault test, the OOM killer) never unregisters, so its stale pid
keeps the count above zero and PostgreSQL outlives Gunicorn (checked: 2 workers, one SIGKILLed,
SIGTERM to the master -> postmaster still running, `.handle_pids.json` = [the dead pid]).
Pass `database_url=` to use an existing server (it is migrated unless `migrate=False`).

`SECRET_KEY` is set by the harness (random per server) because the development fallback
(`Settings.with_dev_secret`) writes `<data_dir>/secret_key` with a check-then-write that is not
atomic: workers booting together on a fresh folder can end up with different keys (a session or
CSRF token made by one worker is then refused by another).

Process model, useful for fault tests: `master_pid` is Gunicorn's arbiter; `worker_pids()` are its
children in its process group; `job_pids()` are Dash background-callback jobs (processes forked
from a worker by the DiskcacheManager); `sandbox_pids()` is the analysis zygote (started by the
master's `when_ready` with `start_new_session`, so it is a child of the master but *not* in its
process group, and it runs as `nobody` when started as root) and its forked supervisors/runners.
`log_text()` returns everything the master, the workers and their jobs wrote (stdout and stderr
go to `<data_dir>/gunicorn.log`), e.g. to look for `WORKER TIMEOUT`.

`SignedInClient` is a `requests.Session` that signs in through the real form (CSRF token from
the page), keeps the `_csrf_token` cookie the app sets on every HTML page and sends it as
`X-CSRFToken` on POSTs (as the Dash renderer and assets/upload.js do), echoes the page load's
signed `endId` on every callback POST like the renderer, and drives background callbacks with
the renderer's protocol (see `SignedInClient.background_callback`).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import requests

from tests.support import CSRF_INPUT, free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
DASH_CONFIG = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)
DASH_CSRF_COOKIE = "_csrf_token"
UPDATE_PATH = "/_dash-update-component"
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
    """

    def __init__(self, *, workers: int = 4, threads: int = 4, timeout: int = 120,
                 graceful_timeout: int | None = None, database_url: str | None = None,
                 migrate: bool = True, data_dir: str | Path | None = None,
                 env: Mapping[str, str] | None = None, startup_timeout: float = 180.0,
                 wait_for_all_workers: bool = True, keep_data_dir: bool = False):
        self.workers, self.threads, self.timeout = workers, threads, timeout
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
            cwd=REPO_ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=self._log_file,
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
        result = subprocess.run([python_executable(), "-m", "flask", "--app", "wsgi", *args], cwd=REPO_ROOT,
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
        result = subprocess.run([python_executable(), "-c", script], cwd=REPO_ROOT, env=env,
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


# --------------------------------------------------------------------------------------
# A signed-in browser, over HTTP


class DashError(RuntimeError):
    """A callback answered with an error: a non-200/204 status, or the app's error toast."""

    def __init__(self, message: str, status: int | None = None, body: Any = None):
        super().__init__(message)
        self.status, self.body = status, body


@dataclass
class CallbackResult:
    status: int  # 200, or 204 (PreventUpdate: nothing to update)
    body: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    polls: int = 0  # background callbacks: how many polls after the start
    job: str | None = None  # background callbacks: the signed job handle ("<pid>~<signature>")

    @property
    def job_pid(self) -> int | None:
        return int(self.job.split("~", 1)[0]) if self.job and self.job.split("~", 1)[0].isdigit() else None

    def output(self, component_id: str, prop: str) -> Any:
        """The value sent for one output (allow_duplicate's '@hash' suffix is not part of `prop`)."""
        return self.body.get("response", {}).get(component_id, {}).get(prop)

    @property
    def toast(self) -> str | None:
        """The message of the app's error toast (on_error -> set_props), if the callback raised."""
        side = self.body.get("sideUpdate") or {}
        toast = side.get("app-toast") or {}
        return toast.get("children") if toast.get("is_open") else None


class SignedInClient(requests.Session):
    """A browser, as far as the server can tell: cookies, the sign-in form, CSRF, Dash callbacks."""

    def __init__(self, base_url: str, username: str | None = None, password: str | None = None,
                 timeout: float = 130.0, observer: Callable[[str, str, int | None, float], None] | None = None):
        """`observer(method, path, status, seconds)` is called after every HTTP exchange (status
        None when no response came: connection refused or reset, timeout); `timeout` per request
        (default just above Gunicorn's 120 s worker timeout)."""
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.observer = observer
        self.end_id: str | None = None  # the renderer's per-page-load token (dash config "end_id")
        self._dependencies: list[dict[str, Any]] | None = None
        if username is not None:
            self.login(username, password)

    # ---- plain HTTP

    def request(self, method, url, *args, **kwargs):  # noqa: D401 (requests' signature)
        if url.startswith("/"):
            url = self.base_url + url
        kwargs.setdefault("timeout", self.timeout)
        started = time.perf_counter()
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.RequestException:
            if self.observer is not None:
                self.observer(method, urlpath(url), None, time.perf_counter() - started)
            raise
        if self.observer is not None:
            self.observer(method, urlpath(url), response.status_code, time.perf_counter() - started)
        return response

    @property
    def csrf_token(self) -> str:
        token = self.cookies.get(DASH_CSRF_COOKIE)
        if not token:
            raise DashError("no _csrf_token cookie yet: open an HTML page first")
        return token

    def login(self, username: str, password: str) -> requests.Response:
        """GET /login, then POST the form with its hidden csrf_token; lands on the home page."""
        form = self.get("/login")
        match = CSRF_INPUT.search(form.text)
        if form.status_code != 200 or match is None:
            raise DashError(f"the sign-in form did not load (HTTP {form.status_code})", form.status_code)
        landed = self.post("/login", data={"csrf_token": match.group(1), "username": username,
                                           "password": password})
        if landed.status_code != 200 or urlpath(landed.url).startswith("/login"):
            raise DashError(f"sign-in as {username!r} failed (HTTP {landed.status_code} at {landed.url})",
                            landed.status_code)
        self._remember_page(landed)
        return landed

    def load_document(self, path: str) -> requests.Response:
        """GET an HTML page as the browser's navigation does: refreshes the CSRF cookie and endId."""
        response = self.get(path)
        if response.status_code != 200:
            raise DashError(f"GET {path}: HTTP {response.status_code}", response.status_code)
        self._remember_page(response)
        return response

    def _remember_page(self, response: requests.Response) -> None:
        match = DASH_CONFIG.search(response.text)
        if match:
            self.end_id = json.loads(match.group(1)).get("end_id")

    def upload(self, path: str | Path, name: str | None = None) -> str:
        """POST /upload as assets/upload.js does (multipart field "file", X-CSRFToken header);
        returns the new dataset's id."""
        path = Path(path)
        with open(path, "rb") as handle:
            response = self.post("/upload", files={"file": (name or path.name, handle, "text/csv")},
                                 headers={"X-CSRFToken": self.csrf_token})
        if response.status_code != 201:
            raise DashError(f"upload of {path.name}: HTTP {response.status_code} {response.text[:200]}",
                            response.status_code)
        return response.json()["dataset_id"]

    # ---- Dash

    def dependencies(self) -> list[dict[str, Any]]:
        """/_dash-dependencies (fetched once per client, as the renderer does per page load)."""
        if self._dependencies is None:
            response = self.get("/_dash-dependencies")
            if response.status_code != 200:
                raise DashError(f"/_dash-dependencies: HTTP {response.status_code}", response.status_code)
            self._dependencies = response.json()
        return self._dependencies

    def find_callback(self, inputs: list[tuple[str, str, Any]]) -> dict[str, Any]:
        """The registered callback whose inputs are exactly these (id, property) pairs."""
        wanted = [{"id": cid, "property": prop} for cid, prop, _ in inputs]
        for dependency in self.dependencies():
            if [{"id": i["id"], "property": i["property"]} for i in dependency["inputs"]] == wanted:
                return dependency
        raise KeyError(f"no callback with inputs {wanted}")

    def payload(self, dependency: dict[str, Any], inputs: list[tuple[str, str, Any]],
                state: list[tuple[str, str, Any]] = ()) -> dict[str, Any]:
        """The JSON body the renderer posts for one firing of `dependency` (first input changed)."""
        output = dependency["output"]
        multi = output.startswith("..")
        parts = output[2:-2].split("...") if multi else [output]
        outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]} for part in parts]
        changed = [f"{inputs[0][0]}.{inputs[0][1]}"]
        body = {
            "output": output,
            "outputs": outputs if multi else outputs[0],
            "inputs": [{"id": cid, "property": prop, "value": value} for cid, prop, value in inputs],
            "changedPropIds": changed,
            "parsedChangedPropsIds": changed,
        }
        if state:
            body["state"] = [{"id": cid, "property": prop, "value": value} for cid, prop, value in state]
        return body

    def post_callback(self, body: dict[str, Any], args: list[tuple[str, str]] = ()) -> requests.Response:
        """One POST to /_dash-update-component with the renderer's query string and CSRF header."""
        query = ([("endId", self.end_id)] if self.end_id else []) + list(args)
        url = UPDATE_PATH + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")
        return self.post(url, json=body, headers={"X-CSRFToken": self.csrf_token})

    def callback(self, inputs: list[tuple[str, str, Any]], state: list[tuple[str, str, Any]] = (),
                 expect_update: bool = True) -> CallbackResult:
        """Fire the callback whose inputs are `inputs` (a plain one; see background_callback).

        Raises DashError on any status but 200/204, on the app's error toast, and on 204 when
        `expect_update` (PreventUpdate where the page needs an answer)."""
        dependency = self.find_callback(inputs)
        if dependency.get("background"):
            return self.background_callback(inputs, state)
        started = time.perf_counter()
        response = self.post_callback(self.payload(dependency, inputs, state))
        return _checked(response, time.perf_counter() - started, expect_update, dependency["output"])

    def background_callback(self, inputs: list[tuple[str, str, Any]], state: list[tuple[str, str, Any]] = (),
                            poll_interval: float | None = None, max_seconds: float = 300.0) -> CallbackResult:
        """A background callback, driven as dash-renderer's handleServerside does:

        1. POST the full payload (with `?endId=`); the server starts a job and answers 200 with
           {"cacheKey", "job", ...} (signed, bound to this page load's endId) and no "response".
        2. Every `background.interval` ms (from /_dash-dependencies; 1000 by default) POST again
           with `?endId=&cacheKey=&job=` and every input and state value set to null; a 200
           without "response" means still running ("sideUpdate"/"progress" may come along).
        3. A 200 with "response" is the result; a 204 means no update (e.g. a cancelled job).
        """
        dependency = self.find_callback(inputs)
        interval = poll_interval if poll_interval is not None else \
            (dependency.get("background") or {}).get("interval", 500) / 1000
        body = self.payload(dependency, inputs, state)
        started = time.perf_counter()
        first = self.post_callback(body)
        result = _checked(first, 0.0, False, dependency["output"])
        if result.status == 204 or "response" in result.body:
            result.seconds = time.perf_counter() - started
            return result
        cache_key, job = result.body.get("cacheKey"), result.body.get("job")
        if not cache_key or not job:
            raise DashError(f"{dependency['output']}: the start answered neither a job nor a response",
                            first.status_code, result.body)
        polled = json.loads(json.dumps(body))
        for item in polled["inputs"] + polled.get("state", []):
            item["value"] = None
        polls = 0
        while True:
            if time.perf_counter() - started > max_seconds:
                raise DashError(f"{dependency['output']}: no result after {max_seconds:.0f} s")
            time.sleep(interval)
            polls += 1
            response = self.post_callback(polled, [("cacheKey", cache_key), ("job", job)])
            result = _checked(response, 0.0, False, dependency["output"])
            if result.status == 204 or "response" in result.body:
                result.seconds, result.polls, result.job = time.perf_counter() - started, polls, job
                return result

    def render_page(self, pathname: str, search: str = "") -> CallbackResult:
        """The Dash Pages routing callback for `pathname`, as after navigation (tests/support.py)."""
        return self.callback(inputs=[("_pages_location", "pathname", pathname),
                                     ("_pages_location", "search", search)])


def _checked(response: requests.Response, seconds: float, expect_update: bool, output: str) -> CallbackResult:
    if response.status_code == 204:
        if expect_update:
            raise DashError(f"{output}: 204 (no update) where an update was expected", 204)
        return CallbackResult(204, {}, seconds)
    if response.status_code != 200:
        raise DashError(f"{output}: HTTP {response.status_code} {response.text[:200]}", response.status_code)
    try:
        body = response.json()
    except ValueError:
        raise DashError(f"{output}: the answer is not JSON", 200, response.text[:200]) from None
    result = CallbackResult(200, body, seconds)
    if result.toast:
        raise DashError(f"{output}: error toast: {result.toast}", 200, body)
    return result


def urlpath(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


# --------------------------------------------------------------------------------------
# Reading Dash component trees (what a callback returned)


def walk_components(node: Any) -> Iterator[dict[str, Any]]:
    """Every component (a {"type", "namespace", "props"} dict) in a serialised layout."""
    if isinstance(node, dict):
        if "props" in node and "type" in node:
            yield node
            for value in node["props"].values():
                yield from walk_components(value)
        else:
            for value in node.values():
                yield from walk_components(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk_components(item)


def find_component(node: Any, component_id: Any) -> dict[str, Any] | None:
    return next((c for c in walk_components(node) if c["props"].get("id") == component_id), None)
