"""Load benchmark: N signed-in users on Gunicorn, paging previews and asking the offline engine.

Run it from the repository root:

    .venv/bin/python benchmarks/load.py                  # 20 users, 60 s, Gunicorn 4 workers x 4 threads
    .venv/bin/python benchmarks/load.py --smoke          # 3 users, 10 s (what a test can afford)
    .venv/bin/python benchmarks/load.py --workers 2 --threads 8 --users 10 --seconds 30 --think 0

What it does:

1. Writes one sensor CSV per user (timestamp, unit, temperature_c, pressure_kpa, status; 20k rows,
   seed = user number), starts `gunicorn -c gunicorn.conf.py wsgi:server` through
   `tests.harness.servers.GunicornServer` (an embedded PostgreSQL held by the harness, a temporary
   data folder, nothing configured for the model: the offline engine answers), creates the users.
2. Untimed setup: every user signs in through the real /login form, uploads its CSV through
   POST /upload (as assets/upload.js does) and waits until the dataset is `ready`.
3. Timed phase (`--seconds`): Locust, in its own process (`benchmarks/load_users.py`), runs every
   user as a Locust user in a closed loop with a think time (uniform 0.5x..1.5x `--think`
   seconds) between steps (`benchmarks/steps.py`):
   - open the workspace: GET /datasets/<id> (the HTML document: CSRF cookie, the renderer's
     signed endId) and the Dash Pages routing callback for that path        -> "page"
   - page the preview grid: the AG Grid infinite-model callback (getRowsRequest ->
     getRowsResponse), rows 0-200, 200-400, then 0-200 sorted by temperature_c desc -> "grid"
   - ask a question: the ask-button callback (stores a `running` QueryLog, returns its id in
     pending-query.data), then the background callback answer_pending driven as dash-renderer
     does it (start, poll every `interval` ms with the signed cacheKey/job, read the result)
                                                                              -> "question"
   No step starts after the deadline; steps in flight are allowed to finish (`--drain`).
4. Reads PostgreSQL directly (DATABASE_URL) for the QueryLogs of every submitted question.
5. Samples RSS every 0.5 s (`benchmarks/sampling.py`): each Gunicorn worker, the
   background-callback job processes forked from them, and the sandbox zygote with its per-query
   children; and whole-machine CPU.

Prints a table and a one-line verdict against the targets: 0 errors, 0 lost QueryLogs, page p95
< 300 ms while questions are running. It reports; it does not assert on timings. The exit code is
0 whatever the figures are, unless `--check` is given: then 1 when there were errors or lost
QueryLogs (functional failures, never latency). Results go to benchmarks/output/load.json (`--results`).

An error is: any HTTP status >= 400 or no response, any callback that answered with the app's
error toast or with 204 where the page needs an update, a grid page with the wrong rows, a user
still inside a step `--drain` seconds after the deadline, and any question whose QueryLog ended
`error`. A lost QueryLog is a question whose submit returned an id but that is not
`success`/`error` in the database after the run (missing, or still `running`).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

import sqlalchemy as sa  # noqa: E402

from benchmarks.sampling import MemorySampler, mib  # noqa: E402
from benchmarks.steps import GRID_BLOCK, PASSWORD, PageProbe, Recorder, Sample, prepare_all  # noqa: E402
from tests.fakes.bedrock import GOVCLOUD_MODEL, FakeBedrock, Reply, code_reply  # noqa: E402
from tests.harness.files import write_sensor_csv  # noqa: E402  (the test suite's sensor export, bigger)
from tests.harness.servers import GunicornServer  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_FILE = REPO_ROOT / "benchmarks" / "output" / "load.json"
LOCUST_USERS = Path(__file__).resolve().parent / "load_users.py"
PAGE_P95_TARGET_MS = 300.0
QUESTIONS = (
    "How many readings are there?",
    "Average temperature_c by unit",
    "Top 3 units by total pressure_kpa",
    "Trend of average temperature_c per hour",
    "What share of rows does each status have?",
    "Maximum pressure_kpa by unit",
)
# What the fake model writes for each question (the tables are all "sensors": every user uploads
# sensors.csv): the code PandasAI's agent runs in the sandbox, as Claude writes it.
MODEL_CODE = {
    QUESTIONS[0]: 'df = execute_sql_query("SELECT count(*) AS n FROM sensors")\n'
                  'result = {"type": "number", "value": int(df["n"][0])}',
    QUESTIONS[1]: 'df = execute_sql_query("SELECT unit, avg(temperature_c) AS mean_temperature_c FROM sensors '
                  'GROUP BY unit ORDER BY unit")\nresult = {"type": "dataframe", "value": df}',
    QUESTIONS[2]: 'df = execute_sql_query("SELECT unit, sum(pressure_kpa) AS total_pressure_kpa FROM sensors '
                  'GROUP BY unit ORDER BY total_pressure_kpa DESC LIMIT 3")\nresult = {"type": "dataframe", "value": df}',
    QUESTIONS[3]: 'import plotly.express as px\n'
                  'df = execute_sql_query("SELECT date_trunc(\'hour\', timestamp) AS hour, avg(temperature_c) AS '
                  'mean_temperature_c FROM sensors GROUP BY 1 ORDER BY 1")\n'
                  'fig = px.line(df, x="hour", y="mean_temperature_c", title="Mean temperature per hour")\n'
                  'result = {"type": "plot", "value": fig}',
    QUESTIONS[4]: 'df = execute_sql_query("SELECT status, count(*) * 1.0 / sum(count(*)) OVER () AS share FROM sensors '
                  'GROUP BY status ORDER BY share DESC")\nresult = {"type": "dataframe", "value": df}',
    QUESTIONS[5]: 'import plotly.express as px\n'
                  'df = execute_sql_query("SELECT unit, max(pressure_kpa) AS max_pressure_kpa FROM sensors '
                  'GROUP BY unit ORDER BY unit")\n'
                  'fig = px.bar(df, x="unit", y="max_pressure_kpa", title="Maximum pressure by unit")\n'
                  'result = {"type": "plot", "value": fig}',
}
GRID_REQUESTS = (
    {"startRow": 0, "endRow": GRID_BLOCK, "sortModel": [], "filterModel": {}},
    {"startRow": GRID_BLOCK, "endRow": 2 * GRID_BLOCK, "sortModel": [], "filterModel": {}},
    {"startRow": 0, "endRow": GRID_BLOCK, "sortModel": [{"colId": "temperature_c", "sort": "desc"}],
     "filterModel": {}},
)


LOG_MARKERS = ("Traceback", " ERROR ", "WORKER TIMEOUT", "SIGKILL", "SIGABRT", "database is locked",
               "Exception", "terminate called")


def fake_model(latency: tuple[float, float], seed: int) -> FakeBedrock:
    """A Bedrock endpoint that answers every question with its code after 5-15 s (seeded)."""
    rng, lock = random.Random(seed), threading.Lock()

    def code_for(prompt: str) -> str:
        # The question asked is the last one the prompt names (earlier ones are its context).
        asked = max(QUESTIONS, key=prompt.rfind)
        return code_reply(MODEL_CODE[asked]).text

    def reply() -> Reply:
        with lock:
            delay = rng.uniform(*latency)
        return Reply(respond=code_for, delay_s=delay)

    return FakeBedrock(fallback=reply).start()


def model_env(fake: FakeBedrock | None, latency_s: float) -> dict[str, str]:
    """The server's settings for the fake endpoint (litellm signs with these dummy credentials)."""
    if fake is None:
        return {}
    return {"INSIGHT_LLM_MODEL": GOVCLOUD_MODEL, "INSIGHT_LLM_REGION": "us-gov-east-1",
            "INSIGHT_LLM_ENDPOINT_URL": fake.url, "INSIGHT_LLM_TIMEOUT_S": str(int(latency_s) + 30),
            "AWS_ACCESS_KEY_ID": "AKIAFAKEBEDROCK", "AWS_SECRET_ACCESS_KEY": "fake-secret-for-the-local-endpoint"}


def queue_waits(log_text: str, ids: list[int]) -> list[float]:
    """How long each question waited before its job began (the server logs waited_ms), ms."""
    wanted, waits = set(ids), []
    for line in log_text.splitlines():
        if "question answered" not in line:
            continue
        query = re.search(r'query_id["=: ]+(\d+)', line)
        waited = re.search(r'waited_ms["=: ]+(\d+)', line)
        if query and waited and int(query.group(1)) in wanted:
            waits.append(float(waited.group(1)))
    return waits


def log_summary(text: str) -> dict[str, int]:
    """How often the server's log says something went wrong (lines containing each marker)."""
    lines = text.splitlines()
    return {marker.strip(): n for marker in LOG_MARKERS if (n := sum(marker in line for line in lines))}


# --------------------------------------------------------------------------------------
# Figures


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def latency_row(label: str, samples: list[Sample]) -> dict[str, Any]:
    values = [s.ms for s in samples]
    return {"label": label, "count": len(values), "failed": sum(not s.ok for s in samples),
            "p50_ms": percentile(values, 0.5), "p95_ms": percentile(values, 0.95),
            "max_ms": max(values) if values else float("nan")}


def overlaps(sample: Sample, intervals: list[tuple[float, float]]) -> bool:
    return any(start < sample.ended and sample.started < end for start, end in intervals)


def query_outcomes(database_url: str, ids: list[int]) -> dict[str, Any]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, status, error_message FROM query_logs WHERE id = ANY(:ids)"),
                                {"ids": ids}).all() if ids else []
            running_total = conn.execute(sa.text("SELECT count(*) FROM query_logs WHERE status = 'running'")
                                         ).scalar_one()
            latency = conn.execute(sa.text(
                "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms), "
                "percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms), max(latency_ms), "
                "percentile_cont(0.5) WITHIN GROUP (ORDER BY exec_ms) "
                "FROM query_logs WHERE id = ANY(:ids) AND status = 'success'"), {"ids": ids}).one() if ids else None
    finally:
        engine.dispose()
    statuses = Counter(row.status for row in rows)
    messages = Counter(row.error_message for row in rows if row.status == "error")
    return {"found": len(rows), "statuses": dict(statuses), "error_messages": dict(messages.most_common(5)),
            "running_left": running_total, "server_latency_ms": list(latency) if latency else None}


def report(args: argparse.Namespace, timed: dict[str, Any], recorder: Recorder, probed: Recorder,
           sampler: MemorySampler, outcomes: dict[str, Any], load_cpu_s: float, waits: list[float]) -> dict[str, Any]:
    """Print the figures and the verdict; the same as JSON. `timed` is what load_users.py wrote."""
    intervals = recorder.question_intervals
    timed_s, requests = timed["timed_s"], timed["requests"]
    by_kind = defaultdict(list)
    for sample in recorder.samples:
        by_kind[sample.kind].append(sample)
    pages_during = [s for s in by_kind["page"] if overlaps(s, intervals)]
    probed_pages = [s for s in probed.samples if s.kind == "page"]
    probed_during = [s for s in probed_pages if overlaps(s, intervals)]
    rows = [latency_row("page (routing callback)", by_kind["page"]),
            latency_row("page while questions run", pages_during),
            latency_row("page HTML document", by_kind["document"]),
            latency_row("grid page (200 rows)", by_kind["grid"]),
            latency_row("question round-trip", by_kind["question"]),
            latency_row("probe page", probed_pages),
            latency_row("probe page, questions run", probed_during)]
    submitted = len(recorder.submitted)
    settled = outcomes["statuses"].get("success", 0) + outcomes["statuses"].get("error", 0)
    lost = submitted - settled
    question_errors = outcomes["statuses"].get("error", 0)
    errors = sum(recorder.errors.values()) + sum(probed.errors.values()) + question_errors
    page_p95 = rows[6]["p95_ms"]

    print()
    model = ("offline engine" if args.model == "offline" else
             f"fake Bedrock, {args.latency[0]:g}-{args.latency[1]:g} s a reply (seed {args.seed})")
    print(f"Load on {args.app_root}: {args.users} users, {args.seconds:.0f} s timed (+ drain), think {args.think:g} s; "
          f"Gunicorn {args.workers} workers x {args.threads} threads (gthread); {os.cpu_count()} CPUs; "
          f"{args.rows:,} rows per dataset; {model}")
    print(f"Timed phase (Locust): {timed_s:.1f} s, {requests} HTTP requests = {requests / timed_s:.1f} req/s "
          f"(callback polls included); statuses {dict(sorted(recorder.statuses.items(), key=str))}")
    print()
    print(f"{'latency':<26}{'count':>7}{'failed':>8}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for row in rows:
        print(f"{row['label']:<26}{row['count']:>7}{row['failed']:>8}{row['p50_ms']:>10.0f}{row['p95_ms']:>10.0f}"
              f"{row['max_ms']:>10.0f}")
    server_latency = outcomes.get("server_latency_ms")
    if server_latency and server_latency[0] is not None:
        print(f"  (QueryLog latency_ms, answered in the job: p50 {server_latency[0]:.0f}, p95 {server_latency[1]:.0f}, "
              f"max {server_latency[2]:.0f}; sandbox exec_ms p50 {server_latency[3] or 0:.0f})")
    if waits:
        print(f"  (waited before the job began, from the server's log: p50 {percentile(waits, 0.5):.0f}, "
              f"p95 {percentile(waits, 0.95):.0f}, max {max(waits):.0f} ms, {len(waits)} questions)")
    else:
        print("  (waited before the job began: not logged by this app)")
    drawn = recorder.answer_bytes
    if drawn:
        print(f"  (received to draw a question and its answer: median {statistics.median(drawn) / 1024:.1f} KiB, "
              f"max {max(drawn) / 1024:.1f} KiB, {len(drawn)} answers)")
    print()
    print(f"Questions: {recorder.submit_attempts} asked, {submitted} stored (ids returned), "
          f"in the database: {outcomes['statuses'] or '{}'}; lost {lost}; "
          f"left running (whole database): {outcomes['running_left']}")
    if outcomes["error_messages"]:
        print(f"  QueryLog errors: {outcomes['error_messages']}")
    print(f"Errors: {errors} = requests/callbacks {dict(recorder.errors) or 0} + probe {dict(probed.errors) or 0} "
          f"+ questions ended error {question_errors}")
    for kind, example in {**recorder.error_examples, **probed.error_examples}.items():
        print(f"  e.g. {kind}: {example}")
    print()
    print("Peak RSS (sampled every 0.5 s):")
    for pid, peak in sorted(sampler.worker_peak.items()):
        print(f"  worker {pid:<8}{mib(peak)}")
    if sampler.jobs_count_peak:
        print(f"  background jobs     {mib(sampler.job_peak)} largest, {mib(sampler.jobs_total_peak)} together "
              f"(up to {sampler.jobs_count_peak} at once; each a fork of a worker)")
        print(f"    their USS         {mib(sampler.job_uss_peak)} largest, "
              f"{mib(sampler.jobs_uss_total_peak)} together "
              f"(private pages: what the forks cost beyond their workers; read every 2 s)")
    else:
        print("  background jobs     no process of their own (threads of the workers: in the workers' RSS)")
    print(f"  sandbox zygote      {mib(sampler.zygote_peak)}; zygote + children {mib(sampler.sandbox_total_peak)} "
          f"(up to {sampler.sandbox_count_peak} children at once; RSS counts shared pages in each)")
    print(f"  the whole server    {mib(sampler.task_rss_peak)} RSS summed, {mib(sampler.task_pss_peak)} PSS summed "
          f"(shared pages split among their sharers; read every 2 s)")
    cpu = sampler.cpu
    cores = os.cpu_count() or 1
    machine_s, server_s = sampler.machine_busy_s(), sampler.server_cpu_s()
    other_s = max(0.0, machine_s - server_s - load_cpu_s)
    job_cpu = sorted(sampler.job_cpu.values())
    available_s = cores * sampler.seconds
    print(f"CPU: machine busy {machine_s:.0f} of {available_s:.0f} core-s ({100 * machine_s / available_s:.0f}%): "
          f"Insight server >= {server_s:.0f} (Gunicorn, jobs, sandbox), this load generator {load_cpu_s:.0f}, "
          f"other processes on the machine <= {other_s:.0f}")
    if job_cpu:
        print(f"  background jobs: {len(job_cpu)} seen, CPU-s each >= p50 {percentile(job_cpu, 0.5):.2f}, "
              f"max {job_cpu[-1]:.2f}, together {sum(job_cpu):.0f}")
    print()
    # No page load overlapping a question (too short a run) is not a pass.
    passed = errors == 0 and lost == 0 and bool(probed_during) and page_p95 < PAGE_P95_TARGET_MS
    print(f"VERDICT: {'PASS' if passed else 'FAIL'}: errors {errors} (target 0), lost QueryLogs {lost} "
          f"(target 0), page p95 while questions run {page_p95:.0f} ms, seen by the probe "
          f"(target < {PAGE_P95_TARGET_MS:.0f} ms)")
    return {
        "config": {name: str(value) for name, value in vars(args).items()}, "cpus": os.cpu_count(), "timed_s": timed_s, "requests": requests,
        "requests_per_s": requests / timed_s, "locust_requests": timed["by_request"], "statuses": {str(k): v for k, v in recorder.statuses.items()},
        "latency": rows, "questions": {"asked": recorder.submit_attempts, "stored": submitted, **outcomes,
                                       "lost": lost},
        "queue_wait_ms": {"p50": percentile(waits, 0.5), "p95": percentile(waits, 0.95),
                          "max": max(waits)} if waits else None,
        "answer_bytes": {"median": statistics.median(drawn), "max": max(drawn)} if drawn else None,
        "errors": {"total": errors, "by_kind": dict(recorder.errors), "examples": recorder.error_examples,
                   "questions_ended_error": question_errors},
        "rss_peak_bytes": {"workers": {str(k): v for k, v in sampler.worker_peak.items()},
                           "job_largest": sampler.job_peak, "jobs_together": sampler.jobs_total_peak,
                           "zygote": sampler.zygote_peak, "sandbox_tree": sampler.sandbox_total_peak,
                           "server_rss_summed": sampler.task_rss_peak, "server_pss_summed": sampler.task_pss_peak},
        "cpu_percent": {"mean": statistics.fmean(cpu) if cpu else None, "max": max(cpu) if cpu else None},
        "cpu_seconds": {"machine_busy": machine_s, "server": server_s, "load_generator": load_cpu_s,
                        "other": other_s, "available": available_s, "jobs": sum(job_cpu),
                        "job_p50": percentile(job_cpu, 0.5) if job_cpu else None},
        "rss_peak_jobs_uss": {"largest": sampler.job_uss_peak, "together": sampler.jobs_uss_total_peak},
        "rss_jobs_count_peak": sampler.jobs_count_peak,
        "verdict": "PASS" if passed else "FAIL",
    }


# --------------------------------------------------------------------------------------
# Main


def run(args: argparse.Namespace) -> dict[str, Any]:
    """One load run against the app of `args.app_root`; its figures."""
    with tempfile.TemporaryDirectory(prefix="insight-load-") as folder:
        # Every user's file is sensors.csv (a table named "sensors", as the fake model's code expects).
        files = []
        for n in range(args.users):
            (Path(folder) / f"user-{n:02d}").mkdir()
            files.append(write_sensor_csv(Path(folder) / f"user-{n:02d}" / "sensors.csv", args.rows, seed=n))
        fake = fake_model(tuple(args.latency), args.seed) if args.model == "fake-bedrock" else None
        env = {"INSIGHT_LOG_LEVEL": args.log_level, **model_env(fake, args.latency[1])}
        try:
            with GunicornServer(workers=args.workers, threads=args.threads, database_url=args.database_url,
                                env=env, keep_data_dir=args.keep, app_root=args.app_root) as server:
                return measure(args, server, files, Path(folder))
        finally:
            if fake is not None:
                fake.stop()


def measure(args: argparse.Namespace, server: GunicornServer, files: list[Path], folder: Path) -> dict[str, Any]:
    print(f"Gunicorn up at {server.url} (master {server.master_pid}, workers {server.worker_pids()}, "
          f"zygote {server.zygote_pid()}) from {args.app_root}", flush=True)
    names = [f"load{n:02d}" for n in range(args.users)]
    server.create_users((name, PASSWORD) for name in [*names, "probe"])
    setup_started = time.perf_counter()
    *prepared, (probe_client, probe_dataset) = prepare_all(server, [*names, "probe"], [*files, files[0]],
                                                           args.ready_timeout)
    print(f"{args.users} users signed in, uploaded and ready in {time.perf_counter() - setup_started:.1f} s; "
          f"running for {args.seconds:.0f} s", flush=True)
    plan = {"url": server.url, "seconds": args.seconds, "drain": args.drain, "think": args.think,
            "rows": args.rows, "questions": QUESTIONS, "grid_requests": GRID_REQUESTS,
            "users": [{"number": n, "name": name, "dataset_id": dataset_id}
                      for n, (name, (_, dataset_id)) in enumerate(zip(names, prepared))]}
    sampler = MemorySampler(server)
    sampler.start()
    probe = PageProbe(probe_client, probe_dataset, args.rows)
    probe.start()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    timed = run_locust(plan, folder)
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    probe.stop()
    sampler.stop()
    recorder = Recorder.from_json(timed["recorder"])
    outcomes = query_outcomes(server.database_url, list(recorder.submitted))
    load_cpu_s = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    log_text = server.log_text()
    results = report(args, timed, recorder, probe.recorder, sampler, outcomes, load_cpu_s,
                     queue_waits(log_text, list(recorder.submitted)))
    results["server_log"] = log_summary(log_text)
    if results["server_log"]:
        print(f"Server log: {results['server_log']}")
    if args.keep:
        print(f"(data folder and server log kept: {server.data_dir})")
    return results


COMPARED = (("errors", lambda r: r["errors"]["total"], "{:.0f}"),
            ("lost QueryLogs", lambda r: r["questions"]["lost"], "{:.0f}"),
            ("questions answered", lambda r: r["questions"]["statuses"].get("success", 0), "{:.0f}"),
            ("page p95 while questions run, ms (probe)", lambda r: r["latency"][6]["p95_ms"], "{:.0f}"),
            ("  the same, as Locust's users saw it", lambda r: r["latency"][1]["p95_ms"], "{:.0f}"),
            ("question round trip p50, ms", lambda r: r["latency"][4]["p50_ms"], "{:.0f}"),
            ("waited before the job began p95, ms", lambda r: (r["queue_wait_ms"] or {}).get("p95"), "{:.0f}"),
            ("received per answer, median KiB", lambda r: (r["answer_bytes"] or {}).get("median", 0) / 1024, "{:.1f}"),
            ("forked jobs at once, peak", lambda r: r["rss_jobs_count_peak"], "{:.0f}"),
            ("forked jobs' USS together, MiB", lambda r: r["rss_peak_jobs_uss"]["together"] / 2**20, "{:.0f}"),
            ("server RSS summed, peak MiB", lambda r: r["rss_peak_bytes"]["server_rss_summed"] / 2**20, "{:.0f}"),
            ("server PSS summed, peak MiB", lambda r: r["rss_peak_bytes"]["server_pss_summed"] / 2**20, "{:.0f}"),
            ("CPU-s of the server", lambda r: r["cpu_seconds"]["server"], "{:.0f}"),
            ("  per answered question", lambda r: r["cpu_seconds"]["server"] / max(1, r["questions"]["statuses"].get(
                "success", 0)), "{:.2f}"))


def compare(reference: dict[str, Any], current: dict[str, Any]) -> None:
    """The two runs of one `--reference` invocation side by side."""
    print()
    print(f"{'same load, one invocation':<40}{'reference':>14}{'this checkout':>16}")
    for label, figure, shape in COMPARED:
        cells = []
        for results in (reference, current):
            value = figure(results)
            cells.append(shape.format(value) if value is not None else "n/a")
        print(f"{label:<40}{cells[0]:>14}{cells[1]:>16}")


def run_locust(plan: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The timed phase in its own process (benchmarks/load_users.py); what it wrote."""
    plan_file, results_file = folder / "plan.json", folder / "timed.json"
    plan_file.write_text(json.dumps(plan))
    # Locust stops every user by seconds + drain; the margin covers its start and its own stop.
    limit = plan["seconds"] + plan["drain"] + 60
    try:
        subprocess.run([sys.executable, str(LOCUST_USERS), str(plan_file), str(results_file)], check=True,
                       timeout=limit)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"the Locust process was still running after {limit:.0f} s (its output is above)") from None
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"the Locust process failed with exit code {exc.returncode} (its output is above)") from None
    return json.loads(results_file.read_text())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("GUNICORN_WORKERS", 4)))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("GUNICORN_THREADS", 4)))
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0, help="timed phase (no step starts after it)")
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean think time between a user's steps, seconds (uniform 0.5x..1.5x; 0 = none)")
    parser.add_argument("--rows", type=int, default=20_000, help="rows of each user's CSV")
    parser.add_argument("--drain", type=float, default=120.0, help="seconds allowed after the deadline")
    parser.add_argument("--ready-timeout", type=float, default=300.0, help="seconds for the uploads to be ready")
    parser.add_argument("--database-url", default=None, help="an existing PostgreSQL (default: embedded)")
    parser.add_argument("--log-level", default="INFO", help="INSIGHT_LOG_LEVEL of the server (default INFO)")
    parser.add_argument("--keep", action="store_true", help="keep the server's data folder and log")
    parser.add_argument("--smoke", action="store_true", help="3 users for 10 s (flags given explicitly still win)")
    parser.add_argument("--check", action="store_true", help="exit 1 on errors or lost QueryLogs (not on latency)")
    parser.add_argument("--results", type=Path, default=RESULTS_FILE, help="where the JSON results go")
    parser.add_argument("--model", choices=("offline", "fake-bedrock"), default="offline",
                        help="who answers: the offline engine, or a local Bedrock endpoint with scripted code "
                             "and --latency (40 users unless --users is given)")
    parser.add_argument("--latency", type=float, nargs=2, default=(5.0, 15.0), metavar=("LOW", "HIGH"),
                        help="fake-bedrock: seconds each reply takes, uniform between LOW and HIGH")
    parser.add_argument("--seed", type=int, default=16, help="fake-bedrock: the latencies' random seed")
    parser.add_argument("--app-root", type=Path, default=REPO_ROOT,
                        help="the checkout whose app is loaded (default this one)")
    parser.add_argument("--reference", type=Path, default=None,
                        help="first run the same load against the app of this checkout (e.g. an earlier commit: "
                             "git worktree add /tmp/before <commit>), then this one, and compare")
    args = parser.parse_args(argv)
    given = {arg.split("=")[0] for arg in (argv if argv is not None else sys.argv[1:])}
    if args.smoke:
        if "--users" not in given:
            args.users = 3
        if "--seconds" not in given:
            args.seconds = 10.0
    elif args.model == "fake-bedrock":
        if "--users" not in given:
            args.users = 40
        if "--drain" not in given:
            args.drain = 240.0  # 40 users in line for 5-15 s replies
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    reference = None
    if args.reference is not None:
        reference = run(argparse.Namespace(**{**vars(args), "app_root": args.reference.resolve()}))
    results = run(args)
    if reference is not None:
        compare(reference, results)
        results = {**results, "reference": reference}
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2, default=str))
    print(f"(results in {args.results})")
    if args.check and (results["errors"]["total"] or results["questions"]["lost"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
