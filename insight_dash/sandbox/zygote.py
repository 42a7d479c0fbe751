"""Layer 2: the per-host sandbox service.

`python -m insight_dash.sandbox.zygote SOCKET` imports pandas, numpy, plotly, duckdb and
pyarrow once, warms plotly, then serves a Unix socket. Each request forks a supervisor (which
owns the connection, the clock and the output caps) and the supervisor forks the runner
(which locks itself down and runs the code). A query pays two forks, not seconds of imports,
and nothing a query does survives it (a monkeypatched pandas dies with its runner).
"""
from __future__ import annotations

import argparse
import os
import selectors
import shutil
import signal
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

from insight_dash.sandbox import runner
from insight_dash.sandbox.protocol import receive_message, send_message
from insight_dash.sandbox.seccomp import SeccompUnavailable, load_filter

MAX_OUTPUT = 256 * 1024
MAX_RESULT = 32 * 1024 * 1024
# Analysis yields the CPU to the web workers, as the background jobs do (jobs.context.JOB_NICENESS):
# a long pandas run must not slow down everybody's page loads. Supervisors and runners inherit it.
NICENESS = 10


def serve(socket_path: Path) -> None:
    os.setpriority(os.PRIO_PROCESS, 0, max(NICENESS, os.getpriority(os.PRIO_PROCESS, 0)))
    _warm_up()
    seccomp_works = _seccomp_self_test()
    socket_path.unlink(missing_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(socket_path))
    os.chmod(socket_path, 0o666)  # the app's processes may run as another user
    server.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # supervisors are reaped by the kernel
    signal.signal(signal.SIGTERM, lambda *_: (socket_path.unlink(missing_ok=True), os._exit(0)))
    print(f"sandbox zygote ready on {socket_path} (pid {os.getpid()}, uid {os.getuid()}, "
          f"seccomp {'on' if seccomp_works else 'UNAVAILABLE'})", flush=True)
    while True:
        connection, _ = server.accept()
        accepted = time.perf_counter()
        if os.fork() == 0:
            server.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                _supervise(connection, seccomp_works, accepted)
            finally:
                os._exit(0)
        connection.close()


def _warm_up() -> None:
    """Import and exercise the libraries once, so every fork starts warm: whatever a runner
    imports on first use (pyarrow.dataset for read_table, pyarrow.pandas_compat for
    to_pandas, plotly's lazily loaded figure classes) it would import again for every query."""
    import duckdb
    import pandas as pd
    import plotly.express as px
    import plotly.io as pio
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = pd.DataFrame({"unit": ["a", "b"], "value": [1.0, 2.0]})
    figure = px.bar(frame.groupby("unit", as_index=False)["value"].sum(), x="unit", y="value", title="warm-up")
    pio.to_json(figure, validate=True)
    # The runner's own path for a table: a Parquet descriptor, memory-mapped, to Arrow and pandas.
    fd = os.memfd_create("insight-warm-up")
    try:
        with open(fd, "wb", closefd=False) as file:
            pq.write_table(pa.Table.from_pandas(frame), file)
        table = runner.read_parquet(fd)
    finally:
        os.close(fd)
    table.to_pandas()
    connection = duckdb.connect()
    connection.register("warm_up", table)
    connection.sql("SELECT unit, sum(value) FROM warm_up GROUP BY unit").df()


def _seccomp_self_test() -> bool:
    """Does the filter load here, and does it really stop a plain socket()?"""
    pid = os.fork()
    if pid == 0:
        try:
            load_filter()
        except SeccompUnavailable:
            os._exit(2)
        try:
            socket.socket()
        except PermissionError:
            os._exit(0)
        os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _supervise(connection: socket.socket, seccomp_works: bool, accepted: float) -> None:
    with connection:
        request, fds, _ = receive_message(connection)
        if request.get("ping"):
            send_message(connection, {"ok": True, "pid": os.getppid(), "uid": os.getuid(),
                                      "seccomp": seccomp_works})
            return
        run_request(connection, request, fds, accepted)


def run_request(connection: socket.socket, request: dict[str, Any], fds: list[int], accepted: float) -> None:
    """Fork the runner, watch it, send whatever happens as one response, and then make sure
    the runner is gone. The response's `timing` holds the milliseconds of each phase from the
    accepted connection (`accepted`, `time.perf_counter()`) on: the supervisor's here, the
    runner's from its own result."""
    laps = runner.Laps(accepted)
    laps.lap("supervisor")  # the supervisor's fork and reading the request
    scratch = tempfile.mkdtemp(prefix="insight-sandbox-")
    request["limits"]["scratch_dir"] = scratch
    result_read, result_write = os.pipe()
    output_read, output_write = os.pipe()
    laps.lap("scratch")
    pid = os.fork()
    if pid == 0:
        forked_at = time.perf_counter()
        os.close(result_read)
        os.close(output_read)
        os.dup2(output_write, 1)
        os.dup2(output_write, 2)
        _close_inherited(keep={result_write, *fds})
        runner.run(request, fds, result_write, forked_at)
    for fd in (result_write, output_write, *fds):
        os.close(fd)
    laps.lap("fork")
    try:
        response, result = _collect(pid, result_read, output_read, request["limits"]["timeout_seconds"], laps)
        response["timing"] = {**laps.phases, "total_ms": round((time.perf_counter() - accepted) * 1000, 2)}
        # The runner's JSON goes on as it wrote it: the web side decodes it, once (client.run_code).
        send_message(connection, response, payload=result)
    finally:
        # Only after the answer: the kernel tearing down a runner that held a big table takes
        # tens of milliseconds. The kill (it is exiting anyway) also ends a runner that closed
        # its pipes but ran on.
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        shutil.rmtree(scratch, ignore_errors=True)


def _close_inherited(keep: set[int]) -> None:
    """The runner keeps stdio, its result pipe and the data; not the client's socket."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass  # the descriptor of the listing itself, already gone


def _collect(pid: int, result_fd: int, output_fd: int, timeout: float,
             laps: runner.Laps) -> tuple[dict[str, Any], bytearray]:
    """The supervisor's response (output, or why there is no result) and the runner's result."""
    deadline = time.monotonic() + timeout
    buffers = {result_fd: bytearray(), output_fd: bytearray()}
    failure: dict[str, Any] | None = None
    selector = selectors.DefaultSelector()
    for fd in buffers:
        selector.register(fd, selectors.EVENT_READ)
    while selector.get_map() and failure is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            failure = {"ok": False, "kind": "timeout", "message": f"The analysis took longer than {timeout:g} s."}
            break
        for key, _ in selector.select(remaining):
            chunk = os.read(key.fd, 65536)
            if not chunk:
                selector.unregister(key.fd)
                continue
            buffers[key.fd] += chunk
            if key.fd == output_fd and len(buffers[output_fd]) > MAX_OUTPUT:
                failure = {"ok": False, "kind": "output", "message": "The analysis printed too much output."}
            elif key.fd == result_fd and len(buffers[result_fd]) > MAX_RESULT:
                failure = {"ok": False, "kind": "too_large", "message": "The result is too large to show."}
    laps.lap("runner")  # from the fork to the end of its output: it closes both as it exits
    if failure is not None:
        os.kill(pid, signal.SIGKILL)
    for fd in buffers:
        os.close(fd)
    output = bytes(buffers[output_fd][:MAX_OUTPUT]).decode("utf-8", errors="replace")
    if failure is None and buffers[result_fd]:
        return {"output": output}, buffers[result_fd]
    return {**(failure or _no_result(pid)), "output": output}, bytearray()


def _no_result(pid: int) -> dict[str, Any]:
    """The runner died without a result, and how says why. WNOWAIT leaves it to be reaped
    (once, after the answer) by run_request."""
    ended = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    if ended.si_code in (os.CLD_KILLED, os.CLD_DUMPED):
        signal_number = ended.si_status
        if signal_number == signal.SIGXCPU:
            return {"ok": False, "kind": "timeout", "message": "The analysis used its whole CPU allowance."}
        if signal_number in (signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
            return {"ok": False, "kind": "memory",
                    "message": "The analysis was stopped: it ran out of memory or crashed."}
        return {"ok": False, "kind": "crashed", "message": f"The analysis stopped (signal {signal_number})."}
    return {"ok": False, "kind": "crashed", "message": "The analysis ended without a result."}


def main() -> None:
    parser = argparse.ArgumentParser(description="Insight's sandbox zygote")
    parser.add_argument("socket", type=Path)
    serve(parser.parse_args().socket)


if __name__ == "__main__":
    main()
