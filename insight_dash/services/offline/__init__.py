"""The offline analysis engine: answers common questions with no language model at all, and
declines the rest by name.

A question is read against each table (`reading`): every word becomes a column, a category
value, a number, an operation, a word of no meaning, or nothing. A plan (`planner` for
conditions and derived measures, then `shapes` and `ranking` for the answer's shape, sharing
`context`) must spend every word that means something; the best table where one does wins.
Its code (`writing`) is DuckDB SQL plus Plotly, run by the same PandasAI Agent and sandbox as
the model's code, and its explanation (`explaining`) comes from the plan. When no plan
accounts for every word, the engine declines, naming the words it did not understand and
offering questions it can answer instead (`rephrasing`). It never guesses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pandasai.llm.base import LLM

from insight_dash.services.catalogue import Catalogue
from insight_dash.services.llm import CallStats
from insight_dash.services.offline.planner import Leftover, Plan
from insight_dash.services.offline.reading import read
from insight_dash.services.offline.rephrasing import rephrasings
from insight_dash.services.offline.shapes import plan_reading
from insight_dash.services.offline.words import tokens_of

ENGINE = "offline"


@dataclass
class Decline:
    """What the engine did not understand, said plainly, with questions it can answer."""

    message: str
    not_understood: list[str]
    rephrasings: list[str] = field(default_factory=list)

    def as_result(self) -> dict[str, Any]:
        return {"type": "decline", "value": self.message, "not_understood": self.not_understood,
                "rephrasings": self.rephrasings}


def plan_question(question: str, catalogue: Catalogue) -> Plan | Decline:
    """The plan for the best-matching table, or a decline naming what was not understood."""
    outcome = _best(question, catalogue)
    if isinstance(outcome, Plan):
        return outcome
    return Decline(_message(outcome), outcome.unknown + outcome.unused,
                   rephrasings(outcome, lambda candidate: isinstance(_best(candidate, catalogue), Plan)))


def answerable(question: str, catalogue: Catalogue) -> bool:
    return isinstance(_best(question, catalogue), Plan)


def _best(question: str, catalogue: Catalogue) -> Plan | Leftover:
    tokens = tokens_of(question)
    outcomes = [plan_reading(read(tokens, table)) for table in catalogue.tables]
    plans = [outcome for outcome in outcomes if isinstance(outcome, Plan)]
    if plans:
        return max(plans, key=lambda plan: (plan.names_table, plan.used, plan.table.row_count))
    if not outcomes:
        raise ValueError("a dataset without tables cannot be asked")
    return min(outcomes, key=lambda left: (len(left.unknown) + len(left.unused), -len(left.mentioned)))


def _message(left: Leftover) -> str:
    quoted = ", ".join(f"“{word}”" for word in left.unknown)
    if left.unknown:
        message = f"The offline engine did not understand {quoted}, so it did not answer rather than guess."
    elif left.unused:
        words = ", ".join(f"“{word}”" for word in left.unused)
        message = (f"The offline engine read every word but could not fit {words} into one question it can "
                   f"answer, so it did not answer rather than guess.")
    else:
        message = "The offline engine could not read this question, so it did not answer rather than guess."
    return f"{message} {left.reason}".strip()


class OfflineLLM(LLM):
    """A PandasAI LLM that hands back the code the offline engine wrote for the question."""

    def __init__(self, code: str):
        super().__init__()
        self.code = code
        self.stats = CallStats()

    @property
    def type(self) -> str:
        return ENGINE

    def call(self, instruction: Any, context: Any = None) -> str:
        self.stats.calls += 1
        return f"```python\n{self.code.rstrip()}\n```"
