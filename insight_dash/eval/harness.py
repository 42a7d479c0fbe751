"""Run questions with gold answers against an engine and score them (the spec's Phase 0, as a tool).

The dataset (a shipped set's generated file, or the person's own CSV/XLSX) goes through the
app's own ingest (inspection, parsing, fixer, profiles, Parquet) and every question through
the app's own path (engine, PandasAI Agent, sandbox); no database or web server is involved.
"""
from __future__ import annotations

import math
import resource
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from insight_dash.eval.datasets import GENERATORS
from insight_dash.eval.gold import Question, QuestionSet, load_question_file, resolve
from insight_dash.eval.judge import judge
from insight_dash.services import engines
from insight_dash.services.agent import AnalysisError, DatasetTables
from insight_dash.services.catalogue import catalogue_from_metadata
from insight_dash.services.ingest import parse_and_profile
from insight_dash.services.inspection import inspect_upload
from insight_dash.services.llm import LLMError
from insight_dash.settings import Settings

SETS_DIR = Path(__file__).resolve().parent / "sets"
SHIPPED_SETS = ("sensors", "budget", "large", "sensors_holdout", "budget_holdout", "plant_ops", "passengers",
                "vendor_budget", "blind_sensors", "blind_budget", "blind_plant_ops", "blind_passengers",
                "blind_vendor_budget")


@dataclass
class Outcome:
    question: str
    kind: str  # the gold answer's kind
    verdict: str  # correct, wrong, declined, error
    detail: str = ""
    explanation: str = ""
    seconds: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    declined: bool = False  # the engine said it did not understand ...
    named_words: bool = False  # ... and named the words


@dataclass
class SetReport:
    name: str
    engine: str
    rows: int
    outcomes: list[Outcome] = field(default_factory=list)
    ingest_seconds: float = 0.0
    peak_rss_mib: float = 0.0

    def count(self, verdict: str, kind: str | None = None) -> int:
        return sum(1 for o in self.outcomes if o.verdict == verdict and kind in (None, o.kind))

    def summary(self) -> dict[str, Any]:
        latencies = sorted(outcome.seconds for outcome in self.outcomes)
        answered = self.count("correct") + self.count("wrong")
        return {
            "set": self.name, "engine": self.engine, "rows": self.rows, "questions": len(self.outcomes),
            "correct": self.count("correct"), "wrong": self.count("wrong"), "declined": self.count("declined"),
            "errors": self.count("error"),
            "success_rate": round(self.count("correct") / max(len(self.outcomes), 1), 3),
            "accuracy_when_answered": round(self.count("correct") / max(answered, 1), 3),
            "declines_without_reason": sum(1 for o in self.outcomes if o.declined and not o.named_words),
            "latency_p50_s": round(statistics.median(latencies), 3) if latencies else None,
            "latency_p95_s": round(latencies[min(len(latencies) - 1, math.ceil(0.95 * len(latencies)) - 1)], 3)
            if latencies else None,
            "input_tokens": sum(o.input_tokens for o in self.outcomes),
            "output_tokens": sum(o.output_tokens for o in self.outcomes),
            "ingest_s": round(self.ingest_seconds, 2), "peak_rss_mib": round(self.peak_rss_mib),
            "by_kind": {kind: {verdict: self.count(verdict, kind) for verdict in ("correct", "wrong", "declined", "error")}
                        for kind in sorted(Counter(o.kind for o in self.outcomes))},
        }


@dataclass
class Ingested:
    """A file as the engine sees it, plus the parsed tables the gold expressions are computed
    from (keyed by the table's name and by its SQL name)."""

    tables: DatasetTables
    truth: dict[str, Any]
    seconds: float
    profiles: list[dict[str, Any]]  # as the dataset's metadata keeps them


def load_set(name: str) -> QuestionSet:
    return load_question_file(SETS_DIR / f"{name}.json", name)


def run_set(name: str, settings: Settings, workdir: Path) -> SetReport:
    """A shipped set: its dataset is generated (once per data folder), then asked."""
    questions = load_set(name)
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / questions.dataset["file"]
    if not path.exists():
        GENERATORS[questions.dataset["generator"]](path)
    return run_questions(questions, path, settings, workdir)


def run_file(path: Path, questions_path: Path, settings: Settings, workdir: Path) -> SetReport:
    """The person's own file and questions (`--file budget.xlsx --questions mine.json`)."""
    return run_questions(load_question_file(questions_path), path, settings, workdir)


def run_questions(questions: QuestionSet, path: Path, settings: Settings, workdir: Path) -> SetReport:
    workdir.mkdir(parents=True, exist_ok=True)
    data = ingest(path, workdir)
    report = SetReport(name=questions.name, engine=engines.engine_name(settings),
                       rows=sum(table.row_count for table in data.tables.catalogue.tables),
                       ingest_seconds=data.seconds)
    for question in questions.questions:
        report.outcomes.append(ask(settings, data, question))
    report.peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


def ingest(path: Path, workdir: Path) -> Ingested:
    """`path` through the app's own inspection, parsing, profiles and Parquet (into `workdir`)."""
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    inspection = inspect_upload(path, path.name, 4 * 1024**3)
    tables, profiled = parse_and_profile(path, inspection, path.stem, workdir)
    seconds = time.perf_counter() - started
    profiles = [{"name": table.name, **profile} for table, (profile, _) in zip(tables, profiled)]
    catalogue = catalogue_from_metadata(profiles)
    files = [parquet_path for _, parquet_path in profiled]
    truth = {}
    for table, path in zip(catalogue.tables, files):
        truth[table.sql] = truth[table.name] = pq.read_table(path).to_pandas()
    return Ingested(tables=DatasetTables(catalogue, files), truth=truth, seconds=seconds, profiles=profiles)


def ask(settings: Settings, data: Ingested, question: Question) -> Outcome:
    started = time.perf_counter()
    try:
        expected = resolve(question.gold, data.truth)
    except Exception as exc:  # a gold expression that does not fit the file is the question file's fault
        return Outcome(question.text, question.gold.kind, "error", f"gold answer could not be computed: {exc}")
    try:
        answer = engines.answer(settings, data.tables, question.text)
    except (LLMError, AnalysisError) as exc:
        return Outcome(question.text, question.gold.kind, "error", exc.message, seconds=time.perf_counter() - started)
    result = answer.result
    verdict, detail = judge(result, question.gold, expected)
    return Outcome(question.text, question.gold.kind, verdict, detail, explanation=answer.explanation,
                   seconds=time.perf_counter() - started, input_tokens=answer.input_tokens,
                   output_tokens=answer.output_tokens, declined=result.get("type") == "decline",
                   named_words=bool(result.get("not_understood")))
