"""Every workspace and view callback acts through the services as the signed-in user: another
user's dataset, question, figure or view id behaves like a missing one. Each test posts the
callback the way any signed-in browser could, with someone else's ids."""
import json

import pytest

from insight_dash.extensions import db
from insight_dash.models import PinnedFigure, QueryLog, View
from insight_dash.services import gallery, questions, views
from insight_dash.services.conversations import latest_session
from insight_dash.services.users import find_user
from tests.harness.clients import call_callback, click_pattern

@pytest.fixture
def alice_work(figure_answer, app, make_user, alice_dataset_id):
    """Alice's figure answer (pinned), a failed question, and her view holding the figure."""
    for name in ("bob", "carol"):
        make_user(name)
    with app.app_context():
        alice = find_user("alice")
        session = latest_session(alice, alice_dataset_id)
        figure = figure_answer(session, "Mean temperature by unit")
        failed = QueryLog(session_id=session.id, prompt="How many readings?", status="error",
                          error_message="The model timed out.", engine="offline")
        db.session.add(failed)
        db.session.commit()
        pin = gallery.pin_answer(alice, figure.id)
        view = views.create_view(alice, "Unit review")
        views.add_figure(alice, view.id, pin.id)
        views.share_view(alice, view.id, ["bob"], everyone=False)
        return {"dataset": alice_dataset_id, "session": str(session.id), "figure": figure.id,
                "failed": failed.id, "pin": str(pin.id), "view": str(view.id)}


def as_user(app, sign_in, username):
    """A browser of its own, signed in as `username`."""
    client = app.test_client()
    sign_in(client, username)
    client.get("/")
    return client


def refused(response, what: str) -> bool:
    body = json.dumps(response.get_json())
    return f"That {what} was not found." in body and "Mean temperature" not in body


def test_pin_unpin_and_reorder_with_someone_elses_ids(app, sign_in, alice_work):
    client = as_user(app, sign_in, "bob")
    dataset = [("dataset-id", "data", alice_work["dataset"])]
    assert refused(click_pattern(client, "pin-answer", alice_work["figure"], state=dataset), "dataset")
    for kind in ("unpin", "move-up", "move-down"):
        assert refused(click_pattern(client, kind, alice_work["pin"], state=dataset), "dataset")
    nowhere = [("dataset-id", "data", "00000000-0000-0000-0000-000000000000")]
    assert refused(click_pattern(client, "unpin", alice_work["pin"], state=nowhere), "dataset")
    with app.app_context():
        assert db.session.query(PinnedFigure).count() == 1


def test_retry_and_follow_up_with_someone_elses_questions(app, sign_in, alice_work):
    client = as_user(app, sign_in, "bob")
    assert refused(click_pattern(client, "retry", alice_work["failed"],
                                 state=[("dataset-id", "data", alice_work["dataset"])]), "dataset")
    assert refused(click_pattern(client, "follow-up", alice_work["figure"]), "question")
    with app.app_context():
        assert db.session.query(QueryLog).count() == 2


def test_the_owner_pins_unpins_and_retries_through_the_callbacks(app, sign_in, alice_work):
    client = as_user(app, sign_in, "alice")
    dataset = [("dataset-id", "data", alice_work["dataset"])]
    unpinned = click_pattern(client, "unpin", alice_work["pin"], state=dataset).get_json()["response"]
    assert "Pin a chart" in json.dumps(unpinned["gallery"]["children"])
    pinned = click_pattern(client, "pin-answer", alice_work["figure"], state=dataset).get_json()["response"]
    assert "Mean temperature by unit" in json.dumps(pinned["gallery"]["children"])
    retried = click_pattern(client, "retry", alice_work["failed"], state=dataset).get_json()["response"]
    with app.app_context():
        new = db.session.get(QueryLog, retried["pending-query"]["data"]["query_id"])
        assert (new.prompt, new.status) == ("How many readings?", "running")
        questions.finish_question(find_user("alice"), new.id)  # as the background job would


@pytest.mark.parametrize("username", ["bob", "carol"])
def test_readers_and_strangers_cannot_change_a_view(app, sign_in, alice_work, username):
    client = as_user(app, sign_in, username)
    view = [("view-id", "data", alice_work["view"])]
    attempts = [
        call_callback(client, [("add-figure", "n_clicks", 1)],
                      [("add-figure-select", "value", alice_work["pin"]), ("add-figure-select", "options", []),
                       *view]),
        call_callback(client, [("save-sharing", "n_clicks", 1)],
                      [("share-users", "value", [username]), ("share-everyone", "value", True), *view]),
        call_callback(client, [("rename-view", "n_clicks", 1)], [("rename-view-input", "value", "Mine now"), *view]),
        call_callback(client, [("delete-view-confirm", "submit_n_clicks", 1)], view),
        click_pattern(client, "remove-figure", alice_work["pin"], state=view),
    ]
    for response in attempts:
        assert refused(response, "view")
    with app.app_context():
        view_row = db.session.get(View, alice_work["view"])
        assert (view_row.name, view_row.shared_with_everyone, len(view_row.items)) == ("Unit review", False, 1)
        assert [user.username for user in view_row.shared_with] == ["bob"]


def test_a_view_reads_only_for_the_people_it_is_shared_with(app, sign_in, page, alice_work):
    path = f"/views/{alice_work['view']}"
    client = as_user(app, sign_in, "bob")
    shared = json.dumps(page(client, path).get_json())
    assert "Mean temperature by unit" in shared and "Read-only" in shared and "save-sharing" not in shared
    assert "As of version 1" in shared and not any(control in shared for control in ("refresh-view", "refresh-pin"))
    owner = json.dumps(page(as_user(app, sign_in, "alice"), path).get_json())
    assert "refresh-view" in owner and "refresh-pin" in owner
    client = as_user(app, sign_in, "carol")
    hidden = json.dumps(page(client, path).get_json())
    assert "not-found" in hidden and "Mean temperature" not in hidden


def test_exports_follow_the_same_rules(app, sign_in, alice_work):
    view_path = f"/exports/views/{alice_work['view']}.html"
    answer_path = f"/exports/answers/{alice_work['figure']}.html"
    client = as_user(app, sign_in, "alice")
    answer = client.get(answer_path)
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    client = as_user(app, sign_in, "bob")
    export = client.get(view_path)
    assert export.status_code == 200 and export.mimetype == "text/html"
    assert "Plotly.newPlot" in export.get_data(as_text=True)
    assert "How this was computed: Summed the values for each unit" in export.get_data(as_text=True)
    assert client.get(answer_path).status_code == 404  # the view is shared, not her conversation
    client = as_user(app, sign_in, "carol")
    for path in (view_path, answer_path):
        missing = client.get(path)
        assert missing.status_code == 404 and "Mean temperature" not in missing.get_data(as_text=True)
