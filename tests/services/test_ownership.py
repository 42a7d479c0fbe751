"""Someone else's object behaves exactly like a missing one, through every service."""
import uuid

import pytest

from insight_dash.services.conversations import (
    context_window,
    create_session,
    get_session,
    list_sessions,
)
from insight_dash.services.datasets import get_dataset, list_datasets
from insight_dash.services.errors import NotFound


def test_owner_sees_own_dataset(alice_dataset):
    alice, dataset = alice_dataset
    assert get_dataset(alice, dataset.id).name == "sensors.csv"
    assert get_dataset(alice, str(dataset.id)).id == dataset.id
    assert [d.id for d in list_datasets(alice)] == [dataset.id]


def test_other_user_gets_not_found_for_dataset(alice_dataset, make_user):
    _, dataset = alice_dataset
    bob = make_user("bob")
    with pytest.raises(NotFound) as raised:
        get_dataset(bob, dataset.id)
    with pytest.raises(NotFound) as missing:
        get_dataset(bob, uuid.uuid4())
    assert str(raised.value) == str(missing.value) == "That dataset was not found."
    assert list_datasets(bob) == []


def test_other_user_gets_not_found_for_session(alice_dataset, make_user):
    alice, dataset = alice_dataset
    session = create_session(alice, dataset.id, "Trends")
    bob = make_user("bob")
    for call in (
        lambda: get_session(bob, session.id),
        lambda: context_window(bob, session.id),
        lambda: list_sessions(bob, dataset.id),
        lambda: create_session(bob, dataset.id),
    ):
        with pytest.raises(NotFound):
            call()
    assert get_session(alice, session.id).title == "Trends"


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "", None, 42, "'; DROP TABLE datasets; --"])
def test_malformed_ids_are_just_not_found(alice_dataset, bad_id):
    alice, _ = alice_dataset
    with pytest.raises(NotFound):
        get_dataset(alice, bad_id)
    with pytest.raises(NotFound):
        get_session(alice, bad_id)
