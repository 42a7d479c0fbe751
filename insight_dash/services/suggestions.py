"""Suggested first questions for a dataset, from its metadata: a trend over the time column,
a breakdown of a measure by the main category, a top N, a distribution, a share, a
correlation. Each is kept only if the offline engine answers it, so a click never fails, and
each names the columns as people know them."""
from __future__ import annotations

from datetime import datetime

from insight_dash.models import Dataset
from insight_dash.services import offline
from insight_dash.services.catalogue import Column, catalogue_from_metadata
from insight_dash.services.offline.planner import additive, is_flag, looks_like_id
from insight_dash.services.offline.rephrasing import answerable_form

MAX_SUGGESTIONS = 6
MAX_CATEGORIES = 30


def suggest_questions(dataset: Dataset) -> list[str]:
    meta = dataset.meta or {}
    tables = meta.get("tables", [])
    names = [table["name"] for table in tables]
    if meta.get("default_table") not in names:
        return []
    catalogue = catalogue_from_metadata(tables)
    table = catalogue.tables[names.index(meta["default_table"])]
    numbers = [c for c in table.columns if c.kind == "number" and not looks_like_id(c) and not is_flag(c)]
    times = [c for c in table.columns if c.kind == "datetime"]
    categories = [c for c in table.columns if c.kind == "text" and 2 <= (c.distinct or 0) <= MAX_CATEGORIES]
    candidates: list[tuple[str, list[Column]]] = []
    if times and numbers:
        candidates.append((f"Trend of {_summary(numbers[0])} {{}} per {_period(times[0])}", [numbers[0]]))
    if categories and numbers:
        candidates.append(("Plot the average {} by {}", [numbers[0], categories[0]]))
        candidates.append((f"Top 5 {{}} by {_summary(numbers[-1])} {{}}", [categories[0], numbers[-1]]))
    if numbers:
        candidates.append(("Distribution of {}", [numbers[0]]))
    if categories:
        candidates.append(("What share of rows does each {} have?", [categories[-1]]))
    if len(numbers) >= 2:
        candidates.append(("Correlation between {} and {}", numbers[:2]))
    candidates.append(("How many rows are there?", []))
    answerable = [answerable_form(template, columns, lambda q: offline.answerable(q, catalogue))
                  for template, columns in candidates]
    return list(dict.fromkeys(q for q in answerable if q))[:MAX_SUGGESTIONS]


def _summary(column: Column) -> str:
    return "total" if additive(column) else "average"


def _period(column: Column) -> str:
    """A period that gives a readable number of points for the column's time span."""
    try:
        span = datetime.fromisoformat(str(column.maximum)) - datetime.fromisoformat(str(column.minimum))
    except (TypeError, ValueError):
        return "day"
    days = span.total_seconds() / 86400
    if days <= 3:
        return "hour"
    if days <= 60:
        return "day"
    if days <= 400:
        return "week"
    return "month"
