"""A new version through the page, as a browser sends it: the upload route, the review card with
its drift, confirm, delete; and each route and callback refusing another user's ids."""
import json

import pytest

from insight_dash.extensions import db
from insight_dash.jobs.threads import wait_for_jobs
from insight_dash.models import Dataset, DatasetVersion
from tests.harness.clients import call_callback, click_pattern
from tests.harness.files import write_sensor_csv


def as_user(app, sign_in, username):
    client = app.test_client()
    sign_in(client, username)
    client.get("/")
    return client


def send_version(client, dataset_id, path, name="week 2.csv"):
    with open(path, "rb") as file:
        return client.post(f"/datasets/{dataset_id}/versions", data={"file": (file, name)},
                           content_type="multipart/form-data",
                           headers={"X-CSRFToken": client.get_cookie("_csrf_token").value})


@pytest.fixture
def week2(tmp_path):
    return write_sensor_csv(tmp_path / "week2.csv", rows=300, seed=5, renamed={"temperature_c": "temp_c"})


def test_upload_review_confirm_and_delete_through_the_page(app, sign_in, alice_dataset_id, week2):
    client = as_user(app, sign_in, "alice")
    sent = send_version(client, alice_dataset_id, week2)
    assert sent.status_code == 201 and sent.get_json()["version"] == 2
    wait_for_jobs(timeout=60)
    state = [("dataset-id", "data", alice_dataset_id)]
    review = call_callback(client, [("version-upload-result", "data", {"version": 2}), ("version-poll", "n_intervals", 0)],
                           state).get_json()["response"]
    card = json.dumps(review["version-review"]["children"])
    assert "Version 2 is ready for review" in card and "temperature_c \\u2192 temp_c" in card
    assert "250 \\u2192 300 (+20.0%)" in card and review["version-poll"]["disabled"] is True
    again = send_version(client, alice_dataset_id, week2)
    assert again.status_code == 409 and "waiting for review" in again.get_json()["error"]

    confirmed = call_callback(client, [("confirm-version", "n_clicks", 1)], state).get_json()["response"]
    assert "version 2" in json.dumps(confirmed["dataset-view"]["children"])
    original = client.get(f"/datasets/{alice_dataset_id}/versions/1/original")
    assert original.status_code == 200 and original.get_data().startswith(b"timestamp,unit,temperature_c")
    assert 'filename="sensors.csv"' in original.headers["Content-Disposition"]
    # The preview reads an older version on request; questions stay on the current one.
    older = call_callback(client, [("preview-version", "value", "1")], state).get_json()["response"]
    assert '"temperature_c"' in json.dumps(older["preview-grid-area"]["children"])
    rows = call_callback(client, [("preview-grid", "getRowsRequest", {"startRow": 0, "endRow": 10})],
                         [*state, ("table-select", "value", None), ("preview-version", "value", "1")])
    page = rows.get_json()["response"]["preview-grid"]["getRowsResponse"]
    assert page["rowCount"] == 250 and "temperature_c" in page["rowData"][0]
    listed = click_pattern(client, "delete-version", 1, state=state).get_json()["response"]
    assert "sensors.csv" not in json.dumps(listed["version-list"]["children"])
    with app.app_context():
        dataset = db.session.get(Dataset, alice_dataset_id)
        assert dataset.version == 2 and [v.number for v in dataset.versions] == [2]


def test_another_users_dataset_refuses_every_version_route_and_callback(app, sign_in, make_user, alice_dataset_id,
                                                                        week2):
    owner = as_user(app, sign_in, "alice")
    assert send_version(owner, alice_dataset_id, week2).status_code == 201
    wait_for_jobs(timeout=60)
    make_user("bob")
    bob = as_user(app, sign_in, "bob")
    state = [("dataset-id", "data", alice_dataset_id)]
    assert send_version(bob, alice_dataset_id, week2).status_code == 404
    assert bob.get(f"/datasets/{alice_dataset_id}/versions/1/original").status_code == 404
    for response in (call_callback(bob, [("confirm-version", "n_clicks", 1)], state),
                     call_callback(bob, [("cancel-version", "n_clicks", 1)], state),
                     call_callback(bob, [("version-upload-result", "data", {}), ("version-poll", "n_intervals", 1)],
                                   state),
                     click_pattern(bob, "delete-version", 1, state=state),
                     call_callback(bob, [("preview-version", "value", "1")], state),
                     call_callback(bob, [("preview-grid", "getRowsRequest", {"startRow": 0, "endRow": 10})],
                                   [*state, ("table-select", "value", None), ("preview-version", "value", "2")])):
        body = json.dumps(response.get_json())
        assert "That dataset was not found." in body and "temp_c" not in body
    with app.app_context():
        assert db.session.get(Dataset, alice_dataset_id).version == 1
        assert sorted(v.status for v in db.session.query(DatasetVersion)) == ["ready", "review"]
