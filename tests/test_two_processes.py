"""Two app processes, as two tasks behind a load balancer without stickiness: separate ports
and background-job folders, one PostgreSQL database and one S3 bucket. A question asked on
one is seen, pending or answered, from the other: the truth lives in the database."""
import json

import uuid

from insight_dash.models import Dataset, QueryLog
from tests.harness.clients import (TEST_PASSWORD, SignedInClient, answer, ask, open_workspace, show_answers,
                                  wait_until_ready)
from tests.harness.dash_protocol import find_prop
from tests.harness.files import write_sensor_csv
from tests.harness.servers import Deployment


def answers_seen_from(browser: SignedInClient, dataset_id: str, session_id: str) -> tuple[str, bool]:
    """What the workspace's answers poll shows on this process: the cards, and whether it stops."""
    polled = browser.callback(inputs=[("answers-poll", "n_intervals", 1)],
                              state=[("dataset-id", "data", dataset_id), ("session-select", "value", session_id)])
    cards = show_answers(browser, dataset_id, session_id).output("answers", "children")
    return json.dumps(cards), polled.output("answers-poll", "disabled")


def test_a_question_asked_on_one_process_is_seen_from_the_other(app_processes, shared_database, s3_endpoint,
                                                                  s3_bucket, tmp_path):
    database = shared_database("insight_two_processes", "alice")
    deployment = Deployment(database.url, s3_endpoint, s3_bucket)
    url_a = app_processes.serve("a", deployment.env(tmp_path / "a"))
    # B never runs analysis code here, so it does not start a sandbox of its own.
    url_b = app_processes.serve("b", deployment.env(tmp_path / "b", INSIGHT_SANDBOX_AUTOSTART="false"))
    app_processes.wait_ready()
    on_a, on_b = SignedInClient(url_a, "alice", TEST_PASSWORD), SignedInClient(url_b, "alice", TEST_PASSWORD)
    dataset_id = on_a.upload(write_sensor_csv(tmp_path / "sensors.csv", rows=250))
    wait_until_ready(on_a, dataset_id)
    assert database.get(Dataset, uuid.UUID(dataset_id)).status == "ready"
    _, session_id = open_workspace(on_a, dataset_id)

    # Asked on A: stored as running before any job starts; A's background job answers it.
    pending = ask(on_a, dataset_id, session_id, "How many readings are there?")
    query_id = pending["query_id"]
    assert database.get(QueryLog, query_id).status == "running"
    answer(on_a, pending)
    answered = database.get(QueryLog, query_id)
    assert (answered.status, answered.response_text) == ("success", "250")

    # B never saw the job, yet its page and its poll show the finished answer.
    page = on_b.open(f"/datasets/{dataset_id}")
    assert find_prop(page, "session-select", "value") == session_id
    cards = json.dumps(find_prop(page, "answers", "children"))
    assert '"data-status": "success"' in cards and "250" in cards and "Thinking" not in cards
    assert find_prop(page, "answers-poll", "disabled") is True
    cards, poll_stops = answers_seen_from(on_b, dataset_id, session_id)
    assert "How many readings are there?" in cards and "250" in cards and poll_stops

    # Asked on A and its job never started (the tab closed at once): B shows it pending, polling on.
    pending_id = ask(on_a, dataset_id, session_id, "What is the average temperature_c?")["query_id"]
    cards, poll_stops = answers_seen_from(on_b, dataset_id, session_id)
    assert "Thinking" in cards and '"data-status": "running"' in cards and not poll_stops
    assert find_prop(on_b.open(f"/datasets/{dataset_id}"), "answers-poll", "disabled") is False
    assert database.get(QueryLog, pending_id).status == "running"
