"""Question files and their gold answers.

A question file is JSON: either a list of questions or {"questions": [...]} (the shipped sets
add "name", "about" and the "dataset" they are asked of). Each question is

    {"question": "How many line items are over budget?",
     "answer": {"kind": "number", "value": 404}}

with one of these kinds of gold answer:

- number: "value", compared within "tolerance" (relative or absolute, default 1e-6) or after
  rounding both to "round" decimals;
- text: "value", a word or phrase the answer must contain ("North");
- list: "value", a list of labels, "ordered": true (default) or false;
- boolean: "value", true or false (a "yes"/"no" answer);
- table: "value", {"label": number, ...}: the answer's first column and its values;
- chart: "value", the Plotly trace type ("bar", "scatter", "pie", "histogram");
- decline: no value; the right answer is an honest "I did not understand".

Instead of "value", a gold answer may give "expr": a Python expression over the dataset's
parsed tables, `t["Table name"]` (pandas DataFrames, also keyed by their SQL names), for sets
whose data is generated. It is evaluated with a handful of builtins and pandas as `pd`.
"""
from __future__ import annotations

import builtins
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

KINDS = ("number", "text", "list", "boolean", "table", "chart", "decline")
DEFAULT_TOLERANCE = 1e-6
_EXPR_BUILTINS = {name: getattr(builtins, name) for name in ("len", "list", "str", "int", "float", "round", "abs", "min", "max", "sum", "sorted")}


class QuestionFileError(ValueError):
    """A question file that cannot be used; the message says where and why."""


@dataclass
class Gold:
    kind: str
    value: Any = None
    expr: str | None = None
    ordered: bool = True
    tolerance: float = DEFAULT_TOLERANCE
    round: int | None = None


@dataclass
class Question:
    text: str
    gold: Gold


@dataclass
class QuestionSet:
    name: str
    questions: list[Question]
    dataset: dict[str, Any] = field(default_factory=dict)
    about: str = ""


def load_question_file(path: Path, name: str | None = None) -> QuestionSet:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise QuestionFileError(f"{path}: cannot be read ({exc.strerror}).") from None
    except json.JSONDecodeError as exc:
        raise QuestionFileError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg}).") from None
    return parse_question_set(document, name or Path(path).stem, source=str(path))


def parse_question_set(document: Any, name: str, source: str = "questions") -> QuestionSet:
    items = document.get("questions") if isinstance(document, dict) else document
    if not isinstance(items, list) or not items:
        raise QuestionFileError(f"{source}: expected a list of questions, or an object with \"questions\".")
    questions = [_question(item, f"{source}, question {number}") for number, item in enumerate(items, start=1)]
    meta = document if isinstance(document, dict) else {}
    return QuestionSet(name=meta.get("name", name), questions=questions, dataset=meta.get("dataset", {}),
                       about=meta.get("about", ""))


def _question(item: Any, where: str) -> Question:
    if not isinstance(item, dict) or not isinstance(item.get("question"), str) or not item["question"].strip():
        raise QuestionFileError(f"{where}: needs a \"question\" text.")
    answer = item.get("answer")
    if not isinstance(answer, dict) or answer.get("kind") not in KINDS:
        raise QuestionFileError(f"{where}: needs an \"answer\" with a \"kind\" of {', '.join(KINDS)}.")
    kind = answer["kind"]
    if kind != "decline" and ("value" in answer) == ("expr" in answer):
        raise QuestionFileError(f"{where}: a {kind} answer needs either \"value\" or \"expr\".")
    gold = Gold(kind=kind, value=answer.get("value"), expr=answer.get("expr"), ordered=bool(answer.get("ordered", True)),
                tolerance=float(answer.get("tolerance", DEFAULT_TOLERANCE)), round=answer.get("round"))
    if gold.expr is None:
        _check_literal(gold, where)
    return Question(text=item["question"].strip(), gold=gold)


def _check_literal(gold: Gold, where: str) -> None:
    expected = {"number": (int, float), "text": (str, int, float), "list": (list,), "boolean": (bool,),
                "table": (dict,), "chart": (str,)}.get(gold.kind)
    if expected and (not isinstance(gold.value, expected) or (gold.kind == "number" and isinstance(gold.value, bool))):
        raise QuestionFileError(f"{where}: a {gold.kind} answer's \"value\" must be a "
                                f"{' or '.join(t.__name__ for t in expected)}.")


def resolve(gold: Gold, tables: dict[str, pd.DataFrame]) -> Any:
    """The gold value, computing it from the parsed tables when it is an expression."""
    if gold.expr is None:
        return gold.value
    value = eval(gold.expr, {"__builtins__": _EXPR_BUILTINS, "t": tables, "pd": pd})  # noqa: S307 (the user's own file)
    if gold.kind == "table":
        return {str(key): float(number) for key, number in pd.Series(value).items()}
    if gold.kind == "list":
        return [str(item) for item in value]
    if gold.kind == "boolean":
        return bool(value)
    if gold.kind == "number":
        return float(value)
    return value
