"""Asking over HTTP: a question is stored as running before the answer, a reload shows it
pending and then answered, cancel and stale recovery end it, and other users get not found."""
import json
from datetime import timedelta

import pytest

from insight_dash.extensions import db
from insight_dash.models import QueryLog
from insight_dash.services import questions
from insight_dash.services.conversations import latest_session
from insight_dash.services.users import find_user
from tests.harness.clients import call_callback


def start(app, alice_dataset_id, question="How many readings are there?"):
    with app.app_context():
        alice = find_user("alice")
        return questions.start_question(alice, latest_session(alice, alice_dataset_id).id, question).id


def session_of(app, query_id):
    with app.app_context():
        return str(db.session.get(QueryLog, query_id).session_id)


def test_reload_mid_question_shows_it_pending_then_answered(app, client, sign_in, page, alice_dataset_id):
    query_id = start(app, alice_dataset_id)
    sign_in(client, "alice")
    client.get("/")
    rendered = json.dumps(page(client, f"/datasets/{alice_dataset_id}").get_json())
    assert "Thinking" in rendered and '"answers-poll"' in rendered
    with app.app_context():
        questions.finish_question(find_user("alice"), query_id)
    session_id = session_of(app, query_id)
    poll = call_callback(client, inputs=[("answers-poll", "n_intervals", 1)],
                         state=[("dataset-id", "data", alice_dataset_id), ("session-select", "value", session_id)]
                         ).get_json()["response"]
    assert poll["answers-poll"]["disabled"] is True
    shown = {"session": session_id, "cards": [[query_id, "running"]]}  # as the page drew it
    update = show_answers(client, alice_dataset_id, session_id, shown).get_json()["response"]
    assert update["answers-shown"]["data"]["cards"] == [[query_id, "success"]]
    patch = update["answers"]["children"]  # only the card that changed, not the whole list
    assert [op["operation"] for op in patch["operations"]] == ["Assign"] and "250" in json.dumps(patch)


def show_answers(client, dataset_id, session_id, shown, pending=None):
    """The answers' one writer, after a change of the conversation (ids.ANSWERS_CHANGED)."""
    return call_callback(client, inputs=[("answers-changed", "data", 1)],
                         state=[("answers-shown", "data", shown), ("dataset-id", "data", dataset_id),
                                ("session-select", "value", session_id), ("pending-query", "data", pending)])


def test_a_new_answer_is_sent_alone_and_another_conversation_whole(app, client, sign_in, alice_dataset_id):
    answered = [start(app, alice_dataset_id, question) for question in ("How many readings are there?",
                                                                        "Average temperature_c by unit")]
    with app.app_context():
        for query_id in answered:
            questions.finish_question(find_user("alice"), query_id)
    session_id = session_of(app, answered[0])
    sign_in(client, "alice")
    client.get("/")
    shown = {"session": session_id, "cards": [[answered[1], "success"], [answered[0], "success"]]}
    asked = start(app, alice_dataset_id, "What is the maximum pressure_kpa?")
    update = show_answers(client, alice_dataset_id, session_id, shown, {"query_id": asked}).get_json()["response"]
    patch = update["answers"]["children"]
    assert [op["operation"] for op in patch["operations"]] == ["Prepend"]  # earlier answers are not sent again
    sent = json.dumps(patch)
    assert "maximum pressure_kpa" in sent and "Thinking" in sent and "readings" not in sent
    assert '"id": "job-waiting"' in sent  # the card of the question this page asked shows its place in line
    assert update["answers-shown"]["data"]["cards"][0] == [asked, "running"]
    elsewhere = {"session": "another-conversation", "cards": [[99, "success"]]}
    whole = show_answers(client, alice_dataset_id, session_id, elsewhere).get_json()["response"]["answers"]["children"]
    assert isinstance(whole, list) and len(whole) == 3 and "job-waiting" not in json.dumps(whole)


def test_cancel_marks_the_question(app, alice_dataset_id):
    query_id = start(app, alice_dataset_id)
    with app.app_context():
        entry = questions.cancel_question(find_user("alice"), query_id)
        assert (entry.status, entry.error_message) == ("error", questions.CANCELLED)
        assert questions.finish_question(find_user("alice"), query_id).status == "error"  # stays cancelled


def test_stale_running_questions_are_recovered(app, alice_dataset_id):
    query_id = start(app, alice_dataset_id)
    with app.app_context():
        assert questions.recover_stale_questions() == 0
        later = db.session.get(QueryLog, query_id).created_at + questions.STALE_QUESTION + timedelta(seconds=1)
        assert questions.recover_stale_questions(now=later) == 1
        assert db.session.get(QueryLog, query_id).error_message == questions.INTERRUPTED


def test_other_users_cannot_ask_or_read_through_the_callbacks(app, client, make_user, sign_in, alice_dataset_id):
    start(app, alice_dataset_id, "alice's private question")
    make_user("bob")
    sign_in(client, "bob")
    client.get("/")
    session_id = session_of(app, 1)
    asked = call_callback(client, inputs=[("ask-button", "n_clicks", 1)],
                          state=[("question-input", "value", "count rows"), ("dataset-id", "data", alice_dataset_id),
                                 ("session-select", "value", session_id), ("follow-up-of", "data", None)])
    polled = call_callback(client, inputs=[("answers-poll", "n_intervals", 1)],
                           state=[("dataset-id", "data", alice_dataset_id), ("session-select", "value", session_id)])
    shown = show_answers(client, alice_dataset_id, session_id, None)
    for response in (asked, polled, shown):
        body = json.dumps(response.get_json())
        assert "That session was not found." in body and "private question" not in body
    with app.app_context():
        assert db.session.query(QueryLog).count() == 1


def test_table_answers_download_as_csv_for_their_owner_only(app, make_user, alice_dataset_id):
    query_id = start(app, alice_dataset_id, "How many readings per unit?")
    with app.app_context():
        alice = find_user("alice")
        assert questions.finish_question(alice, query_id).result_kind == "table"
        name, text = questions.table_csv(alice, query_id)
        assert name == "How-many-readings-per-unit.csv"
        header, *rows = text.strip().splitlines()
        assert header == "unit,Rows" and sum(int(row.split(",")[1]) for row in rows) == 250
        bob = make_user("bob")
        with pytest.raises(questions.NotFound):
            questions.table_csv(bob, query_id)
