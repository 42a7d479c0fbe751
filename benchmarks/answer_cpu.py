"""CPU seconds this process spends per answered question, for the offline engine and the model.

    .venv/bin/python benchmarks/answer_cpu.py [--rows 5000] [--rounds 5] [--profile] [--top 30]

Everything is real but the model: embedded PostgreSQL, local storage, an uploaded sensor CSV
(tests/harness/files.py), the sandbox zygote, and `services.questions.ask` for six fixed
questions, answered by the offline engine and then by "the model": the local fake Bedrock
endpoint (tests/fakes/bedrock.py, no latency) replying with code of the kind Claude writes,
explanation and columns included. The fake runs in a child process forked first, so its CPU is
not counted; nor is the sandbox's (its runners are other processes). One round of the six
questions warms each engine (imports, the zygote, local Parquet copies); then --rounds rounds,
each in a new conversation, are timed with time.process_time (all of this process's threads;
the asking thread's share by time.thread_time) and wall time. --profile prints cProfile's top
entries of the timed rounds (cumulative and own time; the asking thread only). Reports
figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import multiprocessing
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from tests.fakes.bedrock import GOVCLOUD_MODEL, FakeBedrock, Reply, code_reply  # noqa: E402
from tests.harness.files import write_sensor_csv  # noqa: E402

# Question -> the code a model writes for it (with the explanation the prompt asks for).
MODEL_CODE = {
    "How many readings are there?": """
df = execute_sql_query("SELECT count(*) AS n FROM sensors")
n = int(df["n"][0])
result = {"type": "number", "value": n, "explanation": f"Counted all rows of sensors: {n} rows.",
          "columns_used": [], "rows_used": n}
""",
    "Average temperature_c by unit": """
import plotly.express as px
df = execute_sql_query("SELECT unit, avg(temperature_c) AS avg_temperature_c, count(*) AS n FROM sensors "
                       "GROUP BY unit ORDER BY unit")
fig = px.bar(df, x="unit", y="avg_temperature_c", title="Average temperature_c by unit",
             labels={"unit": "Unit", "avg_temperature_c": "Average temperature (°C)"})
result = {"type": "plot", "value": fig,
          "explanation": "Averaged temperature_c for each unit over all rows of sensors.",
          "columns_used": ["unit", "temperature_c"], "rows_used": int(df["n"].sum())}
""",
    "Top 3 units by total pressure_kpa": """
df = execute_sql_query("SELECT unit, sum(pressure_kpa) AS total_pressure_kpa FROM sensors "
                       "GROUP BY unit ORDER BY total_pressure_kpa DESC LIMIT 3")
rows = execute_sql_query("SELECT count(*) AS n FROM sensors")
result = {"type": "dataframe", "value": df,
          "explanation": "Summed pressure_kpa for each unit over all rows of sensors and kept the top 3.",
          "columns_used": ["unit", "pressure_kpa"], "rows_used": int(rows["n"][0])}
""",
    "Trend of average temperature_c per hour": """
import plotly.express as px
df = execute_sql_query("SELECT date_trunc('hour', timestamp) AS hour, avg(temperature_c) AS avg_temperature_c, "
                       "count(*) AS n FROM sensors GROUP BY 1 ORDER BY 1")
fig = px.line(df, x="hour", y="avg_temperature_c", title="Average temperature_c per hour",
              labels={"hour": "Hour", "avg_temperature_c": "Average temperature (°C)"})
result = {"type": "plot", "value": fig,
          "explanation": "Averaged temperature_c for each hour of timestamp over all rows of sensors.",
          "columns_used": ["timestamp", "temperature_c"], "rows_used": int(df["n"].sum())}
""",
    "What share of rows does each status have?": """
df = execute_sql_query("SELECT status, count(*) AS n, 100.0 * count(*) / sum(count(*)) OVER () AS share_pct "
                       "FROM sensors GROUP BY status ORDER BY n DESC")
result = {"type": "dataframe", "value": df,
          "explanation": "Counted rows of sensors for each status and divided by all rows.",
          "columns_used": ["status"], "rows_used": int(df["n"].sum())}
""",
    "Maximum pressure_kpa by unit": """
df = execute_sql_query("SELECT unit, max(pressure_kpa) AS max_pressure_kpa, count(*) AS n FROM sensors "
                       "GROUP BY unit ORDER BY unit")
result = {"type": "dataframe", "value": df[["unit", "max_pressure_kpa"]],
          "explanation": "Took the maximum of pressure_kpa for each unit over all rows of sensors.",
          "columns_used": ["unit", "pressure_kpa"], "rows_used": int(df["n"].sum())}
""",
}
QUESTIONS = list(MODEL_CODE)
ASKED = re.compile(r"Question: (.+)")


def model_reply(prompt: str) -> str:
    """The scripted answer to the last question the prompt asks."""
    return code_reply(MODEL_CODE[ASKED.findall(prompt)[-1].strip()]).text


def serve_fake_bedrock(url_sender) -> None:
    """In the child process: the fake endpoint, answering every request from MODEL_CODE."""
    fake = FakeBedrock()
    fake.script.extend(Reply(respond=model_reply) for _ in range(1_000_000))
    url_sender.send(fake.start().url)
    url_sender.close()
    while True:
        time.sleep(3600)


@dataclasses.dataclass
class Timings:
    cpu_s: list[float] = dataclasses.field(default_factory=list)
    thread_s: list[float] = dataclasses.field(default_factory=list)  # this thread's share of cpu_s
    wall_ms: list[float] = dataclasses.field(default_factory=list)
    failures: list[str] = dataclasses.field(default_factory=list)


def ask_round(user, dataset_id, timings: Timings | None) -> None:
    """The six questions in a new conversation; timed into `timings` unless None (warm-up)."""
    from insight_dash.services import questions
    from insight_dash.services.conversations import create_session

    session = create_session(user, dataset_id)
    for question in QUESTIONS:
        cpu, thread, wall = time.process_time(), time.thread_time(), time.perf_counter()
        entry = questions.ask(user, session.id, question)
        if timings is None:
            continue
        timings.cpu_s.append(time.process_time() - cpu)
        timings.thread_s.append(time.thread_time() - thread)
        timings.wall_ms.append((time.perf_counter() - wall) * 1000)
        if entry.status != "success" or entry.result_kind == "declined":
            timings.failures.append(f"{question!r}: {entry.status} {entry.error_message or entry.response_text}")


def run_engine(server, settings, name: str, user, dataset_id, args) -> tuple[Timings, str]:
    """Warm up, then time --rounds rounds with `settings` as the app's; (timings, profile text)."""
    server.extensions["insight_settings"] = settings
    ask_round(user, dataset_id, None)
    timings, profiler = Timings(), cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    for _ in range(args.rounds):
        ask_round(user, dataset_id, timings)
    if not profiler:
        return timings, ""
    profiler.disable()
    text = io.StringIO()
    for order in ("cumulative", "tottime"):
        pstats.Stats(profiler, stream=text).strip_dirs().sort_stats(order).print_stats(args.top)
    return timings, f"---- {name}: cProfile of {len(timings.cpu_s)} answers\n{text.getvalue()}"


def report(name: str, timings: Timings) -> None:
    cpu_ms = [seconds * 1000 for seconds in timings.cpu_s]
    print(f"  {name:<8} {len(cpu_ms)} answers: CPU {statistics.mean(cpu_ms) / 1000:.3f} s/answer "
          f"(median {statistics.median(cpu_ms):.0f} ms, max {max(cpu_ms):.0f} ms, asking thread "
          f"{statistics.mean(timings.thread_s) * 1000:.0f} ms); wall median "
          f"{statistics.median(timings.wall_ms):.0f} ms, max {max(timings.wall_ms):.0f} ms")
    for failure in timings.failures:
        print(f"    not answered: {failure}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    # The fake endpoint checks that requests are SigV4-signed, as Bedrock does; any key signs.
    for name, value in (("AWS_ACCESS_KEY_ID", "benchmark"), ("AWS_SECRET_ACCESS_KEY", "benchmark")):
        os.environ.setdefault(name, value)
    # Forked before the app exists, so the child holds no database connection or thread of it.
    receiver, sender = multiprocessing.get_context("fork").Pipe(duplex=False)
    bedrock = multiprocessing.get_context("fork").Process(target=serve_fake_bedrock, args=(sender,), daemon=True)
    bedrock.start()
    bedrock_url = receiver.recv()
    try:
        with tempfile.TemporaryDirectory(prefix="insight-cpu-") as folder:
            run(Path(folder), bedrock_url, args)
    finally:
        bedrock.terminate()


def run(folder: Path, bedrock_url: str, args) -> None:
    from insight_dash.app import create_app
    from insight_dash.database import upgrade_database
    from insight_dash.jobs.threads import wait_for_jobs
    from insight_dash.sandbox.client import stop_zygote
    from insight_dash.services.ingest import receive_upload
    from insight_dash.services.users import create_user
    from insight_dash.settings import Settings
    from tests.harness.servers import EmbeddedPostgres

    postgres = EmbeddedPostgres(folder / "pg")
    offline = Settings(database_url=postgres.start(), data_dir=folder / "data", sweep_every_s=0,
                       secret_key="benchmark-secret-key-that-is-long-enough-0123456789",
                       sandbox_user="nobody" if os.geteuid() == 0 else None)
    model = dataclasses.replace(offline, llm_model=GOVCLOUD_MODEL, llm_region="us-gov-east-1",
                                llm_endpoint_url=bedrock_url)
    server = create_app(offline)
    upgrade_database(server)
    try:
        with server.app_context():
            user = create_user("engineer", "benchmark-password-123")
            dataset = receive_upload(user, "sensors.csv", write_sensor_csv(folder / "upload.csv", rows=args.rows))
            wait_for_jobs(timeout=600)
            results = [(name, *run_engine(server, settings, name, user, dataset.id, args))
                       for name, settings in (("offline", offline), ("model", model))]
    finally:
        stop_zygote(offline)
        postgres.stop()
    print(f"CPU of this process per answer (sandbox excluded): {len(QUESTIONS)} questions x {args.rounds} rounds "
          f"on {args.rows:,} rows, after one warm-up round each")
    for name, timings, _ in results:
        report(name, timings)
    for _, _, profile in results:
        print(profile, end="")


if __name__ == "__main__":
    main()
