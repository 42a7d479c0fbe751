"""The home page lists the signed-in user's datasets and nobody else's."""
import json
import uuid

import sqlalchemy as sa

from insight_dash.extensions import db
from insight_dash.models import Dataset
from tests.harness.clients import call_callback


def add_dataset(app, user, name, **fields):
    with app.app_context():
        db.session.add(Dataset(user_id=user.id, name=name, **fields))
        db.session.commit()


def rendered_text(response) -> str:
    assert response.status_code == 200
    return json.dumps(response.get_json())


def test_empty_state_says_what_to_do(app, client, make_user, sign_in, page):
    make_user("alice")
    sign_in(client, "alice")
    client.get("/")
    text = rendered_text(page(client, "/"))
    assert "No datasets yet" in text
    assert "Upload a CSV or Excel (.xlsx) file" in text


def test_lists_only_my_datasets(app, client, make_user, sign_in, page):
    alice, bob = make_user("alice"), make_user("bob")
    add_dataset(app, alice, "alice-sensors.csv", status="ready", size_bytes=2048,
                meta={"row_count": 15000})
    add_dataset(app, bob, "bob-budget.xlsx", status="error", error_message="Macros are not allowed.")
    sign_in(client, "alice")
    client.get("/")
    text = rendered_text(page(client, "/"))
    assert "alice-sensors.csv" in text and "15,000" in text and "2.0 KB" in text
    assert "bob-budget.xlsx" not in text


def test_navbar_shows_who_is_signed_in(client, make_user, sign_in):
    make_user("alice")
    sign_in(client, "alice")
    layout = json.dumps(client.get("/_dash-layout").get_json())
    assert '"alice"' in layout and "Sign out" in layout


def delete_through_callbacks(client, dataset_id):
    return call_callback(
        client,
        inputs=[("delete-confirm", "submit_n_clicks", 1)],
        state=[("delete-target", "data", dataset_id)],
    )


def test_delete_is_owner_only(app, client, make_user, sign_in):
    alice, _ = make_user("alice"), make_user("bob")
    add_dataset(app, alice, "alice-sensors.csv", status="ready")
    with app.app_context():
        dataset_id = str(db.session.scalar(sa.select(Dataset.id)))
    sign_in(client, "bob")
    client.get("/")
    assert delete_through_callbacks(client, dataset_id).status_code == 200
    with app.app_context():
        assert db.session.get(Dataset, uuid.UUID(dataset_id)) is not None
    client.post("/logout", data={"csrf_token": client.get_cookie("_csrf_token").value})
    sign_in(client, "alice")
    client.get("/")
    assert delete_through_callbacks(client, dataset_id).status_code == 200
    with app.app_context():
        assert db.session.get(Dataset, uuid.UUID(dataset_id)) is None
