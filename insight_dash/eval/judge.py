"""Is an answer right? One engine result against one gold answer.

Verdicts: `correct`, `wrong`, `declined` (the engine said it did not understand; right only
when the gold answer is `decline`, never counted as wrong otherwise).
"""
from __future__ import annotations

import math
import re
from typing import Any

from insight_dash.eval.gold import Gold

YES, NO = frozenset({"yes", "true"}), frozenset({"no", "false"})


def judge(result: dict[str, Any], gold: Gold, expected: Any) -> tuple[str, str]:
    """(verdict, detail) for one answer; `expected` is the resolved gold value."""
    kind = result.get("type")
    if kind == "decline":
        return ("correct" if gold.kind == "decline" else "declined"), str(result.get("value", ""))[:200]
    if gold.kind == "decline":
        return "wrong", f"answered ({kind}) a question it should have declined: {_shown(result)}"
    got = JUDGES[gold.kind](result, gold, expected)
    return ("correct" if got[0] else "wrong"), got[1]


def _number(result: dict[str, Any], gold: Gold, expected: float) -> tuple[bool, str]:
    got = _single_value(result)
    try:
        number = float(got)
    except (TypeError, ValueError):
        return False, f"expected {expected:.6g}, got {_shown(result)}"
    if gold.round is not None:
        ok = round(number, gold.round) == round(expected, gold.round)
    else:
        ok = math.isclose(number, expected, rel_tol=gold.tolerance, abs_tol=gold.tolerance)
    return ok, f"expected {expected:.6g}, got {number:.6g}"


def _text(result: dict[str, Any], gold: Gold, expected: Any) -> tuple[bool, str]:
    shown = str(_single_value(result, cell=0))
    phrase = re.escape(_normal(str(expected)))
    return bool(re.search(rf"(?<!\w){phrase}(?!\w)", _normal(shown))), f"expected {expected!r}, got {shown[:120]!r}"


def _list(result: dict[str, Any], gold: Gold, expected: list[str]) -> tuple[bool, str]:
    labels = [_normal(label) for label in _labels(result)]
    wanted = [_normal(item) for item in expected]
    ok = labels == wanted if gold.ordered else sorted(labels) == sorted(wanted)
    return ok, f"expected {expected}, got {_labels(result)}"


def _boolean(result: dict[str, Any], gold: Gold, expected: bool) -> tuple[bool, str]:
    value = result.get("value")
    if result.get("type") != "boolean":
        words = _normal(str(value)).split()
        value = True if words and words[0] in YES else False if words and words[0] in NO else None
    return value is expected, f"expected {'yes' if expected else 'no'}, got {_shown(result)}"


def _table(result: dict[str, Any], gold: Gold, expected: dict[str, float]) -> tuple[bool, str]:
    value = result.get("value")
    rows = value["rows"] if isinstance(value, dict) and "rows" in value else []
    got = {str(row[0]): row[-1] for row in rows if len(row) >= 2}
    wanted = {_normal(key): value for key, value in expected.items()}
    ok = {_normal(key) for key in got} == set(wanted) and all(
        _close(value, wanted[_normal(key)], gold.tolerance) for key, value in got.items())
    return ok, f"expected {dict(list(expected.items())[:8])}, got {dict(list(got.items())[:8])}"


def _chart(result: dict[str, Any], gold: Gold, expected: str) -> tuple[bool, str]:
    # WebGL variants draw the same chart (plotly express switches above 1,000 points).
    traces = [trace.get("type", "scatter").removesuffix("gl") for trace in result["value"].get("data", [])] \
        if result.get("type") == "plot" else []
    return bool(traces) and all(trace == expected for trace in traces), \
        f"expected a {expected} chart, got {traces or result.get('type')}"


JUDGES = {"number": _number, "text": _text, "list": _list, "boolean": _boolean, "table": _table, "chart": _chart}


def _single_value(result: dict[str, Any], cell: int = -1) -> Any:
    """A number or text answer's value; a one-row table or a one-item list counts as one too
    (its last cell for a number, its first for a label)."""
    value = result.get("value")
    if isinstance(value, dict) and "rows" in value:
        rows = value["rows"]
        return rows[0][cell] if len(rows) == 1 and rows[0] else None
    return value


def _labels(result: dict[str, Any]) -> list[str]:
    value = result.get("value")
    return [str(row[0]) for row in value["rows"] if row] if isinstance(value, dict) and "rows" in value else []


def _close(got: Any, wanted: float, tolerance: float) -> bool:
    try:
        return math.isclose(float(got), wanted, rel_tol=max(tolerance, 1e-6), abs_tol=max(tolerance, 1e-6))
    except (TypeError, ValueError):
        return False


def _normal(text: str) -> str:
    return " ".join(str(text).lower().split())


def _shown(result: dict[str, Any]) -> str:
    value = result.get("value")
    if result.get("type") == "plot":
        return "a chart"
    if isinstance(value, dict) and "rows" in value:
        return f"a table of {value.get('row_count', len(value['rows']))} rows"
    return repr(value)[:120]
