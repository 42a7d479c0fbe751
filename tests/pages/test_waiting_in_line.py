"""Questions waiting in this host's line of jobs, over HTTP as the browser drives them: the card
says how many wait ahead, a question whose browser went away is still answered, and one
cancelled while in line never runs. (The line itself: tests/test_job_queue.py.)"""
import time

import pytest

from insight_dash.components import ids
from insight_dash.extensions import db
from insight_dash.jobs.threads import wait_for_jobs
from insight_dash.models import QueryLog
from insight_dash.services import questions
from insight_dash.services.ingest import receive_upload
from tests.harness.clients import TEST_PASSWORD, SignedInClient, ask, open_workspace
from tests.harness.dash_protocol import callback_body
from tests.harness.files import write_sensor_csv

@pytest.fixture
def alice_client(app, make_user, live_url, tmp_path):
    alice = make_user("alice")
    with app.app_context():
        dataset = receive_upload(alice, "plant.csv", write_sensor_csv(tmp_path / "plant.csv", rows=200))
        dataset_id = str(dataset.id)
    wait_for_jobs(timeout=60)
    client = SignedInClient(live_url, "alice", TEST_PASSWORD)
    _, session_id = open_workspace(client, dataset_id)
    return client, dataset_id, session_id


def start_answer(client, pending):
    """The answer's background callback started as the page does; its job handles."""
    return client.start_background([(ids.PENDING_QUERY, "data", pending)])


def waiting_text(client, job, expected):
    """Poll as the page does until the card's waiting line says `expected` (or give up)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        update = client.poll_background(job).body.get("sideUpdate", {})
        if update.get(ids.WAITING_ID) == {"children": expected}:
            return True
        time.sleep(0.1)
    return False


def status_of(app, query_id, wanted, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            entry = db.session.get(QueryLog, query_id)
            if entry.status == wanted or time.monotonic() > deadline:
                return entry.status, entry.error_message
        time.sleep(0.2)


def test_a_question_in_line_shows_its_place_and_is_answered_after_its_browser_went_away(app, alice_client, one_job_place):
    client, dataset_id, session_id = alice_client
    first = ask(client, dataset_id, session_id, "How many readings are there?")
    first_job = start_answer(client, first)
    assert waiting_text(client, first_job, "Waiting: next in line.")
    second = ask(client, dataset_id, session_id, "Average temperature_c by unit", clicks=2)
    second_job = start_answer(client, second)
    assert waiting_text(client, second_job, "Waiting, 1 ahead of you.")
    # Both browsers go away: nobody polls again. The questions wait, still running in PostgreSQL.
    assert status_of(app, first["query_id"], "running", timeout=0)[0] == "running"
    one_job_place()
    assert status_of(app, first["query_id"], "success")[0] == "success"
    assert status_of(app, second["query_id"], "success")[0] == "success"


def test_a_question_cancelled_while_in_line_is_never_answered(app, alice_client, one_job_place):
    client, dataset_id, session_id = alice_client
    pending = ask(client, dataset_id, session_id, "How many readings are there?")
    job = start_answer(client, pending)
    assert waiting_text(client, job, "Waiting: next in line.")
    # The Cancel button, as the renderer sends it: Dash's cancel callback with the job's handle,
    # and the app's own callback that marks the question.
    (cancel,) = [d for d in client.dependencies() if d["output"] == f"{ids.CANCEL_BUTTON}.id"]
    client.post_callback(callback_body(cancel, [(ids.CANCEL_BUTTON, "n_clicks", 1)]), [("cancelJob", job.job)])
    client.callback([(ids.CANCEL_BUTTON, "n_clicks", 1)], [(ids.PENDING_QUERY, "data", pending)])
    one_job_place()
    assert client.poll_background(job).status == 204  # the job left the line: nothing to wait for
    app.extensions["insight_jobs"].wait_idle(timeout=60)
    assert status_of(app, pending["query_id"], "error", timeout=0) == ("error", questions.CANCELLED)
