"""The evaluation report: a summary table per set and per kind of answer, then every answer
that was not right, wrong ones first, each with its "how this was computed" sentence."""
from __future__ import annotations

import json
from dataclasses import asdict

from insight_dash.eval.harness import SetReport

ORDER = {"wrong": 0, "error": 1, "declined": 2}


def markdown(reports: list[SetReport]) -> str:
    lines = ["# Insight evaluation report", "",
             "| set | engine | rows | questions | correct | wrong | declined | errors | accuracy when answered "
             "| declines naming no words | p50 s | p95 s | tokens in/out | ingest s | peak RSS MiB |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for report in reports:
        s = report.summary()
        lines.append(f"| {s['set']} | {s['engine']} | {s['rows']:,} | {s['questions']} | {s['correct']} | {s['wrong']} "
                     f"| {s['declined']} | {s['errors']} | {s['accuracy_when_answered']:.0%} "
                     f"| {s['declines_without_reason']} | {s['latency_p50_s']} | {s['latency_p95_s']} "
                     f"| {s['input_tokens']}/{s['output_tokens']} | {s['ingest_s']} | {s['peak_rss_mib']} |")
    lines += ["", "## By kind of answer", "", "| set | kind | correct | wrong | declined | errors |",
              "| --- | --- | --- | --- | --- | --- |"]
    for report in reports:
        for kind, counts in report.summary()["by_kind"].items():
            lines.append(f"| {report.name} | {kind} | {counts['correct']} | {counts['wrong']} | {counts['declined']} "
                         f"| {counts['error']} |")
    for report in reports:
        misses = sorted((o for o in report.outcomes if o.verdict != "correct"), key=lambda o: ORDER[o.verdict])
        if misses:
            lines += ["", f"## {report.name}: not correct", ""]
            for outcome in misses:
                lines.append(f"- **{outcome.verdict}** ({outcome.kind}): {outcome.question} ({outcome.detail[:200]})")
                if outcome.explanation:
                    lines.append(f"  - How it was computed: {outcome.explanation[:300]}")
    return "\n".join(lines) + "\n"


def as_json(reports: list[SetReport]) -> str:
    return json.dumps([{"summary": r.summary(), "outcomes": [asdict(o) for o in r.outcomes]} for r in reports],
                      indent=1, default=str, ensure_ascii=False)
