"""Server-side paging, sorting and filtering for the AG Grid preview (infinite row model).

Rows are read with DuckDB straight from the table's local Parquet copy, so a million-row
table is never loaded whole for a preview. The grid's sort and filter models arrive from
the browser: column names are checked against the dataset's metadata and every value is a
bound parameter.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import duckdb

from insight_dash.models import User
from insight_dash.services.frames import local_parquet, table_entry
from insight_dash.services.versions import version_meta
from insight_dash.services.profiling import json_safe

MAX_BLOCK = 1000
_TEXT_OPS = {
    "contains": ("ILIKE ?", "%{}%"), "notContains": ("NOT ILIKE ?", "%{}%"),
    "equals": ("= ?", "{}"), "notEqual": ("<> ?", "{}"),
    "startsWith": ("ILIKE ?", "{}%"), "endsWith": ("ILIKE ?", "%{}"),
}
_COMPARE_OPS = {"equals": "=", "notEqual": "<>", "lessThan": "<", "lessThanOrEqual": "<=",
                "greaterThan": ">", "greaterThanOrEqual": ">="}


def grid_page(user: User, dataset_id: uuid.UUID | str, table: str | None, request: dict[str, Any],
              version: int | str | None = None) -> dict[str, Any]:
    """One block of rows for the grid: {"rowData": [...], "rowCount": total after filtering}, of
    the current version or of another readable one."""
    dataset, meta = version_meta(user, dataset_id, version)
    entry = table_entry(dataset, table, meta)
    kinds = {column["name"]: column["kind"] for column in entry["columns"]}
    start = max(0, int(request.get("startRow") or 0))
    end = min(start + MAX_BLOCK, max(start, int(request.get("endRow") or start + 100)))
    where, params = filter_clause(request.get("filterModel") or {}, kinds)
    order = order_clause(request.get("sortModel") or [], kinds)
    source = "read_parquet(?, file_row_number = true)"
    path = str(local_parquet(dataset, entry))
    with duckdb.connect() as con:
        rows = con.execute(
            f"SELECT * EXCLUDE (file_row_number) FROM {source} {where} {order} LIMIT ? OFFSET ?",
            [path, *params, end - start, start],
        ).fetch_arrow_table().to_pylist()
        count = con.execute(f"SELECT count(*) FROM {source} {where}", [path, *params]).fetchone()[0]
    return {"rowData": [{key: _cell(value) for key, value in row.items()} for row in rows], "rowCount": count}


def _cell(value: Any) -> Any:
    """Grid cells read as people write them: '2026-01-05 14:30:00', not ISO's 'T'."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return json_safe(value)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def order_clause(sort_model: list[dict[str, Any]], kinds: dict[str, str]) -> str:
    terms = [f"{quote(item['colId'])} {'DESC' if item.get('sort') == 'desc' else 'ASC'} NULLS LAST"
             for item in sort_model if isinstance(item, dict) and item.get("colId") in kinds]
    # The file's row number breaks ties, so pages never repeat or skip rows.
    return "ORDER BY " + ", ".join([*terms, "file_row_number"])


def filter_clause(filter_model: dict[str, Any], kinds: dict[str, str]) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for column, model in filter_model.items():
        if column not in kinds or not isinstance(model, dict):
            continue
        clause = _combined_condition(quote(column), model, params)
        if clause:
            clauses.append(clause)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def _combined_condition(column: str, model: dict[str, Any], params: list[Any]) -> str | None:
    if "conditions" in model:
        joiner = " OR " if model.get("operator") == "OR" else " AND "
        parts = [c for c in (_condition(column, cond, params) for cond in model["conditions"][:2]) if c]
        return "(" + joiner.join(parts) + ")" if parts else None
    return _condition(column, model, params)


def _condition(column: str, model: dict[str, Any], params: list[Any]) -> str | None:
    op = model.get("type")
    if op == "blank":
        return f"{column} IS NULL"
    if op == "notBlank":
        return f"{column} IS NOT NULL"
    kind = model.get("filterType")
    if kind == "text" and op in _TEXT_OPS and model.get("filter") is not None:
        sql, pattern = _TEXT_OPS[op]
        params.append(pattern.format(_escape_like(str(model["filter"])) if "%" in pattern else model["filter"]))
        return f"CAST({column} AS VARCHAR) {sql}" + (" ESCAPE '\\'" if "%" in pattern else "")
    if kind in ("number", "date"):
        low = model.get("filter") if kind == "number" else model.get("dateFrom")
        high = model.get("filterTo") if kind == "number" else model.get("dateTo")
        cast = "DOUBLE" if kind == "number" else "TIMESTAMP"
        if op == "inRange" and low is not None and high is not None:
            params.extend([low, high])
            return f"{column} BETWEEN CAST(? AS {cast}) AND CAST(? AS {cast})"
        if op in _COMPARE_OPS and low is not None:
            params.append(low)
            return f"{column} {_COMPARE_OPS[op]} CAST(? AS {cast})"
    return None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
