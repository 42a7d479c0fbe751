"""The web side of the sandbox: start (or find) the host's zygote and run code through it.

Any web worker or job process calls `run_code`; the first caller on a host starts the zygote
(under a file lock), and a dead zygote is started again on the next call.
"""
from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import logging
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from insight_dash.sandbox.policy import CodeRefused, check_code
from insight_dash.sandbox.protocol import receive_message, send_message
from insight_dash.settings import Settings

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
# Passed to the zygote; nothing secret. OPENBLAS_* keep numpy correct on some processors.
_ENV_PASSTHROUGH = ("LANG", "LC_ALL", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_START_TIMEOUT = 60


class SandboxUnavailable(RuntimeError):
    pass


class TableFile(NamedTuple):
    """A table the code may query: its SQL name, its Parquet file, and the identifiers of its
    columns in order when they differ from the file's own names."""

    name: str
    path: Path
    columns: tuple[str, ...] | None = None


@dataclass
class SandboxResult:
    ok: bool
    kind: str = ""  # on failure: refused, execution, timeout, memory, output, too_large, sql, import, ...
    message: str = ""
    result: dict[str, Any] | None = None
    output: str = ""
    traceback: str = ""
    timing: dict[str, float] = field(default_factory=dict)
    queries: list[dict[str, Any]] = field(default_factory=list)  # the SQL the code ran


def socket_path(settings: Settings) -> Path:
    """Outside the data folder, which the sandbox's user must not be able to enter; one per
    data folder, so two apps on a host (or two test runs) do not share a zygote."""
    digest = hashlib.sha256(str(settings.data_dir).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"insight-sandbox-{digest}" / "sandbox.sock"


def run_code(settings: Settings, code: str, tables: list[TableFile] | list[tuple]) -> SandboxResult:
    """Check `code`, then run it in a fresh locked-down process over the given Parquet tables."""
    tables = [TableFile(*table) for table in tables]
    try:
        check_code(code, settings.sandbox_allowed_imports)
    except CodeRefused as refused:
        log.warning("sandbox refused code", extra={"event": "sandbox_refused", "rule": refused.rule})
        return SandboxResult(ok=False, kind="refused", message=f"{refused.rule}: {refused.detail}")
    request = {
        "code": code,
        "tables": [{"name": table.name, "columns": list(table.columns) if table.columns else None} for table in tables],
        "allowed_imports": sorted(settings.sandbox_allowed_imports),
        "limits": {
            "memory_bytes": settings.sandbox_memory_mb * 1024 * 1024,
            "cpu_seconds": settings.sandbox_timeout_s + 5,  # the wall clock should fire first
            "timeout_seconds": settings.sandbox_timeout_s,
            "max_threads": 256,
            "require_seccomp": settings.sandbox_require_seccomp,
        },
    }
    fds = [os.open(table.path, os.O_RDONLY) for table in tables]
    try:
        response = _exchange(settings, request, fds)
    finally:
        for fd in fds:
            os.close(fd)
    outcome = SandboxResult(ok=bool(response.get("ok")), kind=response.get("kind", ""),
                            message=response.get("message", ""), result=response.get("result"),
                            output=response.get("output", ""), traceback=response.get("traceback", ""),
                            timing=response.get("timing", {}), queries=response.get("queries", []))
    log.info("sandbox run", extra={"event": "sandbox_run", "ok": outcome.ok, "kind": outcome.kind,
                                   "ms": outcome.timing.get("total_ms")})
    return outcome


def _exchange(settings: Settings, request: dict[str, Any], fds: list[int]) -> dict[str, Any]:
    for attempt in (1, 2):
        try:
            with _connect(settings, timeout=settings.sandbox_timeout_s + 15) as sock:
                send_message(sock, request, fds)
                response, _, result = receive_message(sock)
            return _with_result(response, result) if result else response
        except (FileNotFoundError, ConnectionRefusedError, ConnectionError) as exc:
            if attempt == 2:
                raise SandboxUnavailable("The analysis sandbox is not running.") from exc
            log.warning("sandbox zygote unreachable; starting it again")
            ensure_zygote(settings)
    raise AssertionError("unreachable")


def _with_result(response: dict[str, Any], result: bytearray) -> dict[str, Any]:
    """The supervisor's response with the runner's own JSON result (passed on undecoded) in
    it; the supervisor's output and timing win over anything the runner wrote."""
    try:
        outcome = json.loads(result)
    except ValueError:
        outcome = None
    if not isinstance(outcome, dict):
        return {**response, "ok": False, "kind": "crashed", "message": "The analysis ended without a readable result."}
    timing = outcome.get("timing")
    return {**outcome, **response, "timing": {**(timing if isinstance(timing, dict) else {}), **response["timing"]}}


def _connect(settings: Settings, timeout: float) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(socket_path(settings)))
    except OSError:
        sock.close()
        raise
    return sock


def ping(settings: Settings) -> dict[str, Any] | None:
    """The zygote's self-description, or None when it does not answer."""
    try:
        with _connect(settings, timeout=5) as sock:
            send_message(sock, {"ping": True})
            return receive_message(sock)[0]
    except OSError:
        return None


def ensure_zygote(settings: Settings) -> dict[str, Any]:
    """Make sure this host's zygote answers; start it if not. Returns its ping."""
    answer = ping(settings)
    if answer is not None:
        return answer
    if not _may_start(settings):
        # A worker that dropped root cannot start the zygote as its own account, and starting
        # it as the worker's would let analysis code read the app's files: fail closed. The
        # Gunicorn master (still root) watches the zygote and starts it again (watch_zygote).
        raise SandboxUnavailable(f"The sandbox is not running; only a process started as root can start it "
                                 f"as {settings.sandbox_user!r}.")
    run_dir = _run_dir(settings)
    with open(run_dir / "sandbox.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one starter per host; the others wait and reuse it
        answer = ping(settings)
        if answer is None:
            answer = _start(settings)
    if not answer.get("seccomp"):
        if settings.sandbox_require_seccomp:
            log.error("SANDBOX: seccomp is unavailable on this kernel; analysis code will be refused")
        else:
            log.warning("SANDBOX RUNS WITH LIMITS ONLY: seccomp is unavailable (allowed in development)")
    if answer.get("uid") == os.getuid():
        log.warning("SANDBOX SHARES THE APP'S USER (uid %s): start the app as root with INSIGHT_SANDBOX_USER, "
                    "or its data could be read by analysis code that escapes the other layers", os.getuid())
    return answer


def watch_zygote(settings: Settings, interval_s: float = 5.0,
                 stop: threading.Event | None = None) -> threading.Thread:
    """Start the zygote again whenever it stops answering (run by the Gunicorn master, which
    alone keeps the root needed to start it under its own account), until `stop` is set."""
    stop = stop or threading.Event()

    def watch() -> None:
        while not stop.wait(interval_s):
            if ping(settings) is None:
                log.error("SANDBOX ZYGOTE STOPPED ANSWERING; starting it again")
                try:
                    ensure_zygote(settings)
                except (SandboxUnavailable, OSError):
                    log.exception("the sandbox zygote could not be started again")

    thread = threading.Thread(target=watch, name="zygote-watch", daemon=True)
    thread.start()
    return thread


def _may_start(settings: Settings) -> bool:
    """Root may start the zygote as the sandbox account; anyone may when no account is set
    (development) or when it already is that account."""
    return os.geteuid() == 0 or not settings.sandbox_user or _uid_of(settings.sandbox_user) == {os.geteuid()}


def _start(settings: Settings) -> dict[str, Any]:
    path = socket_path(settings)
    env = {name: os.environ[name] for name in _ENV_PASSTHROUGH if name in os.environ}
    user = _sandbox_account(settings)
    try:
        process = _spawn(path, env, user)
    except PermissionError:
        if settings.is_production:
            raise SandboxUnavailable(f"The sandbox user {user.pw_name!r} cannot run {sys.executable}.") from None
        log.warning("SANDBOX USER %r CANNOT RUN %s (an interpreter under a private home folder); "
                    "the zygote runs as the app's own user instead", user.pw_name, sys.executable)
        process = _spawn(path, env, None)
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        answer = ping(settings)
        if answer is not None:
            atexit.register(_stop_if_mine, process)
            log.info("sandbox zygote started", extra={"pid": process.pid, "uid": answer.get("uid"),
                                                      "seccomp": answer.get("seccomp")})
            return answer
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise SandboxUnavailable(f"The sandbox did not start; see {path.parent / 'sandbox.log'}.")


def _run_dir(settings: Settings) -> Path:
    """The socket's folder: writable by the zygote's user, owned by us or by it, never by a stranger."""
    folder = socket_path(settings).parent
    folder.mkdir(mode=0o755, exist_ok=True)
    owners = {os.geteuid()} | _uid_of(settings.sandbox_user)
    if folder.stat().st_uid not in owners or folder.is_symlink():
        raise SandboxUnavailable(f"{folder} belongs to another user; refusing to use it.")
    user = _sandbox_account(settings)
    if user is not None:
        os.chown(folder, user.pw_uid, user.pw_gid)
    return folder


def _uid_of(username: str | None) -> set[int]:
    try:
        return {pwd.getpwnam(username).pw_uid} if username else set()
    except KeyError:
        return set()


def _spawn(path: Path, env: dict[str, str], user: pwd.struct_passwd | None) -> subprocess.Popen:
    with open(path.parent / "sandbox.log", "ab") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "insight_dash.sandbox.zygote", str(path)],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
            user=user.pw_uid if user else None, group=user.pw_gid if user else None,
            extra_groups=[] if user else None,
        )


def stop_zygote(settings: Settings) -> None:
    """Stop this host's zygote (tests, Gunicorn's on_exit)."""
    answer = ping(settings)
    if answer is not None:
        try:
            os.kill(answer["pid"], 15)
        except ProcessLookupError:
            pass
    shutil.rmtree(socket_path(settings).parent, ignore_errors=True)


def _stop_if_mine(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()


def _sandbox_account(settings: Settings) -> pwd.struct_passwd | None:
    """The account the zygote runs as: its own, when we have root to switch to it."""
    if os.geteuid() != 0 or not settings.sandbox_user:
        return None
    try:
        return pwd.getpwnam(settings.sandbox_user)
    except KeyError:
        raise SandboxUnavailable(f"INSIGHT_SANDBOX_USER {settings.sandbox_user!r} does not exist.") from None
