"""Two or three questions the engine can answer, built from the columns a declined question
named (or, failing that, the table's own), offered with the decline."""
from __future__ import annotations

from collections.abc import Callable

from insight_dash.services.catalogue import Column
from insight_dash.services.offline.planner import Leftover, additive, is_flag, looks_like_id

MAX_REPHRASINGS = 3
MAX_CATEGORIES = 50


def rephrasings(left: Leftover, answerable: Callable[[str], bool]) -> list[str]:
    table = left.table
    mentioned = list(dict.fromkeys(left.mentioned))
    numbers = [c for c in table.columns if c.kind == "number" and not is_flag(c) and not looks_like_id(c)]
    numbers = _ordered(sorted(numbers, key=lambda c: c.integer), mentioned)  # measures before codes
    categories = _ordered([c for c in table.columns if c.kind == "text" and c.values
                           and (c.distinct or 0) <= MAX_CATEGORIES], mentioned)
    candidates: list[tuple[str, list[Column]]] = []
    for measure in numbers[:2]:
        for category in categories[:1]:
            candidates += [("Average {} by {}", [measure, category]),
                           ("Which {1} has the highest average {0}?", [measure, category])]
        candidates += [("Total {}" if additive(measure) else "Average {}", [measure]), ("Maximum {}", [measure])]
    for category in categories[:2]:
        candidates += [("How many rows per {}?", [category]), ("What is the most common {}?", [category])]
    candidates.append(("How many rows are there?", []))
    chosen: list[str] = []
    for template, columns in candidates:
        question = answerable_form(template, columns, answerable)
        if question and question not in chosen:
            chosen.append(question)
        if len(chosen) == MAX_REPHRASINGS:
            break
    return chosen


def answerable_form(template: str, columns: list[Column], answerable: Callable[[str], bool]) -> str | None:
    """The question `template` about `columns` in words the engine reads: the names as they
    are, or in quotes when a name alone would read as something else ("Total", "Name")."""
    for form in (template.format(*[c.name for c in columns]), template.format(*[f'"{c.name}"' for c in columns])):
        if answerable(form):
            return form
    return None


def _ordered(columns: list[Column], mentioned: list[Column]) -> list[Column]:
    return [c for c in mentioned if c in columns] + [c for c in columns if c not in mentioned]
