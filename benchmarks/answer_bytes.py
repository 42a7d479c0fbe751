"""Bytes the browser receives to show one more answer, in a conversation of 30 answers with 10 charts.

    .venv/bin/python benchmarks/answer_bytes.py                          # this checkout
    git worktree add /tmp/before <commit>                                  # an earlier app, to compare
    .venv/bin/python benchmarks/answer_bytes.py --reference /tmp/before   # both, in one invocation

For each app (`--reference` first, then this checkout): Gunicorn with one worker (tests/harness,
embedded PostgreSQL, the offline engine), one user who uploads a 2,000-row sensor CSV and asks
30 questions in one conversation, a chart, a number and a table in turn, driven as the page does
(benchmarks/steps.py: the ask callback, the answer's background callback with its polls, and
the cards' update where the app has one). Then it asks one more and prints the bytes of every
response that question took: what drawing an answer costs once 30 are on the page. Reports;
asserts nothing.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

import sqlalchemy as sa  # noqa: E402

from benchmarks.steps import PASSWORD, Recorder, Visitor, prepare  # noqa: E402
from tests.harness.clients import SignedInClient  # noqa: E402
from tests.harness.files import write_sensor_csv  # noqa: E402
from tests.harness.servers import REPO_ROOT, GunicornServer  # noqa: E402

QUESTIONS = (
    "Show me a chart of average pressure_kpa by unit", "How many readings are there?", "Average temperature_c by unit",
    "Trend of average temperature_c per hour", "What is the average temperature_c?", "Top 3 units by total pressure_kpa",
    "Show the distribution of pressure_kpa", "What is the maximum pressure_kpa?", "Maximum pressure_kpa by unit",
)
ANSWERS = 30


def conversation(app_root: Path, folder: Path) -> dict:
    """30 answers, then one more, against the app of `app_root`: bytes per answer and the kinds."""
    csv = write_sensor_csv(folder / "sensors.csv", rows=2000)
    with GunicornServer(workers=1, threads=4, app_root=app_root) as server:
        server.create_users([("bytes", PASSWORD)])
        client = SignedInClient(server.url)
        dataset_id = prepare(client, "bytes", csv, 120)
        recorder = Recorder()
        visitor = Visitor(0, client, dataset_id, 2000, recorder, QUESTIONS, ())
        visitor.open_workspace()
        for _ in range(ANSWERS + 1):
            visitor.ask()
        kinds = query_kinds(server.database_url)
    if recorder.errors:
        raise SystemExit(f"the conversation failed: {recorder.error_examples}")
    return {"bytes": recorder.answer_bytes, "kinds": kinds}


def query_kinds(database_url: str) -> Counter:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return Counter(kind for (kind,) in connection.execute(sa.text(
                "SELECT result_kind FROM query_logs ORDER BY id LIMIT :n"), {"n": ANSWERS}))
    finally:
        engine.dispose()


def describe(label: str, figures: dict) -> None:
    sent = figures["bytes"]
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(figures["kinds"].items(), key=lambda item: str(item[0])))
    print(f"{label}: the first {ANSWERS} answers were {kinds}")
    print(f"  answer {ANSWERS + 1} (on a page of {ANSWERS}): {sent[-1] / 1024:8.1f} KiB received")
    print(f"  answers 21-30:                   median {statistics.median(sent[20:ANSWERS]) / 1024:8.1f} KiB, "
          f"max {max(sent[20:ANSWERS]) / 1024:.1f} KiB")
    print(f"  all {len(sent)} answers:                  {sum(sent) / 1024:8.1f} KiB together")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=Path, default=None, help="an earlier checkout to measure first")
    args = parser.parse_args(argv)
    runs = [("reference", args.reference.resolve())] if args.reference else []
    runs.append(("this checkout", REPO_ROOT))
    measured = {}
    for label, root in runs:
        with tempfile.TemporaryDirectory(prefix="insight-bytes-") as folder:
            measured[label] = conversation(root, Path(folder))
    print()
    for label, root in runs:
        describe(f"{label} ({root})", measured[label])
    if args.reference:
        before, after = measured["reference"]["bytes"][-1], measured["this checkout"]["bytes"][-1]
        print(f"answer {ANSWERS + 1}: {before / 1024:.1f} KiB -> {after / 1024:.1f} KiB ({before / max(after, 1):.0f}x less)")


if __name__ == "__main__":
    main()
