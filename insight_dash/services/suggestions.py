"""Suggested first questions for a dataset, from its metadata: a trend over the time column,
a breakdown of a measure by the main category, a top N, a distribution, a share, a
correlation. Each is kept only if the offline engine can answer it, so a click never fails."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from insight_dash.models import Dataset
from insight_dash.services.offline_engine import catalogue_from_metadata, plan_question

MAX_SUGGESTIONS = 6
MAX_CATEGORIES = 30


def suggest_questions(dataset: Dataset) -> list[str]:
    meta = dataset.meta or {}
    table = next((t for t in meta.get("tables", []) if t["name"] == meta.get("default_table")), None)
    if table is None:
        return []
    catalogue = catalogue_from_metadata([table["name"]], [table])
    columns = table["columns"]
    numbers = [c["name"] for c in columns if c["kind"] == "number" and not c["name"].lower().endswith("id")]
    times = [c for c in columns if c["kind"] == "datetime"]
    categories = [c["name"] for c in columns if c["kind"] == "text"
                  and 2 <= (c.get("distinct_count") or 0) <= MAX_CATEGORIES]
    candidates = []
    if times and numbers:
        candidates.append(f"Trend of average {numbers[0]} per {_period(times[0])}")
    if categories and numbers:
        candidates.append(f"Plot the average {numbers[0]} by {categories[0]}")
        candidates.append(f"Top 5 {categories[0]} by total {numbers[-1]}")
    if numbers:
        candidates.append(f"Distribution of {numbers[0]}")
    if categories:
        candidates.append(f"What share of rows does each {categories[-1]} have?")
    if len(numbers) >= 2:
        candidates.append(f"Correlation between {numbers[0]} and {numbers[1]}")
    candidates.append("How many rows are there?")
    answerable = [q for q in candidates if plan_question(q, catalogue) is not None]
    return list(dict.fromkeys(answerable))[:MAX_SUGGESTIONS]


def _period(column: dict[str, Any]) -> str:
    """A period that gives a readable number of points for the column's time span."""
    try:
        span = datetime.fromisoformat(str(column["max"])) - datetime.fromisoformat(str(column["min"]))
    except (KeyError, TypeError, ValueError):
        return "day"
    days = span.total_seconds() / 86400
    if days <= 3:
        return "hour"
    if days <= 60:
        return "day"
    if days <= 400:
        return "week"
    return "month"
