"""Work that died with its process is ended by the sweeps (at start and on their own thread),
never by rendering a page."""
import time
from datetime import timedelta

import sqlalchemy as sa

from insight_dash.extensions import db
from insight_dash.jobs.sweeps import Sweeper, start_sweeping, sweep
from insight_dash.models import Dataset, QueryLog
from insight_dash.services import ingest, questions
from insight_dash.services.conversations import create_session
from tests.harness.clients import render_page


def interrupted_work(app, make_user) -> tuple[str, int]:
    """A dataset left `processing` and a question left `running`, both older than their limits
    (as after a worker was killed); returns their ids."""
    alice = make_user("alice")
    with app.app_context():
        dataset = Dataset(user_id=alice.id, name="sensors.csv", status="processing")
        db.session.add(dataset)
        db.session.commit()
        entry = QueryLog(session_id=create_session(alice, dataset.id).id, prompt="How many?", status="running")
        db.session.add(entry)
        db.session.commit()
        db.session.execute(sa.update(Dataset).where(Dataset.id == dataset.id).values(
            updated_at=sa.func.now() - ingest.STALE_AFTER - timedelta(minutes=1)))
        db.session.execute(sa.update(QueryLog).where(QueryLog.id == entry.id).values(
            created_at=sa.func.now() - questions.STALE_QUESTION - timedelta(minutes=1)))
        db.session.commit()
        ids = str(dataset.id), entry.id
        db.session.remove()
    return ids


def statuses(app, dataset_id: str, query_id: int) -> tuple[str, str]:
    with app.app_context():
        found = db.session.get(Dataset, dataset_id).status, db.session.get(QueryLog, query_id).status
        db.session.remove()
    return found


def test_a_sweep_ends_interrupted_datasets_and_questions(app, make_user):
    dataset_id, query_id = interrupted_work(app, make_user)
    assert sweep(app) == 2
    assert statuses(app, dataset_id, query_id) == ("error", "error")
    with app.app_context():
        assert db.session.get(QueryLog, query_id).error_message == questions.INTERRUPTED
    assert sweep(app) == 0


def test_the_sweeper_thread_repeats_until_stopped(app, make_user):
    sweeper = start_sweeping(app, every_s=1)
    try:
        assert isinstance(sweeper, Sweeper) and sweeper.is_alive()
        dataset_id, query_id = interrupted_work(app, make_user)  # after the first pass at start
        deadline = time.monotonic() + 60
        while statuses(app, dataset_id, query_id) != ("error", "error"):
            assert time.monotonic() < deadline, "the sweeper never swept"
            time.sleep(0.2)
    finally:
        sweeper.stop()
    assert not sweeper.is_alive()


def test_pages_do_not_sweep(app, client, make_user, sign_in):
    dataset_id, query_id = interrupted_work(app, make_user)
    sign_in(client, "alice")
    client.get("/")  # the HTML page sets the CSRF cookie the callbacks need
    assert render_page(client, "/").status_code == 200
    assert render_page(client, f"/datasets/{dataset_id}").status_code == 200
    assert statuses(app, dataset_id, query_id) == ("processing", "running")


def test_no_repeating_sweeper_when_the_interval_is_zero(app):
    assert start_sweeping(app, every_s=0) is None
