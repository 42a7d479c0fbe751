"""Analysis sessions and the bounded conversation context used for follow-up questions."""
from __future__ import annotations

import uuid

import sqlalchemy as sa

from insight_dash.extensions import db
from insight_dash.models import AnalysisSession, QueryLog, User
from insight_dash.services.datasets import get_dataset
from insight_dash.services.errors import NotFound
from insight_dash.services.ids import parse_uuid

DEFAULT_CONTEXT_ENTRIES = 10
DEFAULT_CONTEXT_TOKENS = 6000
TITLE_LENGTH = 200


def create_session(user: User, dataset_id: uuid.UUID | str, title: str = "") -> AnalysisSession:
    dataset = get_dataset(user, dataset_id)
    session = AnalysisSession(user_id=user.id, dataset_id=dataset.id, title=title.strip()[:TITLE_LENGTH])
    db.session.add(session)
    db.session.commit()
    return session


def get_session(user: User, session_id: uuid.UUID | str) -> AnalysisSession:
    """The session if `user` owns it; NotFound otherwise."""
    session = db.session.scalar(
        sa.select(AnalysisSession).where(
            AnalysisSession.id == parse_uuid(session_id, "session"),
            AnalysisSession.user_id == user.id,
        )
    )
    if session is None:
        raise NotFound("session")
    return session


def list_sessions(user: User, dataset_id: uuid.UUID | str) -> list[AnalysisSession]:
    """The user's sessions on one dataset, most recently active first."""
    dataset = get_dataset(user, dataset_id)
    query = (
        sa.select(AnalysisSession)
        .where(AnalysisSession.dataset_id == dataset.id, AnalysisSession.user_id == user.id)
        .order_by(AnalysisSession.updated_at.desc())
    )
    return list(db.session.scalars(query))


def rename_session(user: User, session_id: uuid.UUID | str, title: str) -> AnalysisSession:
    session = get_session(user, session_id)
    session.title = title.strip()[:TITLE_LENGTH]
    db.session.commit()
    return session


def delete_session(user: User, session_id: uuid.UUID | str) -> None:
    """Delete a session with its questions (pinned figures keep their own copy)."""
    db.session.delete(get_session(user, session_id))
    db.session.commit()


def latest_session(user: User, dataset_id: uuid.UUID | str) -> AnalysisSession:
    """The user's most recently active session on the dataset, created when there is none."""
    sessions = list_sessions(user, dataset_id)
    return sessions[0] if sessions else create_session(user, dataset_id)


def session_history(user: User, session_id: uuid.UUID | str) -> list[QueryLog]:
    """Every question of a session, newest first."""
    session = get_session(user, session_id)
    # A follow-up's card shows the question it follows: always one of this session's, so it is
    # already loaded by this query (a many-to-one resolved from the identity map, no SQL).
    query = (sa.select(QueryLog).where(QueryLog.session_id == session.id)
             .order_by(QueryLog.created_at.desc(), QueryLog.id.desc()))
    return list(db.session.scalars(query))


def estimate_tokens(text: str) -> int:
    """A cheap upper-side estimate (about four characters a token for English and code)."""
    return len(text) // 4 + 1


def context_window(
    user: User,
    session_id: uuid.UUID | str,
    max_entries: int = DEFAULT_CONTEXT_ENTRIES,
    token_budget: int = DEFAULT_CONTEXT_TOKENS,
) -> list[QueryLog]:
    """The most recent answered exchanges of a session, oldest first, for prompting.

    At most `max_entries` entries, and the newest ones whose prompts and answers fit in
    `token_budget`: an old, long answer is dropped before a recent one. Running and failed
    questions are left out; they carry no answer to build on.
    """
    session = get_session(user, session_id)
    newest_first = db.session.scalars(
        sa.select(QueryLog)
        .where(QueryLog.session_id == session.id, QueryLog.status == "success")
        .order_by(QueryLog.created_at.desc(), QueryLog.id.desc())
        .limit(max_entries)
    )
    window: list[QueryLog] = []
    used = 0
    for entry in newest_first:
        cost = estimate_tokens(entry.prompt) + estimate_tokens(entry.response_text)
        if used + cost > token_budget:
            break
        window.append(entry)
        used += cost
    window.reverse()
    return window
