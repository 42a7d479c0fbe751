"""The dataset page and its callbacks, over HTTP, for the owner and for someone else."""
import json

from tests.harness.clients import call_callback


def grid_rows(client, dataset_id):
    return call_callback(
        client,
        inputs=[("preview-grid", "getRowsRequest", {"startRow": 0, "endRow": 100})],
        state=[("dataset-id", "data", dataset_id), ("table-select", "value", None), ("preview-version", "value", None)],
    )


def test_owner_sees_the_preview(client, sign_in, page, alice_dataset_id):
    sign_in(client, "alice")
    client.get("/")
    text = json.dumps(page(client, f"/datasets/{alice_dataset_id}").get_json())
    assert "sensors.csv" in text and "250 rows" in text and "preview-grid" in text
    rows = grid_rows(client, alice_dataset_id).get_json()["response"]["preview-grid"]["getRowsResponse"]
    assert rows["rowCount"] == 250 and len(rows["rowData"]) == 100


def test_someone_else_gets_not_found(client, make_user, sign_in, page, alice_dataset_id):
    make_user("bob")
    sign_in(client, "bob")
    client.get("/")
    text = json.dumps(page(client, f"/datasets/{alice_dataset_id}").get_json())
    assert "Not found" in text and "sensors.csv" not in text
    # Calling the grid callback directly with Alice's id yields the same "not found", no rows.
    response = grid_rows(client, alice_dataset_id)
    body = json.dumps(response.get_json())
    assert "That dataset was not found." in body and "rowData" not in body


def test_malformed_id_is_not_found(client, make_user, sign_in, page):
    make_user("bob")
    sign_in(client, "bob")
    client.get("/")
    assert "Not found" in json.dumps(page(client, "/datasets/not-a-uuid").get_json())


def test_hidden_sheets_are_offered_last_and_say_they_are_hidden(app, client, make_user, sign_in, page, tmp_path):
    import re

    from insight_dash.services.ingest import receive_upload
    from insight_dash.jobs.threads import wait_for_jobs
    from insight_dash.services.users import find_user
    from tests.awkward_files import hidden_sheets

    make_user("alice")
    hidden_sheets(tmp_path / "book.xlsx")
    with app.app_context():
        dataset_id = str(receive_upload(find_user("alice"), "book.xlsx", tmp_path / "book.xlsx").id)
    wait_for_jobs(timeout=60)
    sign_in(client, "alice")
    client.get("/")
    text = json.dumps(page(client, f"/datasets/{dataset_id}").get_json())
    labels = re.findall(r'"label": "([^"]+ rows?[,)][^"]*)", "value"', text)
    assert labels == ["Summary (3 rows)", "Lookup (1 row, very hidden sheet)", "Data (30 rows, hidden sheet)"]
