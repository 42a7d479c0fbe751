from datetime import datetime, timedelta, timezone

import pytest

from insight_dash.extensions import db
from insight_dash.models import QueryLog
from insight_dash.services.conversations import context_window, create_session, estimate_tokens


@pytest.fixture
def session_with_history(alice_dataset):
    """A session of 15 answered questions, one failed and one still running."""
    user, dataset = alice_dataset
    session = create_session(user, dataset.id, "Budget")
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for n in range(15):
        db.session.add(QueryLog(session_id=session.id, prompt=f"question {n}", response_text=f"answer {n}",
                                status="success", explanation="Counted rows.", created_at=start + timedelta(minutes=n)))
    db.session.add(QueryLog(session_id=session.id, prompt="broken", status="error",
                            error_message="The model timed out.", created_at=start + timedelta(minutes=20)))
    db.session.add(QueryLog(session_id=session.id, prompt="pending", status="running",
                            created_at=start + timedelta(minutes=21)))
    db.session.commit()
    return user, session


def test_window_holds_the_last_ten_answers_oldest_first(session_with_history):
    user, session = session_with_history
    window = context_window(user, session.id)
    assert [entry.prompt for entry in window] == [f"question {n}" for n in range(5, 15)]


def test_window_size_is_configurable(session_with_history):
    user, session = session_with_history
    assert [e.prompt for e in context_window(user, session.id, max_entries=3)] == [
        "question 12", "question 13", "question 14"]


def test_window_never_exceeds_its_token_budget(session_with_history):
    user, session = session_with_history
    latest = QueryLog(session_id=session.id, prompt="long one", response_text="x" * 4000, status="success",
                      explanation="Counted rows.", created_at=datetime(2026, 1, 2, tzinfo=timezone.utc))
    db.session.add(latest)
    db.session.commit()
    budget = 1012  # the long answer (1004 tokens) and one short exchange (6 tokens)
    window = context_window(user, session.id, token_budget=budget)
    used = sum(estimate_tokens(e.prompt) + estimate_tokens(e.response_text) for e in window)
    assert used <= budget
    assert [e.prompt for e in window] == ["question 14", "long one"]
    # A single answer larger than the budget leaves the window empty rather than overflowing it.
    assert context_window(user, session.id, token_budget=100) == []


def test_long_session_stays_bounded(session_with_history):
    user, session = session_with_history
    for n in range(200):
        db.session.add(QueryLog(session_id=session.id, prompt=f"more {n}", response_text="y" * 500,
                                status="success", explanation="Counted rows.", created_at=datetime(2026, 2, 1, tzinfo=timezone.utc)
                                + timedelta(seconds=n)))
    db.session.commit()
    window = context_window(user, session.id, max_entries=10, token_budget=1000)
    assert 0 < len(window) <= 10
    assert sum(estimate_tokens(e.prompt) + estimate_tokens(e.response_text) for e in window) <= 1000
    assert window[-1].prompt == "more 199"


def test_rename_delete_and_latest(session_with_history, make_user):
    from insight_dash.services.conversations import delete_session, latest_session, rename_session
    from insight_dash.services.errors import NotFound

    user, session = session_with_history
    assert rename_session(user, session.id, "  Budget review  ").title == "Budget review"
    bob = make_user("bob")
    with pytest.raises(NotFound):
        rename_session(bob, session.id, "mine now")
    with pytest.raises(NotFound):
        delete_session(bob, session.id)
    dataset_id = session.dataset_id
    delete_session(user, session.id)
    assert db.session.query(QueryLog).count() == 0
    fresh = latest_session(user, dataset_id)
    assert fresh.id != session.id and fresh.title == ""
