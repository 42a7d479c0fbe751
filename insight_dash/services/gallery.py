"""The gallery: answers (charts, numbers, tables) a user pins, per dataset, in the order they choose."""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from insight_dash.extensions import db
from insight_dash.models import PIN_KINDS, PinnedFigure, User
from insight_dash.services.questions import get_query
from insight_dash.services.errors import InvalidInput, NotFound
from insight_dash.services.figures import figure_title
from insight_dash.services.ids import parse_uuid
from insight_dash.services.pinned_results import pinned_result


def pin_answer(user: User, query_id: int | str) -> PinnedFigure:
    """Keep a chart, number or table answer with its question and code; pinning twice keeps one copy."""
    entry = get_query(user, query_id)
    kind = entry.result_kind
    if entry.status != "success" or kind not in PIN_KINDS:
        raise InvalidInput("Only a chart, a number or a table can be pinned.")
    existing = _pin_of(user, entry.id)
    if existing is not None:
        return existing
    value = {"figure": entry.response_plot_json, "number": entry.response_text,
             "table": entry.response_table_json}[kind]
    figure, value_json = pinned_result(kind, value, entry.prompt)
    session = entry.session
    title = figure_title(figure) if kind == "figure" else ""
    pin = PinnedFigure(user_id=user.id, dataset_id=session.dataset_id, session_id=session.id, query_id=entry.id,
                       title=(title or entry.prompt)[:200], question=entry.prompt, code=entry.generated_code,
                       explanation=entry.explanation, kind=kind, figure_json=figure, value_json=value_json,
                       dataset_version=entry.dataset_version or session.dataset.version,
                       computed_at=entry.created_at, position=_last_position(user, session.dataset_id) + 1)
    db.session.add(pin)
    try:
        db.session.commit()
    except IntegrityError:  # a double click raced us to it
        db.session.rollback()
        return _pin_of(user, entry.id)
    return pin


def list_pins(user: User, dataset_id: uuid.UUID | str | None = None) -> list[PinnedFigure]:
    """The user's pinned figures in gallery order, of one dataset or of all of them."""
    query = sa.select(PinnedFigure).options(selectinload(PinnedFigure.dataset)).where(PinnedFigure.user_id == user.id)
    if dataset_id is not None:
        query = query.where(PinnedFigure.dataset_id == parse_uuid(dataset_id, "dataset"))
    return list(db.session.scalars(query.order_by(PinnedFigure.position, PinnedFigure.created_at)))


def get_pin(user: User, pin_id: uuid.UUID | str) -> PinnedFigure:
    pin = db.session.scalar(sa.select(PinnedFigure).where(PinnedFigure.id == parse_uuid(pin_id, "figure"),
                                                          PinnedFigure.user_id == user.id))
    if pin is None:
        raise NotFound("figure")
    return pin


def unpin(user: User, pin_id: uuid.UUID | str) -> None:
    """Remove a figure from the gallery (and from the user's views that show it)."""
    db.session.delete(get_pin(user, pin_id))
    db.session.commit()


def move_pin(user: User, pin_id: uuid.UUID | str, offset: int) -> list[PinnedFigure]:
    """Move a figure `offset` places within its dataset's gallery; returns the new order."""
    pin = get_pin(user, pin_id)
    pins = list_pins(user, pin.dataset_id)
    index = pins.index(pin)
    pins.insert(min(max(0, index + offset), len(pins) - 1), pins.pop(index))
    for position, item in enumerate(pins):
        item.position = position
    db.session.commit()
    return pins


def pinned_query_ids(user: User, dataset_id: uuid.UUID | str) -> set[int]:
    return {pin.query_id for pin in list_pins(user, dataset_id) if pin.query_id is not None}


def _pin_of(user: User, query_id: int) -> PinnedFigure | None:
    return db.session.scalar(sa.select(PinnedFigure).where(PinnedFigure.user_id == user.id,
                                                           PinnedFigure.query_id == query_id))


def _last_position(user: User, dataset_id: uuid.UUID) -> int:
    last = db.session.scalar(sa.select(sa.func.max(PinnedFigure.position)).where(
        PinnedFigure.user_id == user.id, PinnedFigure.dataset_id == dataset_id))
    return -1 if last is None else last
