"""Questions in, answers out: the QueryLog of every question, from `running` to `success` or `error`.

A question is stored as `running` before any engine is called, so it is never lost; the
answer (text, a number, a yes/no, a list, a table or a Plotly figure, or a decline naming what
was not understood) is stored with the code, the engine's timings and tokens, and one plain
sentence saying how it was computed. Every failure ends as an `error` with a message a person
understands; only true internal faults get the generic one, and each is logged.
"""
from __future__ import annotations

import logging
import re
import time
import uuid
from datetime import timedelta

import pandas as pd
import sqlalchemy as sa

from insight_dash.extensions import db
from insight_dash.models import AnalysisSession, Dataset, QueryLog, User, utcnow
from insight_dash.sandbox.client import SandboxUnavailable
from insight_dash.services import engines
from insight_dash.services.agent import SANDBOX_MESSAGES, AnalysisError, Answer, DatasetTables
from insight_dash.services.catalogue import catalogue_from_metadata
from insight_dash.services.conversations import context_window, get_session
from insight_dash.services.errors import InvalidInput, NotFound
from insight_dash.services.figures import checked_figure, title_text
from insight_dash.services.formatting import format_number
from insight_dash.services.frames import local_parquet
from insight_dash.services.llm import LLMError
from insight_dash.services.runtime import current_settings

log = logging.getLogger(__name__)
MAX_QUESTION = 4000
UNEXPECTED = "Something went wrong while answering. The error was logged; please try again."
CANCELLED = "You cancelled this question."
INTERRUPTED = "This question was interrupted (the server restarted). Please ask it again."
STALE_QUESTION = timedelta(minutes=10)  # longer than the model budget plus the sandbox timeout
RESULT_KINDS = {"plot": "figure", "dataframe": "table", "list": "list", "number": "number", "boolean": "boolean",
                "decline": "declined"}


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
                     engine=engines.engine_name(current_settings()), follow_up_of=earlier)
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
    waited_ms = int((utcnow() - entry.created_at).total_seconds() * 1000)  # in this host's line of jobs, mostly
    version = entry.session.dataset.version
    failure = None
    try:
        # Nothing is written before the answer: a write would lock the row while the model and
        # the sandbox work, and Cancel (cancel_question) would wait for the answer to be stored.
        answer = engines.answer(current_settings(), dataset_tables(entry.session.dataset), entry.prompt,
                                _history(user, entry))
        if not _still_running(entry):
            return entry
        entry.dataset_version = version
        _record_answer(entry, answer)
    except (LLMError, AnalysisError, InvalidInput, NotFound) as exc:
        failure = exc.message, getattr(exc, "kind", "invalid")
    except SandboxUnavailable:
        failure = SANDBOX_MESSAGES["sandbox"], "sandbox"
    except Exception:
        log.exception("answering failed", extra={"query_id": entry.id})
        failure = UNEXPECTED, "unexpected"
    if failure is not None and not _record_error(entry, *failure):
        return entry
    entry.latency_ms = int((time.perf_counter() - started) * 1000)
    db.session.commit()
    log.info("question answered", extra={"event": "question", "query_id": entry.id, "status": entry.status,
                                         "kind": entry.result_kind, "user_id": user.id,
                                         "session_id": str(entry.session_id),
                                         "dataset_id": str(entry.session.dataset_id), "engine": entry.engine,
                                         "waited_ms": waited_ms, "latency_ms": entry.latency_ms,
                                         "llm_ms": entry.llm_ms,
                                         "exec_ms": entry.exec_ms, "input_tokens": entry.input_tokens,
                                         "output_tokens": entry.output_tokens, "retries": entry.retries})
    return entry


def dataset_tables(dataset: Dataset) -> DatasetTables:
    """Every table of a ready dataset, with a local Parquet copy of each."""
    if dataset.status != "ready":
        raise InvalidInput("This dataset is not ready yet.")
    entries = dataset.meta.get("tables", [])
    return DatasetTables(catalogue_from_metadata(entries), [local_parquet(dataset, entry) for entry in entries])


def table_csv(user: User, query_id: int | str) -> tuple[str, str]:
    """(file name, CSV text) of a table or list answer: the rows the answer kept."""
    entry = get_query(user, query_id)
    if entry.result_kind not in ("table", "list") or not entry.response_table_json:
        raise NotFound("table")
    table = entry.response_table_json
    frame = pd.DataFrame(table["rows"], columns=table["columns"])
    name = re.sub(r"[^A-Za-z0-9]+", "-", entry.prompt).strip("-")[:60] or "answer"
    return f"{name}.csv", frame.to_csv(index=False)


def cancel_question(user: User, query_id: int | str) -> QueryLog:
    """Mark a running question as cancelled (its job has been stopped)."""
    entry = get_query(user, query_id)
    if _still_running(entry):  # an answer stored meanwhile stays
        entry.status, entry.error_message = "error", CANCELLED
        db.session.commit()
    return entry


def recover_stale_questions(now=None) -> int:
    """Questions whose job died (a restart, a killed worker) end as errors, not pending forever."""
    cutoff = (now or utcnow()) - STALE_QUESTION
    stale = list(db.session.scalars(sa.select(QueryLog).where(
        QueryLog.status == "running", QueryLog.created_at < cutoff).with_for_update(skip_locked=True)))
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


def _history(user: User, entry: QueryLog) -> list[QueryLog]:
    history = [e for e in context_window(user, entry.session_id) if e.id != entry.id]
    earlier = entry.follow_up_of
    if earlier is not None and earlier.status == "success" and earlier not in history:
        history = [earlier, *history]  # followed up on, though older than the window
    return history


def _record_answer(entry: QueryLog, answer: Answer) -> None:
    result = answer.result
    kind, value = result.get("type"), result.get("value")
    entry.result_kind = RESULT_KINDS.get(kind, "text")
    if kind == "plot":
        figure = checked_figure(value)
        entry.response_plot_json = figure
        entry.response_text = title_text(figure.get("layout", {})) or "A chart"
    elif kind in ("dataframe", "list"):
        entry.response_table_json = value
        entry.response_text = (f"A table of {value['row_count']:,} rows and {len(value['columns'])} columns."
                               if kind == "dataframe" else ", ".join(str(row[0]) for row in value["rows"][:50]))
    elif kind == "number":
        entry.response_text = format_number(value)
    elif kind == "boolean":
        entry.response_text = "Yes" if value else "No"
    else:
        entry.response_text = str(value)
    entry.explanation = answer.explanation or "Computed by the code below."
    entry.explanation_facts = answer.facts or None
    entry.status = "success"
    entry.generated_code = answer.code
    entry.llm_ms = int(answer.llm_seconds * 1000)
    entry.exec_ms = int(answer.exec_ms)
    entry.retries = answer.retries
    entry.input_tokens, entry.output_tokens = answer.input_tokens, answer.output_tokens


def _still_running(entry: QueryLog) -> bool:
    """Lock the question's row and read its status again: cancelled while it was being answered
    (its job a thread that cannot be stopped), it stays cancelled, and nothing is recorded."""
    status = db.session.scalar(sa.select(QueryLog.status).where(QueryLog.id == entry.id).with_for_update())
    if status != "running":
        db.session.rollback()
        return False
    return True


def _record_error(entry: QueryLog, message: str, kind: str) -> bool:
    """Record the failure; False when the question was cancelled meanwhile (nothing recorded)."""
    db.session.rollback()
    if not _still_running(entry):
        return False
    entry.status = "error"
    entry.error_message = message
    log.warning("question failed", extra={"event": "question_failed", "query_id": entry.id, "kind": kind})
    return True
