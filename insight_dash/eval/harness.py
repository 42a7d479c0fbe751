"""Run a question set against an engine and score it (the spec's Phase 0 report, as a tool).

Each set names a generated dataset and 20 questions with what a right answer is: a pandas
expression over the parsed tables (`t["table"]`) for numbers and tables, a chart type for
figures, or `refuse` where the honest answer is "cannot answer". The dataset goes through the
app's own ingest (inspection, parsing, fixer, Parquet) and every question through the app's
own path (engine, PandasAI Agent, sandbox); no database or web server is involved.
"""
from __future__ import annotations

import json
import math
import resource
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pandasai
import pyarrow.parquet as pq

from insight_dash.eval.datasets import GENERATORS
from insight_dash.services.analysis import AnalysisError, compose_prompt, run_agent, sql_table_names
from insight_dash.services.engines import engine_name, llm_for
from insight_dash.services.ingest import profile_and_write
from insight_dash.services.inspection import inspect_upload
from insight_dash.services.llm import LLMError
from insight_dash.services.offline_engine import CAPABILITIES, catalogue_from_metadata
from insight_dash.services.parsing import parse_upload
from insight_dash.settings import Settings

SETS_DIR = Path(__file__).resolve().parent / "sets"
DEFAULT_TOLERANCE = 1e-6


@dataclass
class Outcome:
    question: str
    verdict: str  # correct, wrong, refused (honest), error
    detail: str = ""
    seconds: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass
class SetReport:
    name: str
    engine: str
    rows: int
    outcomes: list[Outcome] = field(default_factory=list)
    ingest_seconds: float = 0.0
    peak_rss_mib: float = 0.0

    def count(self, verdict: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.verdict == verdict)

    @property
    def answered(self) -> int:
        return self.count("correct") + self.count("wrong")

    def summary(self) -> dict[str, Any]:
        latencies = sorted(outcome.seconds for outcome in self.outcomes)
        return {
            "set": self.name, "engine": self.engine, "rows": self.rows, "questions": len(self.outcomes),
            "correct": self.count("correct"), "wrong": self.count("wrong"), "refused": self.count("refused"),
            "errors": self.count("error"),
            "success_rate": round(self.count("correct") / max(len(self.outcomes), 1), 3),
            "accuracy_when_answered": round(self.count("correct") / max(self.answered, 1), 3),
            "latency_p50_s": round(statistics.median(latencies), 3) if latencies else None,
            "latency_p95_s": round(latencies[min(len(latencies) - 1, math.ceil(0.95 * len(latencies)) - 1)], 3)
            if latencies else None,
            "input_tokens": sum(o.input_tokens for o in self.outcomes),
            "output_tokens": sum(o.output_tokens for o in self.outcomes),
            "ingest_s": round(self.ingest_seconds, 2), "peak_rss_mib": round(self.peak_rss_mib),
        }


def load_set(name: str) -> dict[str, Any]:
    return json.loads((SETS_DIR / f"{name}.json").read_text())


def run_set(name: str, settings: Settings, workdir: Path) -> SetReport:
    spec = load_set(name)
    workdir.mkdir(parents=True, exist_ok=True)
    path = _dataset(spec["dataset"], workdir)
    started = time.perf_counter()
    inspection = inspect_upload(path, path.name, 4 * 1024**3)
    tables = parse_upload(path, inspection, path.stem)
    profiled = profile_and_write(tables, workdir)
    ingest_seconds = time.perf_counter() - started
    names = sql_table_names([table.name for table in tables])
    metadata = [{"name": table.name, "row_count": profile["row_count"], "columns": profile["columns"]}
                for table, (profile, _) in zip(tables, profiled)]
    catalogue = catalogue_from_metadata(names, metadata)
    samples = [pandasai.DataFrame(table.frame.head(200), _table_name=name) for name, table in zip(names, tables)]
    parquet = [(name, parquet_path) for name, (_, parquet_path) in zip(names, profiled)]
    truth = {name: pq.read_table(parquet_path).to_pandas() for name, parquet_path in parquet}
    del tables
    report = SetReport(name=name, engine=engine_name(settings), rows=sum(len(frame) for frame in truth.values()),
                       ingest_seconds=ingest_seconds)
    for item in spec["questions"]:
        report.outcomes.append(_ask(settings, catalogue, samples, parquet, truth, item))
    report.peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


def _dataset(dataset: dict[str, Any], workdir: Path) -> Path:
    path = workdir / dataset["file"]
    if not path.exists():
        GENERATORS[dataset["generator"]](path)
    return path


def _ask(settings, catalogue, samples, parquet, truth, item: dict[str, Any]) -> Outcome:
    question, expect = item["question"], item["expect"]
    llm = llm_for(settings, catalogue)
    started = time.perf_counter()
    try:
        answer = run_agent(settings, llm, samples, parquet, compose_prompt(question, []))
    except (LLMError, AnalysisError) as exc:
        return Outcome(question, "error", exc.message, time.perf_counter() - started)
    outcome = Outcome(question, "", "", time.perf_counter() - started,
                      answer.input_tokens, answer.output_tokens)
    outcome.verdict, outcome.detail = judge(answer.result, expect, truth)
    return outcome


def judge(result: dict[str, Any], expect: dict[str, Any], truth: dict[str, pd.DataFrame]) -> tuple[str, str]:
    """(verdict, detail) for one answer against its expectation."""
    kind, value = result.get("type"), result.get("value")
    if kind == "string" and value == CAPABILITIES:
        return ("correct" if expect.get("refuse") else "refused"), "honest refusal"
    if expect.get("refuse"):
        return "wrong", f"answered ({kind}) a question it should have declined"
    if "number" in expect:
        wanted = float(eval(expect["number"], {"t": truth, "pd": pd}))  # noqa: S307 (our own question sets)
        tolerance = expect.get("tolerance", DEFAULT_TOLERANCE)
        got = float(value) if kind == "number" else math.nan
        ok = math.isclose(got, wanted, rel_tol=tolerance, abs_tol=tolerance)
        return ("correct" if ok else "wrong"), f"expected {wanted:.6g}, got {value!r}"
    if "table" in expect:
        wanted = eval(expect["table"], {"t": truth, "pd": pd})  # noqa: S307
        got = {str(row[0]): row[1] for row in value["rows"]} if kind == "dataframe" else {}
        ok = set(got) == {str(key) for key in wanted.index} and all(
            math.isclose(float(got[str(key)]), float(number), rel_tol=1e-6, abs_tol=1e-6)
            for key, number in wanted.items())
        return ("correct" if ok else "wrong"), f"expected {dict(wanted.round(4))}, got {got}"
    if "chart" in expect:
        # WebGL variants draw the same chart (plotly express switches above 1,000 points).
        traces = [trace.get("type", "scatter").removesuffix("gl") for trace in value.get("data", [])] \
            if kind == "plot" else []
        ok = bool(traces) and all(trace == expect["chart"] for trace in traces)
        return ("correct" if ok else "wrong"), f"expected a {expect['chart']} chart, got {traces or kind}"
    return "wrong", "the question set has no expectation for this question"


def markdown(reports: list[SetReport]) -> str:
    lines = ["# Insight evaluation report", "",
             "| set | engine | rows | correct | wrong | refused | errors | success rate | accuracy when answered "
             "| p50 s | p95 s | tokens in/out | ingest s | peak RSS MiB |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for report in reports:
        s = report.summary()
        lines.append(f"| {s['set']} | {s['engine']} | {s['rows']:,} | {s['correct']} | {s['wrong']} | {s['refused']} "
                     f"| {s['errors']} | {s['success_rate']:.0%} | {s['accuracy_when_answered']:.0%} "
                     f"| {s['latency_p50_s']} | {s['latency_p95_s']} | {s['input_tokens']}/{s['output_tokens']} "
                     f"| {s['ingest_s']} | {s['peak_rss_mib']} |")
    for report in reports:
        misses = [o for o in report.outcomes if o.verdict != "correct"]
        if misses:
            lines += ["", f"## {report.name}: not correct", ""]
            lines += [f"- **{o.verdict}**: {o.question} ({o.detail[:200]})" for o in misses]
    return "\n".join(lines) + "\n"


def as_json(reports: list[SetReport]) -> str:
    return json.dumps([{"summary": r.summary(), "outcomes": [asdict(o) for o in r.outcomes]} for r in reports],
                      indent=1, default=str)
