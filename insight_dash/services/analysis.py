"""Questions in, answers out: a QueryLog with text, a number, a table or a Plotly figure.

PandasAI's Agent writes the code with our model client and runs it in our sandbox; this
module adds the conversation context (recent exchanges with a digest of each answer), the
Plotly instructions, retries that only repeat what can change (code errors, one corrective
retry for a non-Plotly chart, one smaller context window), and turns every failure into an
`error` QueryLog with a message a person understands. The prompt is always stored.
"""
from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pandasai
import sqlalchemy as sa
from pandasai.agent.base import Agent

from insight_dash.extensions import db
from insight_dash.models import AnalysisSession, QueryLog, User, utcnow
from insight_dash.sandbox.client import SandboxUnavailable
from insight_dash.sandbox.pandasai_sandbox import InsightSandbox, SandboxRefusal
from insight_dash.services.conversations import context_window, get_session
from insight_dash.services.errors import InvalidInput, NotFound, ServiceError
from insight_dash.services.figures import checked_figure, title_text
from insight_dash.services.frames import get_frame, local_parquet, table_entry
from insight_dash.services.engines import engine_name, llm_for
from insight_dash.services.llm import LLMError
from insight_dash.services.offline_engine import catalogue_from_metadata
from insight_dash.services.runtime import current_settings
from insight_dash.settings import Settings

log = logging.getLogger(__name__)
MAX_QUESTION = 4000
PROMPT_SAMPLE_ROWS = 200
CODE_RETRY_KINDS = ("execution", "not_plotly", "result")
UNEXPECTED = "Something went wrong while answering. The error was logged; please try again."
CANCELLED = "You cancelled this question."
INTERRUPTED = "This question was interrupted (the server restarted). Please ask it again."
STALE_QUESTION = timedelta(minutes=10)  # longer than the model budget plus the sandbox timeout
PLOTLY_RULES = """Rules for the code you write:
- Charts: build them with plotly (import plotly.express as px, or plotly.graph_objects as go) and set
  result = {"type": "plot", "value": fig}. Never use matplotlib or seaborn, never save or show files.
- Give every chart a title and axis titles that name the columns and their units; make the hover
  show the category, the value and its column name.
- Tables: result = {"type": "dataframe", "value": df}; numbers: {"type": "number", ...};
  text: {"type": "string", ...}.
- Import only pandas, numpy, plotly, math, statistics, datetime, re, json, collections,
  itertools, functools or decimal. Do not read or write files or use the network."""
SANDBOX_MESSAGES = {
    "refused": "The generated code was refused by the safety check ({detail}).",
    "timeout": "The analysis took too long and was stopped. Try a narrower question.",
    "memory": "The analysis needed more memory than allowed. Try a narrower question.",
    "output": "The analysis printed too much output and was stopped.",
    "too_large": "The result is too large to show. Ask for a summary or fewer rows.",
    "sql": "The generated query was refused: only reading the dataset's tables is allowed.",
    "import": "The generated code tried to use a module that is not allowed ({detail}).",
    "not_plotly": "The model drew the chart with a library Insight cannot show interactively.",
    "sandbox": "The analysis sandbox is not available right now. Please tell the administrators.",
}


class AnalysisError(ServiceError):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class Answer:
    result: dict[str, Any]
    code: str
    llm_seconds: float
    exec_ms: float
    retries: int
    input_tokens: int
    output_tokens: int


def ask(user: User, session_id: uuid.UUID | str, question: str) -> QueryLog:
    """Ask and wait for the answer (background callbacks call the two halves separately)."""
    entry = start_question(user, session_id, question)
    return finish_question(user, entry.id)


def start_question(user: User, session_id: uuid.UUID | str, question: str,
                   follow_up_of: int | str | None = None) -> QueryLog:
    """Record the question as `running` before any model is called, so it is never lost.

    `follow_up_of` names an earlier answer of the same session that the question builds on.
    """
    session = get_session(user, session_id)
    earlier = get_query(user, follow_up_of) if follow_up_of is not None else None
    if earlier is not None and earlier.session_id != session.id:
        raise NotFound("question")
    question = (question or "").strip()
    if not question:
        raise InvalidInput("Type a question first.")
    if len(question) > MAX_QUESTION:
        raise InvalidInput(f"Questions are limited to {MAX_QUESTION} characters.")
    if session.dataset.status != "ready":
        raise InvalidInput("This dataset is not ready yet.")
    entry = QueryLog(session_id=session.id, prompt=question, status="running",
                     engine=engine_name(current_settings()), follow_up_of=earlier)
    session.title = session.title or question[:80]
    session.updated_at = utcnow()
    db.session.add(entry)
    db.session.commit()
    return entry


def retry_question(user: User, query_id: int | str) -> QueryLog:
    """Ask a failed question again, as a new entry of the same conversation."""
    failed = get_query(user, query_id)
    if failed.status != "error":
        raise InvalidInput("Only a question that failed can be retried.")
    return start_question(user, failed.session_id, failed.prompt, failed.follow_up_of_id)


def finish_question(user: User, query_id: int) -> QueryLog:
    """Answer a `running` question and record the outcome, success or error."""
    entry = get_query(user, query_id)
    if entry.status != "running":  # answered or cancelled meanwhile
        return entry
    started = time.perf_counter()
    try:
        answer = _answer(user, entry)
        _record_answer(entry, answer)
    except (LLMError, AnalysisError, InvalidInput, NotFound) as exc:
        _record_error(entry, exc.message, getattr(exc, "kind", "invalid"))
    except SandboxUnavailable:
        _record_error(entry, SANDBOX_MESSAGES["sandbox"], "sandbox")
    except Exception:
        log.exception("answering failed", extra={"query_id": entry.id})
        _record_error(entry, UNEXPECTED, "unexpected")
    entry.latency_ms = int((time.perf_counter() - started) * 1000)
    db.session.commit()
    log.info("question answered", extra={"event": "question", "query_id": entry.id, "status": entry.status,
                                         "user_id": user.id, "session_id": str(entry.session_id),
                                         "dataset_id": str(entry.session.dataset_id), "engine": entry.engine,
                                         "latency_ms": entry.latency_ms, "llm_ms": entry.llm_ms,
                                         "exec_ms": entry.exec_ms, "input_tokens": entry.input_tokens,
                                         "output_tokens": entry.output_tokens, "retries": entry.retries})
    return entry


def table_csv(user: User, query_id: int | str) -> tuple[str, str]:
    """(file name, CSV text) of a table answer: the rows the answer kept."""
    entry = get_query(user, query_id)
    if entry.result_kind != "table" or not entry.response_table_json:
        raise NotFound("table")
    table = entry.response_table_json
    frame = pd.DataFrame(table["rows"], columns=table["columns"])
    name = re.sub(r"[^A-Za-z0-9]+", "-", entry.prompt).strip("-")[:60] or "answer"
    return f"{name}.csv", frame.to_csv(index=False)


def cancel_question(user: User, query_id: int | str) -> QueryLog:
    """Mark a running question as cancelled (its job has been stopped)."""
    entry = get_query(user, query_id)
    if entry.status == "running":
        entry.status, entry.error_message = "error", CANCELLED
        db.session.commit()
    return entry


def recover_stale_questions(now=None) -> int:
    """Questions whose job died (a restart, a killed worker) end as errors, not pending forever."""
    cutoff = (now or utcnow()) - STALE_QUESTION
    stale = list(db.session.scalars(sa.select(QueryLog).where(QueryLog.status == "running",
                                                              QueryLog.created_at < cutoff)))
    for entry in stale:
        entry.status, entry.error_message = "error", INTERRUPTED
    db.session.commit()
    return len(stale)


def get_query(user: User, query_id: int | str) -> QueryLog:
    try:
        query_id = int(query_id)
    except (TypeError, ValueError):
        raise NotFound("question") from None
    entry = db.session.scalar(sa.select(QueryLog).join(AnalysisSession).where(
        QueryLog.id == query_id, AnalysisSession.user_id == user.id))
    if entry is None:
        raise NotFound("question")
    return entry


def answer_digest(entry: QueryLog) -> str:
    """A line about a previous answer, so follow-ups ("now split that by unit") make sense."""
    if entry.result_kind == "figure" and entry.response_plot_json:
        layout = entry.response_plot_json.get("layout", {})
        kinds = sorted({trace.get("type", "scatter") for trace in entry.response_plot_json.get("data", [])})
        x_title = title_text(layout.get("xaxis", {})) or "x"
        y_title = title_text(layout.get("yaxis", {})) or "y"
        return f"a {'/'.join(kinds)} chart of {y_title} by {x_title} titled \"{title_text(layout)}\""
    if entry.result_kind == "table" and entry.response_table_json:
        table = entry.response_table_json
        return f"a table of {table['row_count']} rows with columns {', '.join(table['columns'][:12])}"
    return entry.response_text[:300]


def compose_prompt(question: str, history: list[QueryLog]) -> str:
    lines = []
    if history:
        lines.append("Earlier in this conversation (oldest first):")
        for number, entry in enumerate(history, start=1):
            lines.append(f"Q{number}: {entry.prompt}")
            lines.append(f"A{number}: {answer_digest(entry)}")
            if entry.generated_code:
                lines.append(f"Code{number}:\n{entry.generated_code}")
        lines.append("")
    lines.append(PLOTLY_RULES)
    lines.append("")
    lines.append(f"Question: {question}")
    return "\n".join(lines)


def sql_table_names(names: list[str]) -> list[str]:
    """Sheet names as SQL identifiers the model can use: "Budget FY26" -> "budget_fy26"."""
    taken: set[str] = set()
    result = []
    for name in names:
        base = re.sub(r"\W+", "_", name.strip().lower()).strip("_") or "table"
        base = f"t_{base}" if base[0].isdigit() else base
        candidate, copy = base, 2
        while candidate in taken:
            candidate, copy = f"{base}_{copy}", copy + 1
        taken.add(candidate)
        result.append(candidate)
    return result


def _answer(user: User, entry: QueryLog) -> Answer:
    settings = current_settings()
    dataset = entry.session.dataset
    entries = [table_entry(dataset, table["name"]) for table in dataset.meta.get("tables", [])]
    names = sql_table_names([table["name"] for table in entries])
    tables = [(name, local_parquet(dataset, table)) for name, table in zip(names, entries)]
    samples = [pandasai.DataFrame(get_frame(user, dataset.id, table["name"]).head(PROMPT_SAMPLE_ROWS),
                                  _table_name=name) for name, table in zip(names, entries)]
    catalogue = catalogue_from_metadata(names, entries)
    history = [e for e in context_window(user, entry.session_id) if e.id != entry.id]
    earlier = entry.follow_up_of
    if earlier is not None and earlier.status == "success" and earlier not in history:
        history = [earlier, *history]  # followed up on, though older than the window
    for attempt in range(2):
        llm = llm_for(settings, catalogue)
        try:
            return run_agent(settings, llm, samples, tables, compose_prompt(entry.prompt, history))
        except LLMError as exc:
            if exc.kind != "context_length" or not history or attempt:
                raise
            history = history[len(history) // 2 + 1:]  # once, with the older half dropped
            log.warning("context too long; retrying with a smaller window", extra={"query_id": entry.id})
    raise AssertionError("unreachable")


def run_agent(settings: Settings, llm, samples: list, tables: list[tuple[str, Path]], prompt: str) -> Answer:
    """One question through PandasAI's Agent and the sandbox (no database involved)."""
    sandbox = InsightSandbox(settings, tables)
    agent = InsightAgent(samples, config={"llm": llm, "max_retries": 1, "save_logs": False, "verbose": False},
                         sandbox=sandbox)
    result = agent.chat(prompt)
    return Answer(result=result, code=agent.last_code_executed or "", llm_seconds=llm.stats.seconds,
                  exec_ms=agent.exec_ms, retries=llm.stats.retries + agent.code_retries,
                  input_tokens=llm.stats.input_tokens, output_tokens=llm.stats.output_tokens)


class InsightAgent(Agent):
    """PandasAI's Agent with retries only where a new attempt can change the outcome."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.exec_ms = 0.0
        self.code_retries = 0

    def generate_code_with_retries(self, query: str) -> str:
        try:
            return self.generate_code(query)
        except LLMError:
            raise  # throttling, timeouts, access: retried (or not) inside the model client
        except Exception as exc:  # no code, or code PandasAI's own validation rejects
            log.warning("model reply had no usable code", extra={"error": type(exc).__name__})
            raise AnalysisError("malformed", "The model's answer did not contain usable analysis code. "
                                             "Please rephrase the question and try again.") from exc

    def execute_with_retries(self, code: str) -> dict[str, Any]:
        """The sandbox's own JSON result (PandasAI's parser would demand a PNG path for charts)."""
        while True:
            try:
                self.execute_code(code)
                return self._sandbox.last_outcome.result
            except SandboxRefusal as refusal:
                outcome = refusal.outcome
                self.exec_ms += outcome.timing.get("total_ms", 0.0)
                if outcome.kind not in CODE_RETRY_KINDS or self.code_retries >= self._state.config.max_retries:
                    raise AnalysisError(outcome.kind, _sandbox_message(outcome)) from refusal
                self.code_retries += 1
                code = self._regenerate_code_after_error(code, RuntimeError(outcome.message + "\n" + outcome.traceback))

    def execute_code(self, code: str) -> dict:
        result = super().execute_code(code)
        self.exec_ms += self._sandbox.last_outcome.timing.get("total_ms", 0.0)
        return result


def _sandbox_message(outcome) -> str:
    if outcome.kind == "execution":
        return f"The analysis code failed: {outcome.message[:300]}"
    template = SANDBOX_MESSAGES.get(outcome.kind, "The analysis could not be completed: {detail}")
    return template.format(detail=outcome.message[:200])


def _record_answer(entry: QueryLog, answer: Answer) -> None:
    result = answer.result
    kind, value = result.get("type"), result.get("value")
    if kind == "plot":
        figure = checked_figure(value)
        entry.result_kind, entry.response_plot_json = "figure", figure
        entry.response_text = title_text(figure.get("layout", {})) or "A chart"
    elif kind == "dataframe":
        entry.result_kind, entry.response_table_json = "table", value
        entry.response_text = f"A table of {value['row_count']:,} rows and {len(value['columns'])} columns."
    elif kind == "number":
        entry.result_kind, entry.response_text = "number", _format_number(value)
    else:
        entry.result_kind, entry.response_text = "text", str(value)
    entry.status = "success"
    entry.generated_code = answer.code
    entry.llm_ms = int(answer.llm_seconds * 1000)
    entry.exec_ms = int(answer.exec_ms)
    entry.retries = answer.retries
    entry.input_tokens, entry.output_tokens = answer.input_tokens, answer.output_tokens


def _record_error(entry: QueryLog, message: str, kind: str) -> None:
    db.session.rollback()
    entry.status = "error"
    entry.error_message = message
    log.warning("question failed", extra={"event": "question_failed", "query_id": entry.id, "kind": kind})


def _format_number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) < 1e15 else f"{value:.6g}"
    return f"{value:,}" if isinstance(value, int) else str(value)
