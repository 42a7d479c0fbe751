"""Memory benchmark: three ~100 MB datasets open by three users in one task.

Run it from the repository root:

    .venv/bin/python benchmarks/memory.py                 # Gunicorn 4 workers x 4 threads, 3 users
    .venv/bin/python benchmarks/memory.py --rounds 3      # more questions and grid pages per user

What it does:

1. Takes the ingest benchmark's sensor CSV (`benchmarks/output/sensors.csv`: 950k rows x 14
   columns, ~100 MB, fixed seed; generated on first use and then reused).
2. Starts Gunicorn as production does (`tests.harness.servers.GunicornServer`: embedded
   PostgreSQL; `INSIGHT_FRAME_CACHE_MB` 512 per process as the task definition sets it,
   `--frame-cache-mb` to change), creates
   three users, and samples memory every 0.5 s from here on: every worker, every background
   job, the sandbox zygote and its children (`benchmarks.sampling.MemorySampler`).
3. The three users upload their copy at the same time (each becomes its own dataset: its own
   parse, profile, Parquet and cache entries) and wait until it is ready.
4. Then, all three at once, `--rounds` times (`benchmarks.steps.Visitor`, one thread per
   user): open the workspace, page the grid (the first
   rows, rows 500,000-500,200, the first rows sorted by a sensor), ask four questions answered
   by the offline engine over the whole table (a count, a grouped average, a top 5, a daily trend).

Prints the peak RSS of each worker, of the jobs and of the sandbox, and the whole server's peak
(RSS summed, an over-count since forks share pages; PSS summed, shared pages split), against the
Fargate task's 8 GB (spec: 2 vCPU / 8 GB). Results go to benchmarks/output/memory.json. It
reports; it asserts nothing; the exit code is 0 whatever the figures are.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from benchmarks.ingest import FULL_SIZES, GENERATOR_VERSION, SEED, ensure_file  # noqa: E402
from benchmarks.sampling import MemorySampler, mib  # noqa: E402
from benchmarks.steps import GRID_BLOCK, PASSWORD, Recorder, Visitor, in_parallel, prepare_all  # noqa: E402
from tests.harness.servers import GunicornServer  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT_DIR = REPO_ROOT / "benchmarks" / "output"
RESULTS_FILE = OUTPUT_DIR / "memory.json"
TASK_MEMORY = 8 * 1024 ** 3  # the task definition's 8192 MiB
ROWS = FULL_SIZES.csv_rows
QUESTIONS = (
    "How many readings are there?",
    "Average sensor_01 by plant",
    "Top 5 units by total sensor_02",
    "Trend of average sensor_03 per day",
)
GRID_REQUESTS = (
    {"startRow": 0, "endRow": GRID_BLOCK, "sortModel": [], "filterModel": {}},
    {"startRow": 500_000, "endRow": 500_000 + GRID_BLOCK, "sortModel": [], "filterModel": {}},
    {"startRow": 0, "endRow": GRID_BLOCK, "sortModel": [{"colId": "sensor_01", "sort": "desc"}], "filterModel": {}},
)


def sensor_csv() -> Path:
    """The ingest benchmark's ~100 MB CSV (same parameters, so the two share the cached file)."""
    path = OUTPUT_DIR / "sensors.csv"
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    ensure_file(path, "csv", {"seed": SEED, "version": GENERATOR_VERSION, "rows": ROWS})
    return path


def session_of(visitor: Visitor, rounds: int) -> None:
    for _ in range(rounds):
        visitor.open_workspace()
        visitor.page_grid()
        for _ in QUESTIONS:
            visitor.ask()


def run(args: argparse.Namespace) -> dict:
    csv_path = sensor_csv()
    print(f"{csv_path.relative_to(REPO_ROOT)}: {csv_path.stat().st_size / 1024 ** 2:.0f} MiB, {ROWS:,} rows", flush=True)
    recorder = Recorder()
    with GunicornServer(workers=args.workers, threads=args.threads,
                        env={"INSIGHT_FRAME_CACHE_MB": str(args.frame_cache_mb)}) as server:
        names = [f"load{n:02d}" for n in range(args.users)]
        server.create_users((name, PASSWORD) for name in names)
        sampler = MemorySampler(server)
        sampler.start()
        started = time.perf_counter()
        prepared = prepare_all(server, names, [csv_path] * len(names), args.ready_timeout)
        ready_s = time.perf_counter() - started
        print(f"{args.users} uploads ready in {ready_s:.1f} s", flush=True)
        visitors = [Visitor(n, client, dataset_id, ROWS, recorder, QUESTIONS, GRID_REQUESTS)
                    for n, (client, dataset_id) in enumerate(prepared)]
        started = time.perf_counter()
        failures = in_parallel(lambda n: session_of(visitors[n], args.rounds), names)[1]
        browsing_s = time.perf_counter() - started
        sampler.stop()
    failures += [f"{kind}: {example}" for kind, example in recorder.error_examples.items()]
    failed_steps = sum(not sample.ok for sample in recorder.samples)

    print()
    print(f"Memory: {args.users} users x one {ROWS:,}-row dataset each; Gunicorn {args.workers} workers x "
          f"{args.threads} threads, frame cache {args.frame_cache_mb} MB each; {args.rounds} rounds of workspace + "
          f"3 grid pages + {len(QUESTIONS)} questions ({browsing_s:.0f} s), {len(recorder.samples)} steps, "
          f"{failed_steps} failed")
    print("Peak RSS (sampled every 0.5 s, uploads included):")
    for pid, peak in sorted(sampler.worker_peak.items()):
        print(f"  worker {pid:<8}{mib(peak)}")
    print(f"  background jobs     {mib(sampler.job_peak)} largest, {mib(sampler.jobs_total_peak)} together "
          f"(USS {mib(sampler.jobs_uss_total_peak)} together)")
    print(f"  sandbox             {mib(sampler.zygote_peak)} zygote, {mib(sampler.sandbox_total_peak)} with its runs")
    print(f"  the whole server    {mib(sampler.task_rss_peak)} RSS summed, {mib(sampler.task_pss_peak)} PSS summed")
    within = sampler.task_rss_peak < TASK_MEMORY and not failures
    print()
    print(f"VERDICT: {'PASS' if within else 'FAIL'}: peak of the whole server {mib(sampler.task_rss_peak).strip()} "
          f"(RSS summed, an upper bound) against the task's {mib(TASK_MEMORY).strip()}; failures {len(failures)}")
    for failure in failures:
        print(f"  {failure}")
    results = {
        "config": vars(args), "rows": ROWS, "csv_bytes": csv_path.stat().st_size, "ready_s": ready_s,
        "browsing_s": browsing_s, "steps": len(recorder.samples), "failed_steps": failed_steps, "failures": failures,
        "rss_peak_bytes": {"workers": {str(pid): peak for pid, peak in sampler.worker_peak.items()},
                           "job_largest": sampler.job_peak, "jobs_together": sampler.jobs_total_peak,
                           "zygote": sampler.zygote_peak, "sandbox_tree": sampler.sandbox_total_peak,
                           "server_rss_summed": sampler.task_rss_peak, "server_pss_summed": sampler.task_pss_peak},
        "task_memory_bytes": TASK_MEMORY, "verdict": "PASS" if within else "FAIL",
    }
    RESULTS_FILE.write_text(json.dumps(results, indent=2))
    print(f"(results in {RESULTS_FILE.relative_to(REPO_ROOT)})")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--users", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--frame-cache-mb", type=int, default=512,
                        help="INSIGHT_FRAME_CACHE_MB per process (default: what deploy/ecs-task-definition.json sets)")
    parser.add_argument("--ready-timeout", type=float, default=600.0, help="seconds for the uploads to be ready")
    run(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
