"""Fixtures for service tests."""
import pytest

from insight_dash.extensions import db
from insight_dash.models import Dataset
from insight_dash.services.conversations import create_session


@pytest.fixture
def chat(app_ctx, make_user):
    alice = make_user("alice")
    dataset = Dataset(user_id=alice.id, name="sensors.csv", status="ready")
    db.session.add(dataset)
    db.session.commit()
    return alice, create_session(alice, dataset.id)


