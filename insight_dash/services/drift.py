"""What changed between two versions of a dataset: tables and columns added and removed, likely
renames (a removed and an added column of one type whose values look alike), type changes, the
row count, and for each pinned answer whether its code still names only columns that exist.

Pure functions of two versions' metadata (their `meta` schema) and the pins: no database."""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

import pandas as pd

from insight_dash.services.catalogue import Catalogue, Column, Table, catalogue_from_metadata

RENAME_THRESHOLD = 0.55  # below this a removed and an added column are reported as such, not as a rename
VALUE_WEIGHT = 0.7  # how much alike values count against alike names when pairing a rename


def drift_report(before: dict[str, Any], after: dict[str, Any], pins: list[Any]) -> dict[str, Any]:
    """The drift from `before` to `after` (two versions' metadata), and what it means for `pins`
    (anything with `id`, `title` and `code`)."""
    old, new = catalogue_from_metadata(before.get("tables", [])), catalogue_from_metadata(after.get("tables", []))
    old_tables, new_tables = {t.name: t for t in old.tables}, {t.name: t for t in new.tables}
    tables = [_table_drift(old_tables[name], new_tables[name]) for name in old_tables if name in new_tables]
    return {
        "rows": {"before": before.get("row_count", 0), "after": after.get("row_count", 0)},
        "tables_added": [name for name in new_tables if name not in old_tables],
        "tables_removed": [name for name in old_tables if name not in new_tables],
        "tables": [table for table in tables if _changed(table)],
        "pins": [pin_check(pin.id, pin.title, pin.code, old, new) for pin in pins],
    }


def pin_check(pin_id: Any, title: str, code: str, old: Catalogue, new: Catalogue) -> dict[str, Any]:
    """Whether `code`, written for `old`, names only tables and columns that `new` has."""
    missing = missing_names(code, old, new)
    return {"id": str(pin_id), "title": title, "ok": not missing, "missing": missing}


def missing_names(code: str, old: Catalogue, new: Catalogue) -> list[str]:
    """People's names of the tables and columns `code` refers to that `new` does not have (with
    the likely new name of a renamed column: "temperature_c (now temp_c?)")."""
    renames = {(table["name"], r["from"]): r["to"] for table in _renames_by_table(old, new) for r in table["renamed"]}
    new_tables = {t.sql: t for t in new.tables}
    missing = []
    for table in old.tables:
        named = [column for column in table.columns if _mentions(code, column.sql)]
        if not (named or _mentions(code, table.sql)):
            continue
        counterpart = new_tables.get(table.sql)
        if counterpart is None:
            missing.append(f"table {table.name}")
            continue
        have = {column.sql for column in counterpart.columns}
        for column in named:
            if column.sql not in have:
                to = renames.get((table.name, column.name))
                missing.append(f"{column.name} (now {to}?)" if to else column.name)
    return missing


@dataclass
class _Pair:
    score: float
    removed: Column
    added: Column


def _table_drift(old: Table, new: Table) -> dict[str, Any]:
    old_columns, new_columns = {c.name: c for c in old.columns}, {c.name: c for c in new.columns}
    removed = [c for name, c in old_columns.items() if name not in new_columns]
    added = [c for name, c in new_columns.items() if name not in old_columns]
    renamed = _pair_renames(removed, added)
    paired_from = {r["from"] for r in renamed}
    paired_to = {r["to"] for r in renamed}
    return {
        "name": old.name,
        "rows": {"before": old.row_count, "after": new.row_count},
        "added": [c.name for c in added if c.name not in paired_to],
        "removed": [c.name for c in removed if c.name not in paired_from],
        "renamed": renamed,
        "retyped": [{"name": name, "from": c.kind, "to": new_columns[name].kind}
                    for name, c in old_columns.items() if name in new_columns and new_columns[name].kind != c.kind],
    }


def _renames_by_table(old: Catalogue, new: Catalogue) -> list[dict[str, Any]]:
    new_tables = {t.name: t for t in new.tables}
    return [_table_drift(table, new_tables[table.name]) for table in old.tables if table.name in new_tables]


def _changed(table: dict[str, Any]) -> bool:
    return any(table[key] for key in ("added", "removed", "renamed", "retyped"))


def _pair_renames(removed: list[Column], added: list[Column]) -> list[dict[str, Any]]:
    """Greedy best-first pairing of removed with added columns of the same type."""
    pairs = sorted((_Pair(_likeness(r, a), r, a) for r in removed for a in added if r.kind == a.kind),
                   key=lambda pair: pair.score, reverse=True)
    renamed, used = [], set()
    for pair in pairs:
        if pair.score < RENAME_THRESHOLD or id(pair.removed) in used or id(pair.added) in used:
            continue
        used.update((id(pair.removed), id(pair.added)))
        renamed.append({"from": pair.removed.name, "to": pair.added.name, "likeness": round(pair.score, 2),
                        "why": f"same type ({pair.added.kind}), values alike"})
    return renamed


def _likeness(before: Column, after: Column) -> float:
    names = SequenceMatcher(None, before.name.lower(), after.name.lower()).ratio()
    return VALUE_WEIGHT * _values_alike(before, after) + (1 - VALUE_WEIGHT) * names


def _values_alike(before: Column, after: Column) -> float:
    """0..1: how far the two columns' values overlap (ranges for numbers and dates, the values
    themselves for text)."""
    if before.kind in ("number", "datetime"):
        bounds = [_ordinal(v, before.kind) for v in (before.minimum, before.maximum, after.minimum, after.maximum)]
        if None in bounds:
            return 0.0
        low1, high1, low2, high2 = bounds
        span = max(high1 - low1, high2 - low2)
        if span == 0:
            return 1.0 if low1 == low2 else 0.0
        return max(0.0, min(high1, high2) - max(low1, low2)) / span
    values1, values2 = set(before.values), set(after.values)
    if not values1 or not values2:
        return 0.0
    return len(values1 & values2) / len(values1 | values2)


def _ordinal(value: Any, kind: str) -> float | None:
    if value is None:
        return None
    try:
        return float(value) if kind == "number" else pd.Timestamp(value).value / 1e9
    except (TypeError, ValueError):
        return None


def _mentions(code: str, identifier: str) -> bool:
    return re.search(r"(?<![\w])" + re.escape(identifier) + r"(?![\w])", code or "") is not None
