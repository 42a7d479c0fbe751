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
3. Timed phase (`--seconds`), every user in its own thread, a closed loop with a think time
   (uniform 0.5x..1.5x `--think` seconds) between steps:
   - open the workspace: GET /datasets/<id> (the HTML document: CSRF cookie, the renderer's
     signed endId) and the Dash Pages routing callback for that path        -> "page"
   - page the preview grid: the AG Grid infinite-model callback (getRowsRequest ->
     getRowsResponse), rows 0-200, 200-400, then 0-200 sorted by temperature_c desc -> "grid"
   - ask a question: the ask-button callback (stores a `running` QueryLog, returns its id in
     pending-query.data), then the background callback answer_pending driven as dash-renderer
     does it (start, poll every `interval` ms with the signed cacheKey/job, read the result)
                                                                              -> "question"
   No step starts after the deadline; questions in flight are allowed to finish (`--drain`).
4. Reads PostgreSQL directly (DATABASE_URL) for the QueryLogs of every submitted question.
5. Samples RSS every 0.5 s: each Gunicorn worker, the background-callback job processes forked
   from them, and the sandbox zygote with its per-query children; and whole-machine CPU.

Prints a table and a one-line verdict against the targets: 0 errors, 0 lost QueryLogs, page p95
< 300 ms while questions are running. It reports; it does not assert on timings. The exit code is
0 whatever the figures are, unless `--check` is given: then 1 when there were errors or lost
QueryLogs (functional failures, never latency). Results go to benchmarks/output/load.json.

An error is: any HTTP status >= 400 or no response, any callback that answered with the app's
error toast or with 204 where the page needs an update, a grid page with the wrong rows, and any
question whose QueryLog ended `error`. A lost QueryLog is a question whose submit returned an id
but that is not `success`/`error` in the database after the run (missing, or still `running`).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

import psutil  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from tests.harness.clients import DashError, SignedInClient  # noqa: E402
from tests.harness.dash_protocol import find_component  # noqa: E402
from tests.harness.files import write_sensor_csv  # noqa: E402  (the test suite's sensor export, bigger)
from tests.harness.servers import GunicornServer, rss_of  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT_DIR = REPO_ROOT / "benchmarks" / "output"
RESULTS_FILE = OUTPUT_DIR / "load.json"
PASSWORD = "load-test-password-1"
MIB = 1024 * 1024
SAMPLE_EVERY_S = 0.5
PAGE_P95_TARGET_MS = 300.0
GRID_BLOCK = 200  # the grid's cacheBlockSize (components/dataset_view.py)
QUESTIONS = (
    "How many readings are there?",
    "Average temperature_c by unit",
    "Top 3 units by total pressure_kpa",
    "Trend of average temperature_c per hour",
    "What share of rows does each status have?",
    "Maximum pressure_kpa by unit",
)
GRID_REQUESTS = (
    {"startRow": 0, "endRow": GRID_BLOCK, "sortModel": [], "filterModel": {}},
    {"startRow": GRID_BLOCK, "endRow": 2 * GRID_BLOCK, "sortModel": [], "filterModel": {}},
    {"startRow": 0, "endRow": GRID_BLOCK, "sortModel": [{"colId": "temperature_c", "sort": "desc"}],
     "filterModel": {}},
)


# --------------------------------------------------------------------------------------
# Recording


@dataclass
class Sample:
    kind: str  # document, page, grid, question
    started: float
    ended: float
    ok: bool

    @property
    def ms(self) -> float:
        return (self.ended - self.started) * 1000


@dataclass
class Recorder:
    lock: threading.Lock = field(default_factory=threading.Lock)
    samples: list[Sample] = field(default_factory=list)
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    error_examples: dict[str, str] = field(default_factory=dict)
    submitted: list[int] = field(default_factory=list)  # QueryLog ids returned by the ask callback
    submit_attempts: int = 0
    timed: bool = False

    def observe(self, method: str, path: str, status: int | None, seconds: float) -> None:
        if not self.timed:
            return
        with self.lock:
            self.requests += 1
            self.statuses[status if status is not None else "no response"] += 1

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def error(self, kind: str, detail: str) -> None:
        with self.lock:
            self.errors[kind] += 1
            self.error_examples.setdefault(kind, detail[:300])


class MemorySampler(threading.Thread):
    """Every 0.5 s: RSS of each worker, of each background job, of the sandbox tree; CPU use.

    Every 4th sample also reads the jobs' USS (pages only that job holds: what a fork really
    costs; RSS counts the pages it still shares with its worker). CPU seconds are each
    process's own user+system, last seen (a lower bound: the last < 0.5 s of a process, and
    processes that live less than 0.5 s, e.g. most sandbox runs, are missed)."""

    def __init__(self, server: GunicornServer):
        super().__init__(daemon=True, name="memory-sampler")
        self.server = server
        self.stopping = threading.Event()
        self.worker_peak: dict[int, int] = {}
        self.job_peak = 0  # the largest single job process
        self.jobs_total_peak = 0  # all job processes together
        self.jobs_count_peak = 0
        self.job_uss_peak = 0
        self.jobs_uss_total_peak = 0
        self.zygote_peak = 0
        self.sandbox_total_peak = 0  # zygote + supervisors + runners
        self.sandbox_count_peak = 0
        self.task_rss_peak = 0  # every process of the server summed (shared pages counted in each)
        self.task_pss_peak = 0  # the same with shared pages split among their sharers (read every 2 s)
        self.cpu: list[float] = []
        self.samples = 0
        self.cpu_start: dict[int, float] = {}
        self.cpu_last: dict[int, float] = {}
        self.job_cpu: dict[int, float] = {}
        self.machine_start = psutil.cpu_times()
        self.machine_end = self.machine_start

    def tree(self) -> tuple[list[int], list[int], list[int]]:
        """(master and workers, background jobs, sandbox zygote and its children)."""
        jobs = [pid for pids in self.server.job_pids().values() for pid in pids]
        return [self.server.master_pid, *self.server.worker_pids()], jobs, self.server.sandbox_pids()

    def run(self) -> None:
        psutil.cpu_percent(None)
        self.machine_start = psutil.cpu_times()
        gunicorn, jobs, sandbox = self.tree()
        self.cpu_start = own_cpu_seconds(gunicorn + jobs + sandbox)
        self.cpu_last = dict(self.cpu_start)
        while not self.stopping.wait(SAMPLE_EVERY_S):
            try:
                self.sample()
            except Exception as exc:  # a process vanished mid-read: keep sampling
                print(f"(memory sample skipped: {type(exc).__name__}: {exc})", file=sys.stderr)

    def sample(self) -> None:
        self.samples += 1
        self.cpu.append(psutil.cpu_percent(None))
        gunicorn, job_list, sandbox_list = self.tree()
        seen = own_cpu_seconds(gunicorn + job_list + sandbox_list)
        self.cpu_last.update(seen)
        self.job_cpu.update({pid: seen[pid] for pid in job_list if pid in seen})
        for pid, rss in rss_of(gunicorn[1:]).items():
            self.worker_peak[pid] = max(self.worker_peak.get(pid, 0), rss)
        jobs = rss_of(job_list)
        if jobs:
            self.job_peak = max(self.job_peak, max(jobs.values()))
            self.jobs_total_peak = max(self.jobs_total_peak, sum(jobs.values()))
            self.jobs_count_peak = max(self.jobs_count_peak, len(jobs))
            if self.samples % 4 == 0:
                uss = uss_of(jobs)
                if uss:
                    self.job_uss_peak = max(self.job_uss_peak, max(uss.values()))
                    self.jobs_uss_total_peak = max(self.jobs_uss_total_peak, sum(uss.values()))
        sandbox = rss_of(sandbox_list)
        self.task_rss_peak = max(self.task_rss_peak, sum(rss_of(gunicorn).values()) + sum(jobs.values())
                                 + sum(sandbox.values()))
        if self.samples % 4 == 0:
            self.task_pss_peak = max(self.task_pss_peak, sum(pss_of(gunicorn + job_list + sandbox_list).values()))
        if sandbox:
            self.zygote_peak = max(self.zygote_peak, sandbox.get(sandbox_list[0], 0))
            self.sandbox_total_peak = max(self.sandbox_total_peak, sum(sandbox.values()))
            self.sandbox_count_peak = max(self.sandbox_count_peak, len(sandbox) - 1)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)
        self.machine_end = psutil.cpu_times()
        self.cpu_last.update(own_cpu_seconds(self.cpu_last))

    def server_cpu_s(self) -> float:
        """CPU seconds of Gunicorn (master, workers, background jobs) and the sandbox tree."""
        return sum(last - self.cpu_start.get(pid, 0.0) for pid, last in self.cpu_last.items())

    def machine_busy_s(self) -> float:
        """CPU seconds the whole machine spent busy (all processes, every core)."""
        def busy(times) -> float:
            return sum(times) - times.idle - getattr(times, "iowait", 0.0)
        return busy(self.machine_end) - busy(self.machine_start)


def uss_of(pids) -> dict[int, int]:
    return _full_memory_of(pids, "uss")


def pss_of(pids) -> dict[int, int]:
    return _full_memory_of(pids, "pss")


def _full_memory_of(pids, field_name: str) -> dict[int, int]:
    sizes = {}
    for pid in pids:
        try:
            sizes[pid] = getattr(psutil.Process(pid).memory_full_info(), field_name)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return sizes


def own_cpu_seconds(pids) -> dict[int, float]:
    seconds = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        seconds[pid] = times.user + times.system
    return seconds


# --------------------------------------------------------------------------------------
# One simulated user


class User:
    def __init__(self, number: int, server: GunicornServer, recorder: Recorder, think: float, rows: int,
                 questions: tuple[str, ...] = QUESTIONS, grid_requests: tuple[dict, ...] = GRID_REQUESTS):
        self.number = number
        self.name = f"load{number:02d}"
        self.server, self.recorder, self.think, self.rows = server, recorder, think, rows
        self.questions, self.grid_requests = questions, grid_requests
        self.random = random.Random(number)
        self.client = SignedInClient(server.url, observer=recorder.observe)
        self.dataset_id: str | None = None
        self.table: str | None = None
        self.session_id: str | None = None
        self.asked = 0
        self.question_intervals: list[tuple[float, float]] = []

    # ---- setup (untimed)

    def prepare(self, csv_path: Path, ready_timeout: float) -> None:
        self.client.login(self.name, PASSWORD)
        self.dataset_id = self.client.upload(csv_path, name=f"sensors-{self.number:02d}.csv")
        deadline = time.monotonic() + ready_timeout
        while True:
            status = self._dataset_status()
            if status == "ready":
                return
            if status == "error":
                raise RuntimeError(f"{self.name}: the upload ended in error")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: dataset not ready after {ready_timeout:.0f} s ({status})")
            time.sleep(1.0)

    def _dataset_status(self) -> str | None:
        result = self.client.render_page(f"/datasets/{self.dataset_id}")
        badge = find_component(result.output("_pages_content", "children"), "dataset-status")
        return badge["props"].get("children") if badge else None

    # ---- the timed loop

    def run(self, deadline: float) -> None:
        steps = (self.open_workspace, self.page_grid, self.ask)
        # Users do not move in step: each starts after a random pause (one to three think times).
        time.sleep(self.random.uniform(0.0, 3.0 * max(self.think, 0.5)))
        step = 0
        while time.perf_counter() < deadline:
            try:
                steps[step % len(steps)]()
            except DashError as exc:
                kind = "http" if exc.status not in (200, 204, None) else "dash"
                self.recorder.error(kind, str(exc))
                if step % len(steps) != 0:
                    step = -1  # start over from a fresh page load, as a person would reload
            except Exception as exc:  # connection reset, timeout, malformed answer
                self.recorder.error("no response" if "Connection" in type(exc).__name__ or
                                    "Timeout" in type(exc).__name__ else "client", f"{type(exc).__name__}: {exc}")
                step = -1
            step += 1
            if self.think:
                time.sleep(self.think * self.random.uniform(0.5, 1.5))

    def open_workspace(self) -> None:
        """The document (its own sample), then the routing callback that renders the page."""
        path = f"/datasets/{self.dataset_id}"
        started = time.perf_counter()
        ok = False
        try:
            self.client.load_document(path)
            ok = True
        finally:
            self.recorder.add(Sample("document", started, time.perf_counter(), ok))
        started = time.perf_counter()
        ok = False
        try:
            content = self.client.render_page(path).output("_pages_content", "children")
            table = find_component(content, "table-select")
            session = find_component(content, "session-select")
            if table is None or session is None:
                raise DashError(f"{path}: the workspace has no table-select/session-select", 200)
            self.table, self.session_id = table["props"]["value"], session["props"]["value"]
            ok = True
        finally:
            self.recorder.add(Sample("page", started, time.perf_counter(), ok))

    def page_grid(self) -> None:
        for request in self.grid_requests:
            started = time.perf_counter()
            ok = False
            try:
                result = self.client.callback(
                    inputs=[("preview-grid", "getRowsRequest", request)],
                    state=[("dataset-id", "data", self.dataset_id), ("table-select", "value", self.table)])
                block = result.output("preview-grid", "getRowsResponse") or {}
                wanted = min(GRID_BLOCK, self.rows - request["startRow"])
                if len(block.get("rowData", [])) != wanted or block.get("rowCount") != self.rows:
                    raise DashError(f"grid {request['startRow']}-{request['endRow']}: "
                                    f"{len(block.get('rowData', []))} rows of {block.get('rowCount')}", 200)
                ok = True
            finally:
                self.recorder.add(Sample("grid", started, time.perf_counter(), ok))

    def ask(self) -> None:
        question = self.questions[(self.number + self.asked) % len(self.questions)]
        self.asked += 1
        started = time.perf_counter()
        ok = False
        query_id = None
        with self.recorder.lock:
            self.recorder.submit_attempts += 1
        try:
            submitted = self.client.callback(
                inputs=[("ask-button", "n_clicks", self.asked)],
                state=[("question-input", "value", question), ("dataset-id", "data", self.dataset_id),
                       ("session-select", "value", self.session_id), ("follow-up-of", "data", None)])
            pending = submitted.output("pending-query", "data")
            if not isinstance(pending, dict) or "query_id" not in pending:
                raise DashError(f"ask: no query id in pending-query.data ({pending!r})", 200)
            query_id = pending["query_id"]
            with self.recorder.lock:
                self.recorder.submitted.append(query_id)
            answered = self.client.background_callback(inputs=[("pending-query", "data", pending)])
            if answered.status == 204 or answered.output("answers", "children") is None:
                raise DashError(f"question {query_id}: the background callback ended without answers "
                                f"(HTTP {answered.status} after {answered.polls} polls, {answered.seconds:.1f} s; "
                                f"job pid {answered.job_pid} {process_state(answered.job_pid)})", 200)
            ok = True
        finally:
            ended = time.perf_counter()
            self.recorder.add(Sample("question", started, ended, ok))
            if query_id is not None:
                self.question_intervals.append((started, ended))


LOG_MARKERS = ("Traceback", " ERROR ", "WORKER TIMEOUT", "SIGKILL", "SIGABRT", "database is locked",
               "Exception", "terminate called")


def log_summary(text: str) -> dict[str, int]:
    """How often the server's log says something went wrong (lines containing each marker)."""
    lines = text.splitlines()
    return {marker.strip(): n for marker in LOG_MARKERS if (n := sum(marker in line for line in lines))}


def process_state(pid: int | None) -> str:
    try:
        return f"is {psutil.Process(pid).status()}" if pid else "unknown"
    except psutil.NoSuchProcess:
        return "is gone"


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


def mib(value: float) -> str:
    return f"{value / MIB:7.0f} MiB"


def report(args: argparse.Namespace, server: GunicornServer, recorder: Recorder, sampler: MemorySampler,
           users: list[User], timed_s: float, outcomes: dict[str, Any], load_cpu_s: float) -> dict[str, Any]:
    intervals = [interval for user in users for interval in user.question_intervals]
    by_kind = defaultdict(list)
    for sample in recorder.samples:
        by_kind[sample.kind].append(sample)
    pages_during = [s for s in by_kind["page"] if overlaps(s, intervals)]
    rows = [latency_row("page (routing callback)", by_kind["page"]),
            latency_row("page while questions run", pages_during),
            latency_row("page HTML document", by_kind["document"]),
            latency_row("grid page (200 rows)", by_kind["grid"]),
            latency_row("question round-trip", by_kind["question"])]
    submitted = len(recorder.submitted)
    settled = outcomes["statuses"].get("success", 0) + outcomes["statuses"].get("error", 0)
    lost = submitted - settled
    question_errors = outcomes["statuses"].get("error", 0)
    errors = sum(recorder.errors.values()) + question_errors
    page_p95 = rows[1]["p95_ms"]

    print()
    print(f"Load: {args.users} users, {args.seconds:.0f} s timed (+ drain), think {args.think:g} s; "
          f"Gunicorn {args.workers} workers x {args.threads} threads (gthread); {os.cpu_count()} CPUs; "
          f"{args.rows:,} rows per dataset; offline engine")
    print(f"Timed phase: {timed_s:.1f} s, {recorder.requests} HTTP requests = {recorder.requests / timed_s:.1f} req/s "
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
    print()
    print(f"Questions: {recorder.submit_attempts} asked, {submitted} stored (ids returned), "
          f"in the database: {outcomes['statuses'] or '{}'}; lost {lost}; "
          f"left running (whole database): {outcomes['running_left']}")
    if outcomes["error_messages"]:
        print(f"  QueryLog errors: {outcomes['error_messages']}")
    print(f"Errors: {errors} = requests/callbacks {dict(recorder.errors) or 0} + questions ended error {question_errors}")
    for kind, example in recorder.error_examples.items():
        print(f"  e.g. {kind}: {example}")
    print()
    print("Peak RSS (sampled every 0.5 s):")
    for pid, peak in sorted(sampler.worker_peak.items()):
        print(f"  worker {pid:<8}{mib(peak)}")
    print(f"  background jobs     {mib(sampler.job_peak)} largest, {mib(sampler.jobs_total_peak)} together "
          f"(up to {sampler.jobs_count_peak} at once; each a fork of a worker)")
    print(f"    their USS         {mib(sampler.job_uss_peak)} largest, {mib(sampler.jobs_uss_total_peak)} together "
          f"(private pages: what the forks cost beyond their workers; read every 2 s)")
    print(f"  sandbox zygote      {mib(sampler.zygote_peak)}; zygote + children {mib(sampler.sandbox_total_peak)} "
          f"(up to {sampler.sandbox_count_peak} children at once; RSS counts shared pages in each)")
    print(f"  the whole server    {mib(sampler.task_rss_peak)} RSS summed, {mib(sampler.task_pss_peak)} PSS summed "
          f"(shared pages split among their sharers; read every 2 s)")
    cpu = sampler.cpu
    cores = os.cpu_count() or 1
    machine_s, server_s = sampler.machine_busy_s(), sampler.server_cpu_s()
    other_s = max(0.0, machine_s - server_s - load_cpu_s)
    job_cpu = sorted(sampler.job_cpu.values())
    print(f"CPU: machine busy {machine_s:.0f} of {cores * timed_s:.0f} core-s ({100 * machine_s / (cores * timed_s):.0f}%): "
          f"Insight server >= {server_s:.0f} (Gunicorn, jobs, sandbox), this load generator {load_cpu_s:.0f}, "
          f"other processes on the machine <= {other_s:.0f}")
    if job_cpu:
        print(f"  background jobs: {len(job_cpu)} seen, CPU-s each >= p50 {percentile(job_cpu, 0.5):.2f}, "
              f"max {job_cpu[-1]:.2f}, together {sum(job_cpu):.0f}")
    print()
    # No page load overlapping a question (too short a run) is not a pass.
    passed = errors == 0 and lost == 0 and bool(pages_during) and page_p95 < PAGE_P95_TARGET_MS
    print(f"VERDICT: {'PASS' if passed else 'FAIL'}: errors {errors} (target 0), lost QueryLogs {lost} "
          f"(target 0), page p95 while questions run {page_p95:.0f} ms (target < {PAGE_P95_TARGET_MS:.0f} ms)")
    return {
        "config": vars(args), "cpus": os.cpu_count(), "timed_s": timed_s, "requests": recorder.requests,
        "requests_per_s": recorder.requests / timed_s, "statuses": {str(k): v for k, v in recorder.statuses.items()},
        "latency": rows, "questions": {"asked": recorder.submit_attempts, "stored": submitted, **outcomes,
                                       "lost": lost},
        "errors": {"total": errors, "by_kind": dict(recorder.errors), "examples": recorder.error_examples,
                   "questions_ended_error": question_errors},
        "rss_peak_bytes": {"workers": {str(k): v for k, v in sampler.worker_peak.items()},
                           "job_largest": sampler.job_peak, "jobs_together": sampler.jobs_total_peak,
                           "zygote": sampler.zygote_peak, "sandbox_tree": sampler.sandbox_total_peak,
                           "server_rss_summed": sampler.task_rss_peak, "server_pss_summed": sampler.task_pss_peak},
        "cpu_percent": {"mean": statistics.fmean(cpu) if cpu else None, "max": max(cpu) if cpu else None},
        "cpu_seconds": {"machine_busy": machine_s, "server": server_s, "load_generator": load_cpu_s,
                        "other": other_s, "available": cores * timed_s, "jobs": sum(job_cpu),
                        "job_p50": percentile(job_cpu, 0.5) if job_cpu else None},
        "rss_peak_jobs_uss": {"largest": sampler.job_uss_peak, "together": sampler.jobs_uss_total_peak},
        "verdict": "PASS" if passed else "FAIL",
    }


# --------------------------------------------------------------------------------------
# Main


def run(args: argparse.Namespace) -> dict[str, Any]:
    recorder = Recorder()
    with tempfile.TemporaryDirectory(prefix="insight-load-") as folder:
        started = time.perf_counter()
        files = [write_sensor_csv(Path(folder) / f"sensors-{n:02d}.csv", args.rows, seed=n) for n in range(args.users)]
        env = {"INSIGHT_LOG_LEVEL": args.log_level}
        with GunicornServer(workers=args.workers, threads=args.threads, database_url=args.database_url,
                            env=env, keep_data_dir=args.keep) as server:
            print(f"Gunicorn up at {server.url} (master {server.master_pid}, workers {server.worker_pids()}, "
                  f"zygote {server.zygote_pid()}) after {time.perf_counter() - started:.1f} s", flush=True)
            server.create_users((f"load{n:02d}", PASSWORD) for n in range(args.users))
            users = [User(n, server, recorder, args.think, args.rows) for n in range(args.users)]
            setup_started = time.perf_counter()
            failures = []

            def prepare(user: User, path: Path) -> None:
                try:
                    user.prepare(path, args.ready_timeout)
                except Exception as exc:
                    failures.append(f"{user.name}: {type(exc).__name__}: {exc}")

            threads = [threading.Thread(target=prepare, args=(u, f)) for u, f in zip(users, files)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if failures:
                raise SystemExit("setup failed:\n  " + "\n  ".join(failures) + "\n" + server.log_tail())
            print(f"{args.users} users signed in, uploaded and ready in {time.perf_counter() - setup_started:.1f} s; "
                  f"running for {args.seconds:.0f} s", flush=True)

            sampler = MemorySampler(server)
            sampler.start()
            recorder.timed = True
            cpu_before = resource.getrusage(resource.RUSAGE_SELF)
            timed_started = time.perf_counter()
            deadline = timed_started + args.seconds
            threads = [threading.Thread(target=user.run, args=(deadline,), name=user.name) for user in users]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=max(0.0, deadline + args.drain - time.perf_counter()))
            stuck = sum(thread.is_alive() for thread in threads)
            timed_s = time.perf_counter() - timed_started
            recorder.timed = False
            cpu_after = resource.getrusage(resource.RUSAGE_SELF)
            sampler.stop()
            if stuck:
                recorder.error("stuck", f"{stuck} users still busy {args.drain:.0f} s after the deadline")
            outcomes = query_outcomes(server.database_url, list(recorder.submitted))
            load_cpu_s = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
            results = report(args, server, recorder, sampler, users, timed_s, outcomes, load_cpu_s)
            results["server_log"] = log_summary(server.log_text())
            if results["server_log"]:
                print(f"Server log: {results['server_log']}")
            if args.keep:
                print(f"(data folder and server log kept: {server.data_dir})")
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(results, indent=2, default=str))
    print(f"(results in {RESULTS_FILE.relative_to(REPO_ROOT)})")
    return results


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
    args = parser.parse_args(argv)
    if args.smoke:
        given = {arg.split("=")[0] for arg in (argv if argv is not None else sys.argv[1:])}
        if "--users" not in given:
            args.users = 3
        if "--seconds" not in given:
            args.seconds = 10.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = run(args)
    if args.check and (results["errors"]["total"] or results["questions"]["lost"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
