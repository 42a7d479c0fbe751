"""How long the offline engine takes to read, plan and write code for a question (target < 50 ms).

    .venv/bin/python benchmarks/offline_engine.py

Generates every shipped evaluation set's dataset, profiles it as ingest does (no database, no
sandbox), then plans every question 50 times (declines included: they read and rephrase) and
prints the median and p95 per question and the slowest.
"""
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from insight_dash.eval.datasets import GENERATORS  # noqa: E402
from insight_dash.eval.harness import SHIPPED_SETS, load_set  # noqa: E402
from insight_dash.services.catalogue import catalogue_from_metadata  # noqa: E402
from insight_dash.services.inspection import inspect_upload  # noqa: E402
from insight_dash.services.offline import Decline, plan_question  # noqa: E402
from insight_dash.services.offline.writing import write_code  # noqa: E402
from insight_dash.services.parsing import parse_upload  # noqa: E402
from insight_dash.services.profiling import profile_table  # noqa: E402

RUNS = 50


def catalogue_for(dataset: dict, folder: Path):
    path = folder / dataset["file"]
    if not path.exists():
        GENERATORS[dataset["generator"]](path)
    tables = parse_upload(path, inspect_upload(path, path.name, 4 * 1024**3), path.stem)
    return catalogue_from_metadata([{"name": table.name, **profile_table(table.frame)} for table in tables])


def plan_once(question: str, catalogue) -> None:
    plan = plan_question(question, catalogue)
    if not isinstance(plan, Decline):
        write_code(plan)


def main() -> None:
    timings = []
    with tempfile.TemporaryDirectory() as folder:
        catalogues = {}
        for name in SHIPPED_SETS:
            if name == "large":
                continue  # the same questions and columns as "sensors", on 950k rows: planning reads no rows
            questions = load_set(name)
            key = questions.dataset["generator"]
            catalogues.setdefault(key, catalogue_for(questions.dataset, Path(folder)))
            for question in questions.questions:
                runs = []
                for _ in range(RUNS):
                    started = time.perf_counter()
                    plan_once(question.text, catalogues[key])
                    runs.append((time.perf_counter() - started) * 1000)
                timings.append((statistics.median(runs), question.text))
    timings.sort()
    values = [value for value, _ in timings]
    p95 = values[int(0.95 * (len(values) - 1))]
    print(f"offline engine, {len(values)} questions x {RUNS} plans: median {statistics.median(values):.2f} ms, "
          f"p95 {p95:.2f} ms, max {values[-1]:.2f} ms (target < 50 ms); slowest: {timings[-1][1]!r}")


if __name__ == "__main__":
    main()
