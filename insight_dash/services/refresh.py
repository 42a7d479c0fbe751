"""Pinned answers that follow their dataset: "Refresh" re-runs a pin's stored code in the sandbox
on the dataset's current version (no model is called); "Ask again" puts its question to the
engine on the new data. The newest result is shown, the one before it kept; a pin whose code
fails keeps its last good result and is marked stale with the reason.

Pins run concurrently, as many at once as the host has CPUs (each run keeps the sandbox's own
memory and time limits); results are written on the calling thread, one commit per pin.
"""
from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from insight_dash.extensions import db
from insight_dash.models import PinnedFigure, User, utcnow
from insight_dash.sandbox.client import SandboxResult, SandboxUnavailable, ensure_zygote, run_code
from insight_dash.services.agent import SANDBOX_MESSAGES, sandbox_message
from insight_dash.services.catalogue import catalogue_from_metadata
from insight_dash.services.conversations import create_session
from insight_dash.services.display_names import PeopleNames
from insight_dash.services.drift import missing_names
from insight_dash.services.errors import InvalidInput, NotFound, ServiceError
from insight_dash.services.explanations import model_explanation
from insight_dash.services.gallery import get_pin
from insight_dash.services.pinned_results import KIND_OF_RESULT, change_sentence, pinned_result, with_reference
from insight_dash.services.questions import dataset_tables, finish_question, start_question
from insight_dash.services.runtime import current_settings
from insight_dash.services.views import owned_view

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


def refresh_pins(user: User, pin_ids: list[uuid.UUID | str], progress: Progress = lambda done, total: None,
                 workers: int | None = None) -> list[PinnedFigure]:
    """Re-run each of the user's pins on its dataset's current version, `workers` at once (default:
    one per CPU); `progress(done, total)` is called as each one ends. Returns the pins as they now are."""
    pins = [get_pin(user, pin_id) for pin_id in pin_ids]
    settings = current_settings()
    if pins:
        ensure_zygote(settings)
    runs = {pin.id: _prepared(pin) for pin in pins}
    workers = max(1, min(len(pins), workers or os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="insight-refresh") as pool:
        futures = {pool.submit(_run, settings, pin.code, runs[pin.id]): pin for pin in pins if runs[pin.id]}
        done = len(pins) - len(futures)  # pins with nothing to run were marked stale already
        for future in as_completed(futures):
            _record(futures[future], runs[futures[future].id], future.result())
            done += 1
            progress(done, len(pins))
    return pins


def refresh_view(user: User, view_id: uuid.UUID | str, pin_ids: list[str] | None = None,
                 progress: Progress = lambda done, total: None) -> list[PinnedFigure]:
    """Refresh the pins of the user's own view (all of them, or those of `pin_ids` that it shows)."""
    view = owned_view(user, view_id)
    shown = [str(item.figure_id) for item in view.items]
    chosen = shown if pin_ids is None else [pin_id for pin_id in shown if pin_id in set(map(str, pin_ids))]
    if pin_ids is not None and not chosen:
        raise NotFound("figure")
    return refresh_pins(user, chosen, progress)


def ask_again(user: User, pin_id: uuid.UUID | str) -> PinnedFigure:
    """Ask the pin's question through the engine on the current data; an answer of the same kind
    becomes the pin's newest result (with its new code), otherwise the pin says why it stays stale."""
    pin = get_pin(user, pin_id)
    session_id = pin.session_id or create_session(user, pin.dataset_id, pin.question[:80]).id
    entry = finish_question(user, start_question(user, session_id, pin.question).id)
    version = pin.dataset.version
    kind = entry.result_kind
    if entry.status != "success" or kind != pin.kind:
        problem = entry.error_message or f"the answer was {_a(kind)}, not {_a(pin.kind)}"
        _mark_stale(pin, f"Asked again on version {version}: {problem}")
    else:
        value = {"figure": entry.response_plot_json, "number": entry.response_text,
                 "table": entry.response_table_json}[kind]
        figure, value_json = pinned_result(kind, value, pin.question)
        _keep_result(pin, version, figure, value_json, entry.explanation)
        pin.code, pin.query_id = entry.generated_code, entry.id
    db.session.commit()
    return pin


class _Run:
    """What one pin's re-run needs, read on the calling thread: the current version's tables."""

    def __init__(self, pin: PinnedFigure):
        dataset = pin.dataset
        self.version = dataset.version
        self.tables = dataset_tables(dataset)
        self.catalogue = self.tables.catalogue


def _prepared(pin: PinnedFigure) -> _Run | None:
    if not pin.code.strip():
        _mark_stale(pin, "No code was kept with this answer, so it cannot be re-run. Ask again instead.")
        return None
    try:
        return _Run(pin)
    except ServiceError as exc:
        _mark_stale(pin, exc.message)
        return None


def _run(settings, code: str, run: _Run) -> SandboxResult:
    try:
        return run_code(settings, code, run.tables.sandbox_files())
    except SandboxUnavailable:
        return SandboxResult(ok=False, kind="sandbox", message=SANDBOX_MESSAGES["sandbox"])


def _record(pin: PinnedFigure, run: _Run, outcome: SandboxResult) -> None:
    if not outcome.ok:
        _mark_stale(pin, _failure_reason(pin, run, outcome))
        return
    result = PeopleNames(run.catalogue.people_names()).result(outcome.result)
    kind = KIND_OF_RESULT.get(result.get("type"), result.get("type"))
    if kind != pin.kind:
        _mark_stale(pin, f"On version {run.version} the code returned {_a(kind)}, not {_a(pin.kind)}.")
        return
    try:
        figure, value_json = pinned_result(kind, result["value"], pin.question)
    except InvalidInput as exc:
        _mark_stale(pin, f"On version {run.version}: {exc.message}")
        return
    sentence, _facts = model_explanation(result, pin.code, outcome.queries, run.catalogue)
    _keep_result(pin, run.version, figure, value_json, f"Re-run on version {run.version}: {sentence}")


def _keep_result(pin: PinnedFigure, version: int, figure: dict[str, Any], value_json: dict[str, Any] | None,
                 explanation: str) -> None:
    """The new result becomes the newest; the one it replaces is kept as the previous, unless it
    was computed on this same version (a second refresh of one version keeps the older one)."""
    if pin.dataset_version != version:
        pin.previous = {"figure_json": pin.figure_json, "value_json": pin.value_json,
                        "dataset_version": pin.dataset_version, "computed_at": pin.computed_at.isoformat(),
                        "explanation": pin.explanation}
    before = (pin.previous or {}).get("value_json")
    if pin.kind == "number" and before:
        figure = with_reference(figure, before["value"])
    pin.figure_json, pin.value_json, pin.explanation = figure, value_json, explanation
    pin.dataset_version, pin.computed_at, pin.stale_reason = version, utcnow(), ""
    pin.change = change_sentence(pin.kind, before, value_json)
    db.session.commit()
    log.info("pin refreshed", extra={"event": "pin_refreshed", "pin_id": str(pin.id), "version": version})


def _mark_stale(pin: PinnedFigure, reason: str) -> None:
    pin.stale_reason = reason[:1000]
    db.session.commit()
    log.info("pin stale", extra={"event": "pin_stale", "pin_id": str(pin.id)})


def _failure_reason(pin: PinnedFigure, run: _Run, outcome: SandboxResult) -> str:
    """Why a re-run failed, in the dataset's words: the columns the code needs that the version
    lacks, when that is the cause; otherwise the sandbox's own message."""
    previous = [version for version in pin.dataset.versions if version.number == pin.dataset_version]
    if previous:
        missing = missing_names(pin.code, catalogue_from_metadata(previous[0].meta.get("tables", [])), run.catalogue)
        if missing:
            return f"Version {run.version} has no {', '.join(missing)}, which this answer's code uses."
    return f"On version {run.version}: {sandbox_message(outcome)}"


def _a(kind: str) -> str:
    return {"figure": "a chart", "number": "a number", "table": "a table"}.get(kind, f"a {kind or 'nothing'} answer")
