"""Refreshing a living view: 12 pinned answers re-run on a new 1M-row version of their dataset.

    .venv/bin/python benchmarks/refresh.py [--rows 1000000] [--pins 12] [--runs 3]

Everything is real: embedded PostgreSQL, local storage, the sandbox zygote, and the answers
written by "the model" (the local fake Bedrock endpoint, scripted code of the kind Claude
writes: SQL aggregations drawn with Plotly, numbers, tables). The dataset is uploaded and parsed
as a user's file is, the pins are made from real answers, a second version (10% more rows) is
uploaded and confirmed, then the view is refreshed: once with one pin at a time (the reference,
in this same process) and once with the pins run concurrently (one per CPU, each run inside the
sandbox's own memory and time limits). Prints the median of --runs refreshes of each, and the
peak memory of the sandbox's runners together. Reports figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from insight_dash.app import create_app  # noqa: E402
from insight_dash.database import upgrade_database  # noqa: E402
from insight_dash.jobs.threads import wait_for_jobs  # noqa: E402
from insight_dash.sandbox.client import ensure_zygote, stop_zygote  # noqa: E402
from insight_dash.services import gallery, questions, views  # noqa: E402
from insight_dash.services.conversations import create_session  # noqa: E402
from insight_dash.services.ingest import receive_upload  # noqa: E402
from insight_dash.services.refresh import refresh_pins, refresh_view  # noqa: E402
from insight_dash.services.users import create_user  # noqa: E402
from insight_dash.services.versions import confirm_version, receive_version  # noqa: E402
from insight_dash.settings import Settings  # noqa: E402
from tests.fakes.bedrock import GOVCLOUD_MODEL, FakeBedrock, code_reply  # noqa: E402
from tests.harness.servers import EmbeddedPostgres  # noqa: E402

TARGET_SECONDS = 5.0
BAR = """
import plotly.express as px
df = execute_sql_query("SELECT {by}, {agg}({column}) AS value FROM plant GROUP BY {by} ORDER BY {by}")
result = {{"type": "plot", "value": px.bar(df, x="{by}", y="value", title="{agg} of {column} by {by}")}}
"""
LINE = """
import plotly.express as px
df = execute_sql_query("SELECT date_trunc('hour', timestamp) AS hour, avg({column}) AS value FROM plant GROUP BY 1 ORDER BY 1")
result = {{"type": "plot", "value": px.line(df, x="hour", y="value", title="Hourly {column}")}}
"""
NUMBER = 'df = execute_sql_query("SELECT {agg}({column}) AS n FROM plant")\nresult = {{"type": "number", "value": float(df["n"][0])}}'
TABLE = ('df = execute_sql_query("SELECT unit, status, count(*) AS readings, avg({column}) AS mean FROM plant '
         'GROUP BY unit, status ORDER BY unit, status")\nresult = {{"type": "dataframe", "value": df}}')


def answers() -> list[str]:
    """Code for twelve pins: eight charts, two numbers, two tables, over both readings."""
    code = [BAR.format(by=by, agg=agg, column=column) for by in ("unit", "status") for agg in ("avg", "max")
            for column in ("temperature_c", "pressure_kpa")][:6]
    code += [LINE.format(column=column) for column in ("temperature_c", "pressure_kpa")]
    code += [NUMBER.format(agg="avg", column="temperature_c"), NUMBER.format(agg="count", column="*")]
    code += [TABLE.format(column=column) for column in ("temperature_c", "pressure_kpa")]
    return code


def write_plant(path: Path, rows: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    pd.DataFrame({
        "timestamp": pd.date_range("2026-01-01", periods=rows, freq="s"),
        "unit": rng.choice([f"U{n}" for n in range(1, 9)], rows),
        "temperature_c": rng.normal(60, 5, rows).round(2),
        "pressure_kpa": rng.normal(300, 20, rows).round(1),
        "status": rng.choice(["ok", "alarm"], rows, p=[0.9, 0.1]),
    }).to_csv(path, index=False)
    return path


class RunnerMemory(threading.Thread):
    """The peak RSS of the zygote's runner processes together, sampled every 20 ms."""

    def __init__(self, zygote_pid: int):
        super().__init__(daemon=True)
        self.zygote, self.peak, self.stopped = psutil.Process(zygote_pid), 0, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.02):
            total = 0
            for child in self.zygote.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
            self.peak = max(self.peak, total)

    def stop(self) -> int:
        self.stopped.set()
        self.join()
        return self.peak


def timed_refreshes(user, view_id, workers: int | None, runs: int, zygote_pid: int) -> tuple[list[float], int, int]:
    """Seconds of each refresh of the whole view, the runners' peak RSS, and how many pins ended stale."""
    pin_ids = [item.figure_id for item in views.get_view(user, view_id).items]
    seconds, peak, stale = [], 0, 0
    for _ in range(runs):
        memory = RunnerMemory(zygote_pid)
        memory.start()
        started = time.perf_counter()
        pins = refresh_pins(user, pin_ids, workers=workers)
        seconds.append(time.perf_counter() - started)
        peak = max(peak, memory.stop())
        stale = sum(1 for pin in pins if pin.stale_reason)
    return seconds, peak, stale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pins", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    # The fake endpoint checks that requests are SigV4-signed, as Bedrock does; any key signs.
    for name, value in (("AWS_ACCESS_KEY_ID", "benchmark"), ("AWS_SECRET_ACCESS_KEY", "benchmark")):
        os.environ.setdefault(name, value)
    with tempfile.TemporaryDirectory(prefix="insight-refresh-") as folder:
        folder = Path(folder)
        postgres, bedrock = EmbeddedPostgres(folder / "pg"), FakeBedrock().start()
        settings = Settings(database_url=postgres.start(), data_dir=folder / "data", sweep_every_s=0,
                            secret_key="benchmark-secret-key-that-is-long-enough-0123456789",
                            llm_model=GOVCLOUD_MODEL, llm_region="us-gov-east-1", llm_endpoint_url=bedrock.url)
        server = create_app(settings)
        upgrade_database(server)
        try:
            with server.app_context():
                run(settings, args, folder, bedrock)
        finally:
            stop_zygote(settings)
            bedrock.stop()
            postgres.stop()


def run(settings: Settings, args, folder: Path, bedrock: FakeBedrock) -> None:
    user = create_user("engineer", "benchmark-password-123")
    started = time.perf_counter()
    dataset = receive_upload(user, "plant.csv", write_plant(folder / "upload.csv", args.rows, 1))
    wait_for_jobs(timeout=600)
    session = create_session(user, dataset.id)
    view = views.create_view(user, "Plant weekly")
    for code in (answers() * args.pins)[:args.pins]:
        bedrock.queue(code_reply(code))
        entry = questions.ask(user, session.id, "A question the model answers with this code")
        if entry.status != "success":
            raise RuntimeError(f"setting up a pin failed: {entry.error_message}")
        views.add_figure(user, view.id, gallery.pin_answer(user, entry.id).id)
    version = receive_version(user, dataset.id, "plant week 2.csv",
                              write_plant(folder / "week2.csv", args.rows + args.rows // 10, 2))
    wait_for_jobs(timeout=600)
    confirm_version(user, dataset.id, version.number)
    print(f"Setup (two uploads, {args.pins} answers): {time.perf_counter() - started:.1f} s")
    zygote = ensure_zygote(settings)["pid"]
    workers = psutil.cpu_count()
    refresh_view(user, view.id)  # warm: local Parquet copies, the zygote's first forks
    sequential, sequential_peak, _ = timed_refreshes(user, view.id, 1, args.runs, zygote)
    concurrent, concurrent_peak, stale = timed_refreshes(user, view.id, None, args.runs, zygote)
    rows = args.rows + args.rows // 10
    print(f"Refresh of a view: {args.pins} pins on {rows:,} rows, {args.runs} runs each, {workers} CPUs")
    print(f"  one pin at a time (reference)   median {statistics.median(sequential):6.2f} s   "
          f"runners' peak RSS {sequential_peak / 2**20:6.0f} MiB")
    print(f"  concurrent ({workers} at once)         median {statistics.median(concurrent):6.2f} s   "
          f"runners' peak RSS {concurrent_peak / 2**20:6.0f} MiB")
    verdict = "PASS" if statistics.median(concurrent) < TARGET_SECONDS and not stale else "FAIL"
    print(f"  stale after refresh: {stale} of {args.pins}; target < {TARGET_SECONDS:.0f} s  {verdict}")


if __name__ == "__main__":
    main()
