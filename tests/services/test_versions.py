"""New versions of a dataset: parsed like a first upload, reported as drift, and nothing replaced
until the owner confirms; older versions stay readable and deletable; nobody else can touch them."""
import pytest

from insight_dash.extensions import db
from insight_dash.jobs.threads import wait_for_jobs
from insight_dash.models import Dataset, DatasetVersion
from insight_dash.services import gallery, versions
from insight_dash.services.conversations import create_session
from insight_dash.services.errors import InvalidInput, NotFound, ServiceError
from insight_dash.services.frames import get_frame
from insight_dash.services.inspection import UploadRefused
from insight_dash.services.questions import ask
from insight_dash.services.runtime import current_storage
from tests.harness.files import write_sensor_csv

RENAMED = {"temperature_c": "temp_c"}


@pytest.fixture
def plant(upload, make_user, tmp_path):
    alice = make_user("alice")
    return alice, upload(alice, write_sensor_csv(tmp_path / "plant.csv", rows=300))


@pytest.fixture
def new_version(tmp_path):
    """new_version(user, dataset, rows, renamed): a new file received as the upload route does, parsed."""

    def receive(user, dataset, rows=400, renamed=RENAMED, name="plant week 2.csv"):
        path = write_sensor_csv(tmp_path / f"v-{rows}.csv", rows=rows, seed=11, renamed=renamed)
        version = versions.receive_version(user, dataset.id, name, path)
        wait_for_jobs(timeout=120)
        db.session.expire_all()
        return db.session.get(DatasetVersion, version.id)

    return receive


def test_the_first_upload_is_version_1(plant):
    alice, dataset = plant
    [first] = versions.list_versions(alice, dataset.id)
    assert (first.number, first.status, first.file_name, first.uploaded_by_id) == (1, "ready", "plant.csv", alice.id)
    assert first.meta["row_count"] == 300 and dataset.version == 1
    assert first.meta["tables"][0]["version"] == 1


def test_a_new_version_waits_for_review_with_its_drift_and_replaces_nothing(plant, new_version):
    alice, dataset = plant
    version = new_version(alice, dataset)
    assert (version.number, version.status, version.file_name) == (2, "review", "plant week 2.csv")
    drift = version.drift
    assert drift["rows"] == {"before": 300, "after": 400}
    [table] = drift["tables"]
    assert [(r["from"], r["to"]) for r in table["renamed"]] == [("temperature_c", "temp_c")]
    assert table["added"] == table["removed"] == table["retyped"] == []
    # The table keeps the dataset's name though the file is named differently, so code still finds it.
    assert version.meta["tables"][0]["name"] == "plant"
    db.session.refresh(dataset)
    assert dataset.version == 1 and dataset.meta["row_count"] == 300
    assert len(get_frame(alice, dataset.id)) == 300
    with pytest.raises(InvalidInput, match="still waiting for review"):
        new_version(alice, dataset)


def test_confirming_makes_it_current_for_questions_and_the_preview(plant, new_version):
    alice, dataset = plant
    new_version(alice, dataset)
    versions.confirm_version(alice, dataset.id, 2)
    db.session.expire_all()
    dataset = db.session.get(Dataset, dataset.id)
    assert (dataset.version, dataset.meta["row_count"]) == (2, 400)
    assert list(get_frame(alice, dataset.id).columns) == ["timestamp", "unit", "temp_c", "pressure_kpa", "status"]
    entry = ask(alice, create_session(alice, dataset.id).id, "How many rows are there?")
    assert entry.status == "success" and entry.dataset_version == 2, entry.error_message
    assert "400" in entry.response_text
    with pytest.raises(InvalidInput):
        versions.confirm_version(alice, dataset.id, 2)  # once


def test_cancelling_leaves_the_dataset_and_storage_as_they_were(plant, new_version):
    alice, dataset = plant
    version = new_version(alice, dataset)
    keys = [version.storage_key] + [t["parquet_key"] for t in version.meta["tables"]]
    assert all(current_storage().exists(key) for key in keys)
    versions.cancel_version(alice, dataset.id, 2)
    assert not any(current_storage().exists(key) for key in keys)
    assert [v.number for v in versions.list_versions(alice, dataset.id)] == [1]
    assert db.session.get(Dataset, dataset.id).version == 1
    assert new_version(alice, dataset).number == 2  # the number is free again


def test_older_versions_stay_readable_and_the_owner_deletes_them(plant, new_version):
    alice, dataset = plant
    new_version(alice, dataset)
    versions.confirm_version(alice, dataset.id, 2)
    name, stream = versions.open_original(alice, dataset.id, 1)
    with stream:
        assert name == "plant.csv" and stream.read().startswith(b"timestamp,unit,temperature_c")
    with pytest.raises(InvalidInput, match="current version cannot be deleted"):
        versions.delete_version(alice, dataset.id, 2)
    first = versions.get_version(alice, dataset.id, 1)
    keys = [first.storage_key] + [t["parquet_key"] for t in first.meta["tables"]]
    versions.delete_version(alice, dataset.id, 1)
    assert not any(current_storage().exists(key) for key in keys)
    assert [v.number for v in versions.list_versions(alice, dataset.id)] == [2]
    assert len(get_frame(alice, dataset.id)) == 400  # the current version is untouched


def test_a_refused_or_unreadable_file_leaves_no_version(plant, tmp_path, new_version, monkeypatch):
    alice, dataset = plant
    fake = tmp_path / "fake.csv"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    with pytest.raises(UploadRefused):
        versions.receive_version(alice, dataset.id, "fake.csv", fake)
    assert [v.number for v in versions.list_versions(alice, dataset.id)] == [1]

    def unreadable(*_args, **_kwargs):
        raise ServiceError("The sheet could not be read.")

    monkeypatch.setattr("insight_dash.services.versions.store_tables", unreadable)
    failed = new_version(alice, dataset)
    assert (failed.status, failed.error_message) == ("error", "The sheet could not be read.")
    assert not current_storage().exists(failed.storage_key)
    assert versions.waiting_version(versions.list_versions(alice, dataset.id)) == failed  # shown until dismissed
    monkeypatch.undo()
    assert new_version(alice, dataset).status == "review"  # a new upload replaces the failed one
    assert [v.number for v in versions.list_versions(alice, dataset.id)] == [2, 1]


def test_someone_elses_dataset_and_versions_are_not_found(plant, new_version, make_user, tmp_path):
    alice, dataset = plant
    new_version(alice, dataset)
    bob = make_user("bob")
    path = write_sensor_csv(tmp_path / "bob.csv", rows=10)
    for action in (lambda: versions.receive_version(bob, dataset.id, "bob.csv", path),
                   lambda: versions.list_versions(bob, dataset.id),
                   lambda: versions.confirm_version(bob, dataset.id, 2),
                   lambda: versions.cancel_version(bob, dataset.id, 2),
                   lambda: versions.delete_version(bob, dataset.id, 1),
                   lambda: versions.open_original(bob, dataset.id, 1),
                   lambda: versions.get_version(alice, dataset.id, "two")):
        with pytest.raises(NotFound):
            action()
    assert versions.get_version(alice, dataset.id, 2).status == "review"


def test_pins_are_checked_against_the_new_columns(plant, new_version, figure_answer):
    alice, dataset = plant
    session = create_session(alice, dataset.id)
    uses_temperature = figure_answer(session, "Temperature")
    uses_temperature.generated_code = 'execute_sql_query("SELECT unit, avg(temperature_c) FROM plant GROUP BY unit")'
    uses_pressure = figure_answer(session, "Pressure")
    uses_pressure.generated_code = 'execute_sql_query("SELECT unit, max(pressure_kpa) FROM plant GROUP BY unit")'
    db.session.commit()
    for entry in (uses_temperature, uses_pressure):
        gallery.pin_answer(alice, entry.id)
    checks = {pin["title"]: pin for pin in new_version(alice, dataset).drift["pins"]}
    assert checks["Temperature"]["ok"] is False and checks["Temperature"]["missing"] == ["temperature_c (now temp_c?)"]
    assert checks["Pressure"] == {**checks["Pressure"], "ok": True, "missing": []}
