"""Layers 3-5, inside the forked runner: open the data, lock the process down, run the code,
and write the result as JSON to a pipe. Only the zygote's supervisor calls `run`."""
from __future__ import annotations

import builtins
import json
import math
import mmap
import os
import resource
import sys
import time
import traceback
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pyarrow as pa
import pyarrow.parquet as pq

from insight_dash.sandbox.seccomp import SeccompUnavailable, load_filter

MAX_TABLE_ROWS = 1000
MAX_TEXT = 20_000
MAX_NOTE = 1000  # an explanation, a fact
MAX_QUERIES = 20
SAFE_BUILTINS = {name: getattr(builtins, name) for name in (
    "abs", "all", "any", "bool", "dict", "enumerate", "filter", "float", "format", "frozenset", "getattr",
    "hasattr", "int", "isinstance", "issubclass", "iter", "len", "list", "map", "max", "min", "next",
    "object", "print", "range", "repr", "reversed", "round", "set", "slice", "sorted", "str", "sum", "tuple",
    "type", "zip", "divmod", "pow", "chr", "ord", "hash", "callable", "ValueError", "TypeError",
    "KeyError", "IndexError", "ZeroDivisionError", "Exception", "ArithmeticError", "StopIteration",
    "True", "False", "None", "NotImplemented",
) if hasattr(builtins, name)}


def run(request: dict[str, Any], fds: list[int], result_fd: int, forked_at: float) -> None:
    """Never returns: writes one JSON result to `result_fd` and exits the process. `forked_at`
    (`time.perf_counter()` just after the fork) starts the phase timings the result carries."""
    laps = Laps(forked_at)
    laps.lap("close")  # the zygote's _close_inherited, between the fork and here
    try:
        queries: list[dict[str, Any]] = []
        namespace = _prepare(request, fds, queries)
        laps.lap("load")
        _lock_down(request)
        laps.lap("lock_down")
        exec(compile(request["code"], "<analysis>", "exec"), namespace)
        laps.lap("exec")
        outcome = {"ok": True, "result": serialize_result(namespace.get("result")), "queries": queries}
        laps.lap("result")
    except _Refused as refused:
        outcome = {"ok": False, "kind": refused.kind, "message": str(refused)}
    except MemoryError:
        outcome = {"ok": False, "kind": "memory", "message": "The analysis ran out of memory."}
    except BaseException as exc:  # the code's own failure, reported back for a corrected retry
        outcome = {"ok": False, "kind": "execution", "message": f"{type(exc).__name__}: {exc}",
                   "traceback": _code_traceback(exc)}
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # the code closed or broke its own output
    outcome["timing"] = laps.phases
    _write_all(result_fd, json.dumps(outcome, default=str, allow_nan=False).encode())
    # The supervisor answers on the end of both pipes; closed here, that comes before the
    # kernel tears down this process's memory (tens of ms with a big table), not after it.
    for fd in (result_fd, 1, 2):
        try:
            os.close(fd)
        except OSError:
            pass  # the code closed it itself
    os._exit(0)


class Laps:
    """Milliseconds spent in each named phase, one after the other, from `started` on
    (`time.perf_counter()` is CLOCK_MONOTONIC, so a start taken before a fork still holds)."""

    def __init__(self, started: float):
        self._last = started
        self.phases: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[f"{name}_ms"] = round((now - self._last) * 1000, 2)
        self._last = now


class _Refused(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def _prepare(request: dict[str, Any], fds: list[int], queries: list[dict[str, Any]]) -> dict[str, Any]:
    """Open the tables (before the filter: the descriptors are the only data it will see),
    under the column identifiers code uses when the request names them. Every SQL query
    run is recorded in `queries`, so an answer's explanation can be checked against it."""
    arrow_tables: dict[str, pa.Table] = {}
    frames = []
    for table, fd in zip(request["tables"], fds):
        arrow = read_parquet(fd)
        os.close(fd)
        if table.get("columns"):
            if len(table["columns"]) != arrow.num_columns:
                raise _Refused("sandbox", f"Table {table['name']!r} does not have the columns it was described with.")
            arrow = arrow.rename_columns(table["columns"])
        arrow_tables[table["name"]] = arrow
        frames.append(arrow.to_pandas())
    # A DuckDB database costs ~30 ms to create, so only code that runs SQL pays for it. It is
    # created under the lock-down (rlimits, seccomp, its threads filtered too) over the tables
    # already read, so it sees nothing more than it did when it was created before.
    connection: duckdb.DuckDBPyConnection | None = None

    def execute_sql_query(sql: str) -> pd.DataFrame:
        nonlocal connection
        if connection is None:
            connection = _duckdb_over(arrow_tables)
        statements = connection.extract_statements(sql)
        if not statements or any(s.type != duckdb.StatementType.SELECT for s in statements):
            raise _Refused("sql", "Only SELECT queries over the dataset's tables are allowed.")
        frame = connection.sql(sql).df()
        if len(queries) < MAX_QUERIES:
            queries.append({"sql": str(sql)[:4000], "rows": int(len(frame))})
        return frame

    namespace_builtins = {**SAFE_BUILTINS, "__import__": _guarded_import(request["allowed_imports"])}
    return {"__builtins__": namespace_builtins, "__name__": "analysis", "dfs": frames, "pd": pd, "np": np,
            "go": go, "execute_sql_query": execute_sql_query}


def _duckdb_over(tables: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that reaches these tables and nothing else, its settings locked."""
    connection = duckdb.connect(":memory:", config={"threads": 2})
    for name, table in tables.items():
        connection.register(name, table)
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")
    return connection


def read_parquet(fd: int) -> pa.Table:
    """The Parquet file behind an open descriptor (the zygote's warm-up reads one too)."""
    # Read through the descriptor itself: re-opening it by path would need permissions
    # the sandbox's own user does not have (the files belong to the app).
    # The mapping stays open for the runner's short life: Arrow buffers point into it.
    mapped = mmap.mmap(fd, 0, prot=mmap.PROT_READ)
    return pq.read_table(pa.BufferReader(pa.py_buffer(mapped)))


def _lock_down(request: dict[str, Any]) -> None:
    limits = request["limits"]
    memory = limits["memory_bytes"]
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"] + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (limits["max_threads"], limits["max_threads"]))
    os.chdir(limits["scratch_dir"])
    os.environ.clear()
    sys.dont_write_bytecode = True
    try:
        load_filter()
    except SeccompUnavailable as exc:
        if limits["require_seccomp"]:
            raise _Refused("sandbox", f"The sandbox could not be locked down: {exc}") from None


def _guarded_import(allowed: list[str]):
    permitted = frozenset(allowed)

    def guarded(name: str, globals=None, locals=None, fromlist=(), level=0):  # noqa: A002
        if level or name.split(".", 1)[0] not in permitted:
            raise _Refused("import", f"Importing '{name}' is not allowed in analysis code.")
        return builtins.__import__(name, globals, locals, fromlist, level)

    return guarded


def serialize_result(result: Any) -> dict[str, Any]:
    """PandasAI's result dict ({"type", "value"}) as plain JSON, with what the code says about
    how it computed it (explanation, rows_used, columns_used, facts)."""
    if not isinstance(result, dict) or "value" not in result:
        raise _Refused("result", "The analysis did not set `result` to {'type': ..., 'value': ...}.")
    return {**_serialize_value(result.get("type"), result["value"]), **_annotations(result)}


def _serialize_value(kind: Any, value: Any) -> dict[str, Any]:
    if isinstance(value, go.Figure) or (isinstance(value, dict) and "data" in value and kind == "plot"):
        figure = value if isinstance(value, go.Figure) else go.Figure(value)
        return {"type": "plot", "value": json.loads(pio.to_json(figure, validate=True))}
    if kind == "plot":
        raise _Refused("not_plotly", "The chart is not a Plotly figure (a PNG path or matplotlib figure was returned).")
    if kind == "decline":
        return {"type": "decline", "value": str(value)[:MAX_TEXT]}
    if kind == "list" and isinstance(value, (list, tuple)):
        value = pd.DataFrame({"Item": [str(item) for item in value]})
    if isinstance(value, (pd.DataFrame, pd.Series)):
        frame = value.to_frame() if isinstance(value, pd.Series) else value
        head = frame.head(MAX_TABLE_ROWS).reset_index() if _has_meaningful_index(frame) else frame.head(MAX_TABLE_ROWS)
        table = json.loads(head.to_json(orient="split", date_format="iso", index=False))
        return {"type": "list" if kind == "list" else "dataframe",
                "value": {"columns": [str(c) for c in table["columns"]], "rows": table["data"],
                          "row_count": int(len(frame))}}
    if isinstance(value, (bool, np.bool_)):
        return {"type": "boolean", "value": bool(value)}
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = value.item() if isinstance(value, np.generic) else value
        return {"type": "number", "value": None if isinstance(number, float) and not math.isfinite(number) else number}
    if isinstance(value, str):
        return {"type": "string", "value": value[:MAX_TEXT]}
    raise _Refused("result", f"The analysis returned an unsupported {type(value).__name__}.")


def _annotations(result: dict[str, Any]) -> dict[str, Any]:
    """What the code said about its answer, as small plain values (anything else is dropped)."""
    notes: dict[str, Any] = {}
    if isinstance(result.get("explanation"), str):
        notes["explanation"] = result["explanation"][:MAX_NOTE]
    rows = result.get("rows_used")
    if isinstance(rows, (int, np.integer)) and not isinstance(rows, (bool, np.bool_)):
        notes["rows_used"] = int(rows)
    if isinstance(result.get("columns_used"), (list, tuple)):
        notes["columns_used"] = [str(name)[:300] for name in result["columns_used"][:50]]
    for key in ("facts", "not_understood"):
        if isinstance(result.get(key), (dict, list, tuple)):
            notes[key] = _plain(result[key])
    return notes


def _plain(value: Any, depth: int = 0) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, str)):
        return value[:MAX_NOTE] if isinstance(value, str) else value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict) and depth == 0:
        return {str(key)[:50]: _plain(item, 1) for key, item in list(value.items())[:20]}
    if isinstance(value, (list, tuple)) and depth <= 1:
        return [_plain(item, 2) for item in value[:100]]
    return str(value)[:MAX_NOTE]


def _has_meaningful_index(frame: pd.DataFrame) -> bool:
    return not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None


def _code_traceback(exc: BaseException) -> str:
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == "<analysis>"]
    lines = [f"line {frame.lineno}" for frame in frames]
    return f"{type(exc).__name__}: {exc}" + (f" ({', '.join(lines)})" if lines else "")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
