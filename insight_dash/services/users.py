"""Accounts: creation, passwords and sign-in checks."""
from __future__ import annotations

import re

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from insight_dash.extensions import db
from insight_dash.models import User
from insight_dash.services.errors import InvalidInput

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
MIN_PASSWORD_LENGTH = 8
# Compared against when the username is unknown, so a failed sign-in takes the same
# time whether or not the account exists.
_DUMMY_HASH = generate_password_hash("insight-timing-equaliser")


def create_user(username: str, password: str) -> User:
    username = username.strip()
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput(
            "A username is 2-64 characters: letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit."
        )
    if find_user(username) is not None:
        raise InvalidInput(f"The username {username!r} is already taken.")
    user = User(username=username)
    _apply_password(user, password)
    db.session.add(user)
    db.session.commit()
    return user


def set_password(username: str, password: str) -> User:
    user = find_user(username)
    if user is None:
        raise InvalidInput(f"There is no user named {username!r}.")
    _apply_password(user, password)
    db.session.commit()
    return user


def authenticate(username: str, password: str) -> User | None:
    """The user when the credentials match, else None (no hint about which part was wrong)."""
    user = find_user(username.strip())
    if user is None:
        User(password_hash=_DUMMY_HASH).check_password(password)
        return None
    return user if user.check_password(password) else None


def find_user(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == username))


def get_user(user_id: int | str | None) -> User | None:
    try:
        return db.session.get(User, int(user_id)) if user_id is not None else None
    except (TypeError, ValueError):
        return None


def count_users() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) or 0


def _apply_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    user.set_password(password)
