"""How a model's answer was computed, checked against what its code really ran.

The prompt asks the model for one sentence (`result["explanation"]`), the columns it used
(`result["columns_used"]`) and the number of rows that went into the answer
(`result["rows_used"]`). The sentence is kept only when every column it names exists and
appears in the executed code or SQL; otherwise, or when there is none, the explanation is
derived from the SQL the sandbox recorded, and says so.
"""
from __future__ import annotations

import ast
import re
from typing import Any

import sqlglot
from sqlglot import exp

from insight_dash.services.catalogue import Catalogue
from insight_dash.services.display_names import PeopleNames
from insight_dash.services.formatting import format_number

IDENTIFIER = re.compile(r"\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b")
MAX_LISTED = 6


def model_explanation(result: dict[str, Any], code: str, queries: list[dict[str, Any]],
                      catalogue: Catalogue) -> tuple[str, dict[str, Any]]:
    """(sentence, facts) for an answer written by the model."""
    names = PeopleNames(catalogue.people_names())
    read = sql_facts([query["sql"] for query in queries], catalogue)
    rows_used = result.get("rows_used")
    stated = (result.get("explanation") or "").strip()
    problem = _problem(stated, result.get("columns_used") or [], code, queries, catalogue)
    facts = {**read, "rows_used": rows_used, "rows_total": _rows_total(read, catalogue)}
    if stated and problem is None:
        return names.text(stated), {**facts, "source": "model", "checked": True}
    sentence = sentence_from_sql(read, rows_used, facts["rows_total"])
    note = problem or "The model did not say how it computed the answer."
    return sentence, {**facts, "source": "code", "checked": False, "note": f"{note} This is read from its SQL."}


def _problem(stated: str, columns_used: list[str], code: str, queries: list[dict[str, Any]],
             catalogue: Catalogue) -> str | None:
    """Why the model's own sentence cannot be trusted, or None."""
    known = catalogue.column_names() | {t.sql for t in catalogue.tables} | {t.name for t in catalogue.tables}
    named = list(dict.fromkeys([str(c) for c in columns_used] + IDENTIFIER.findall(stated)))
    missing = [name for name in named if name not in known]
    if missing:
        return f"The model's description names columns that are not in the data ({', '.join(missing[:MAX_LISTED])})."
    ran = "\n".join([*_code_words(code), *(query["sql"] for query in queries)])
    sql_of = {column.name: column.sql for table in catalogue.tables for column in table.columns}
    unused = [name for name in columns_used
              if not any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", ran) for word in (sql_of.get(name, name), name))]
    if unused:
        return f"The model's description names columns its code does not use ({', '.join(unused[:MAX_LISTED])})."
    return None


def _code_words(code: str) -> list[str]:
    """The strings and names the code works with, leaving out what it says about itself (the
    result's "explanation" and "columns_used"), which cannot prove a column was read."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return [code]
    about_itself = {id(node) for parent in ast.walk(tree) if isinstance(parent, ast.Dict)
                    for key, value in zip(parent.keys, parent.values)
                    if isinstance(key, ast.Constant) and key.value in ("explanation", "columns_used")
                    for node in ast.walk(value)}
    words = []
    for node in ast.walk(tree):
        if id(node) in about_itself:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            words.append(node.value)
        elif isinstance(node, ast.Name):
            words.append(node.id)
        elif isinstance(node, ast.Attribute):
            words.append(node.attr)
    return words


def sql_facts(sqls: list[str], catalogue: Catalogue) -> dict[str, Any]:
    """The tables, columns, conditions, groupings and aggregations of the SQL that ran, in
    the names people know."""
    names = PeopleNames(catalogue.people_names())
    columns = {column.sql: column.name for table in catalogue.tables for column in table.columns}
    tables, used, filters, groups, aggregations = [], [], [], [], []
    for sql in sqls:
        try:
            tree = sqlglot.parse_one(sql, read="duckdb")
        except sqlglot.errors.SqlglotError:
            continue
        tables += [names.whole(table.name) for table in tree.find_all(exp.Table)]
        used += [columns[c.name] for c in tree.find_all(exp.Column) if c.name in columns]
        filters += [_readable(where.this, names) for where in tree.find_all(exp.Where)]
        for group in tree.find_all(exp.Group):
            groups += [_readable(_positional(tree, e), names) for e in group.expressions]
        aggregations += [_readable(a, names) for a in tree.find_all(exp.AggFunc)]
    unique = lambda items: list(dict.fromkeys(items))  # noqa: E731
    return {"table": ", ".join(unique(tables)) or None, "columns": unique(used), "filters": unique(filters),
            "grouping": ", ".join(unique(groups)) or None, "aggregation": ", ".join(unique(aggregations)) or None}


def sentence_from_sql(read: dict[str, Any], rows_used: Any, rows_total: Any) -> str:
    if not read["table"]:
        return "Computed by the generated code; it ran no SQL over the data, so its steps are in the code below."
    parts = [f"Computed from {read['table']}"]
    if read["columns"]:
        parts.append(f" using {', '.join(read['columns'][:MAX_LISTED])}")
    if read["filters"]:
        parts.append(f", rows where {' and '.join(read['filters'][:3])}")
    if read["grouping"]:
        parts.append(f", grouped by {read['grouping']}")
    if read["aggregation"]:
        parts.append(f", with {read['aggregation']}")
    if isinstance(rows_used, int):
        parts.append(f": {format_number(rows_used)}" + (f" of {format_number(rows_total)}" if rows_total else "")
                     + " rows")
    return "".join(parts) + "."


def _rows_total(read: dict[str, Any], catalogue: Catalogue) -> int | None:
    totals = [t.row_count for t in catalogue.tables if t.name == read["table"]]
    return totals[0] if totals else None


def _positional(tree: exp.Expression, expression: exp.Expression) -> exp.Expression:
    """GROUP BY 1: the first selected expression, without its alias."""
    select = tree.find(exp.Select)
    if isinstance(expression, exp.Literal) and expression.is_int and select is not None:
        index = int(expression.name) - 1
        if 0 <= index < len(select.expressions):
            chosen = select.expressions[index]
            return chosen.this if isinstance(chosen, exp.Alias) else chosen
    return expression


def _readable(expression: exp.Expression, names: PeopleNames) -> str:
    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column):
            return exp.column(names.whole(node.name), quoted=False)
        return node

    return expression.copy().transform(rename).sql(dialect="duckdb").replace('"', "")
