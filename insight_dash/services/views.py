"""Views: named dashboards of pinned figures. The owner edits; people it is shared with
(by name, or everyone signed in) read. Anyone else gets "not found", like a missing id."""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from insight_dash.extensions import db
from insight_dash.models import PinnedFigure, User, View, ViewItem, utcnow, view_shares
from insight_dash.services.errors import InvalidInput, NotFound
from insight_dash.services.gallery import get_pin
from insight_dash.services.ids import parse_uuid

MAX_NAME = 200
# What a view's page and the views list show, loaded with the view (a query per relation, not per row).
SHOWN_WITH_A_VIEW = (selectinload(View.owner), selectinload(View.shared_with),
                     selectinload(View.items).selectinload(ViewItem.figure).selectinload(PinnedFigure.dataset))


def create_view(user: User, name: str) -> View:
    view = View(owner_id=user.id, name=_clean_name(name))
    db.session.add(view)
    db.session.commit()
    return view


def list_views(user: User) -> tuple[list[View], list[View]]:
    """(the user's own views, views others shared with them), most recently updated first."""
    newest = View.updated_at.desc()
    views = sa.select(View).options(*SHOWN_WITH_A_VIEW).order_by(newest)
    mine = db.session.scalars(views.where(View.owner_id == user.id))
    shared = db.session.scalars(views.where(View.owner_id != user.id, _readable_by(user)))
    return list(mine), list(shared)


def get_view(user: User, view_id: uuid.UUID | str) -> View:
    """A view the user may read: their own, or one shared with them."""
    view = db.session.scalar(sa.select(View).options(*SHOWN_WITH_A_VIEW)
                             .where(View.id == parse_uuid(view_id, "view"),
                                    sa.or_(View.owner_id == user.id, _readable_by(user))))
    if view is None:
        raise NotFound("view")
    return view


def owned_view(user: User, view_id: uuid.UUID | str) -> View:
    """A view the user may change. Readers get "not found" too: they cannot act on it."""
    view = get_view(user, view_id)
    if not can_edit(user, view):
        raise NotFound("view")
    return view


def can_edit(user: User, view: View) -> bool:
    return view.owner_id == user.id


def rename_view(user: User, view_id: uuid.UUID | str, name: str) -> View:
    view = owned_view(user, view_id)
    view.name = _clean_name(name)
    return _touch(user, view)


def delete_view(user: User, view_id: uuid.UUID | str) -> None:
    db.session.delete(owned_view(user, view_id))
    db.session.commit()


def add_figure(user: User, view_id: uuid.UUID | str, pin_id: uuid.UUID | str) -> View:
    """Add one of the user's own pinned figures at the end of their view (once)."""
    view = owned_view(user, view_id)
    pin = get_pin(user, pin_id)
    if all(item.figure_id != pin.id for item in view.items):
        position = max((item.position for item in view.items), default=-1) + 1
        view.items.append(ViewItem(figure=pin, position=position))
    return _touch(user, view)


def remove_figure(user: User, view_id: uuid.UUID | str, pin_id: uuid.UUID | str) -> View:
    view = owned_view(user, view_id)
    figure_id = parse_uuid(pin_id, "figure")
    item = next((item for item in view.items if item.figure_id == figure_id), None)
    if item is None:
        raise NotFound("figure")
    view.items.remove(item)
    return _touch(user, view)


def share_view(user: User, view_id: uuid.UUID | str, usernames: list[str], everyone: bool) -> View:
    """Replace who may read the view: named users, and/or everyone signed in."""
    view = owned_view(user, view_id)
    names = sorted({str(name).strip() for name in usernames or [] if str(name).strip()} - {user.username})
    readers = list(db.session.scalars(sa.select(User).where(User.username.in_(names)))) if names else []
    unknown = set(names) - {reader.username for reader in readers}
    if unknown:
        raise InvalidInput(f"No user is named {', '.join(sorted(unknown))}.")
    view.shared_with = readers
    view.shared_with_everyone = bool(everyone)
    return _touch(user, view)


def colleagues(user: User) -> list[str]:
    """Usernames a view can be shared with."""
    return list(db.session.scalars(sa.select(User.username).where(User.id != user.id).order_by(User.username)))


def _readable_by(user: User) -> sa.ColumnElement[bool]:
    named = sa.exists().where(view_shares.c.view_id == View.id, view_shares.c.user_id == user.id)
    return sa.or_(View.shared_with_everyone.is_(True), named)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Give the view a name.")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"View names are limited to {MAX_NAME} characters.")
    return name


def _touch(user: User, view: View) -> View:
    """Commit a change; the view as its page shows it, read back."""
    view.updated_at = utcnow()
    db.session.commit()
    return get_view(user, view.id)
