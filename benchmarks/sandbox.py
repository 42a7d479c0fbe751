"""Sandbox overhead: a query through the zygote against the same code run in-process.

    .venv/bin/python benchmarks/sandbox.py [--rows 1000000] [--runs 20]

The query is the one the issue names: a groupby over a 1M-row Parquet table and a Plotly
bar figure serialised to JSON. The in-process reference loads the same Parquet file, runs
the same code with exec() and serialises the same result, in this (warm) process. Prints
median and p95 of both, of the sandbox's fork alone, the overhead, the zygote's memory, and
the median of each phase of a round trip (the response's `timing`: the supervisor's phases
from the accepted connection on, the runner's inside its own; `client` is the rest of the
round trip: encoding, the socket and decoding on the web side). Reports figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from insight_dash.sandbox import runner  # noqa: E402
from insight_dash.sandbox.client import ensure_zygote, run_code, stop_zygote  # noqa: E402
from insight_dash.settings import Settings  # noqa: E402

CODE = """
import plotly.express as px
df = dfs[0]
by_unit = df.groupby("unit", as_index=False)["temperature_c"].mean()
fig = px.bar(by_unit, x="unit", y="temperature_c", title="Mean temperature by unit")
result = {"type": "plot", "value": fig}
"""
TARGET_OVERHEAD_MS = 40


def make_table(folder: Path, rows: int) -> Path:
    rng = np.random.default_rng(42)
    frame = pd.DataFrame({
        "timestamp": pd.date_range("2026-01-01", periods=rows, freq="s"),
        "unit": rng.choice([f"U{n}" for n in range(1, 9)], rows),
        "temperature_c": rng.normal(60, 5, rows),
        "pressure_kpa": rng.normal(300, 20, rows),
    })
    path = folder / "sensors.parquet"
    frame.to_parquet(path, compression="zstd")
    return path


def in_process(path: Path) -> float:
    started = time.perf_counter()
    namespace = {"dfs": [pq.read_table(path).to_pandas()], "pd": pd, "np": np}
    exec(compile(CODE, "<analysis>", "exec"), namespace)
    json.dumps(runner.serialize_result(namespace["result"]))
    return (time.perf_counter() - started) * 1000


def through_sandbox(settings: Settings, path: Path) -> tuple[float, dict[str, float]]:
    """The round trip in ms, and the response's phase timings with the client's share added."""
    started = time.perf_counter()
    outcome = run_code(settings, CODE, [("sensors", path)])
    elapsed = (time.perf_counter() - started) * 1000
    if not outcome.ok:
        raise RuntimeError(f"sandbox run failed: {outcome.kind}: {outcome.message}")
    return elapsed, {**outcome.timing, "client_ms": elapsed - outcome.timing["total_ms"]}


# The phases of one round trip in the order they happen, and which process spends them.
PHASES = [
    ("supervisor_ms", "zygote: fork the supervisor, read the request"),
    ("scratch_ms", "supervisor: scratch folder and pipes"),
    ("fork_ms", "supervisor: fork the runner"),
    ("close_ms", "runner: close inherited descriptors"),
    ("load_ms", "runner: read Parquet, to_pandas"),
    ("lock_down_ms", "runner: rlimits, seccomp"),
    ("exec_ms", "runner: the analysis code"),
    ("result_ms", "runner: serialise the result"),
    ("runner_ms", "supervisor: fork to end of runner output"),
    ("total_ms", "accepted connection to response"),
    ("client_ms", "web side: encode, socket, decode"),
]


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"median {statistics.median(values):8.1f} ms   p95 {p95:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="insight-bench-") as folder:
        settings = Settings.from_env({"INSIGHT_DATA_DIR": folder})
        path = make_table(Path(folder), args.rows)
        description = ensure_zygote(settings)
        try:
            in_process(path)  # warm this process as the zygote is warm
            through_sandbox(settings, path)
            reference = [in_process(path) for _ in range(args.runs)]
            sandboxed = [through_sandbox(settings, path) for _ in range(args.runs)]
            zygote_rss = psutil.Process(description["pid"]).memory_info().rss / 2**20
        finally:
            stop_zygote(settings)
    totals, timings = [t for t, _ in sandboxed], [timing for _, timing in sandboxed]
    overhead = statistics.median(totals) - statistics.median(reference)
    print(f"Sandbox benchmark: {args.rows:,} rows, {args.runs} runs each, psutil {psutil.cpu_count()} CPUs")
    print(f"  zygote: uid {description['uid']}, seccomp {'on' if description['seccomp'] else 'OFF'}, "
          f"RSS {zygote_rss:.0f} MiB")
    print(f"  in-process exec (load + code + JSON)   {summary(reference)}")
    print(f"  sandbox round trip                     {summary(totals)}")
    print(f"  fork of the runner alone               {summary([timing['fork_ms'] for timing in timings])}")
    verdict = "PASS" if overhead < TARGET_OVERHEAD_MS else "FAIL"
    print(f"  overhead (median difference)           {overhead:8.1f} ms   target < {TARGET_OVERHEAD_MS} ms  {verdict}")
    print("  phases of a round trip (median ms; the runner's lie inside its fork-to-output span):")
    for key, meaning in PHASES:
        values = [timing[key] for timing in timings if key in timing]
        if values:
            print(f"    {key:<13} {statistics.median(values):8.1f}   {meaning}")


if __name__ == "__main__":
    main()
