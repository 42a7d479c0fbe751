"""From an uploaded file to a ready dataset, against real PostgreSQL and storage."""
from datetime import datetime, timedelta, timezone

import pyarrow.parquet as pq
import pytest

from insight_dash.extensions import db
from insight_dash.models import AnalysisSession, Dataset
from insight_dash.services import ingest
from insight_dash.services.errors import NotFound
from insight_dash.services.frames import get_frame
from insight_dash.services.inspection import UploadRefused
from insight_dash.services.storage import S3Storage, StorageError, dataset_prefix
from tests.harness.files import write_messy_workbook, write_sensor_csv


@pytest.fixture
def alice(app_ctx, make_user):
    return make_user("alice")


@pytest.fixture
def storage(app_ctx):
    return app_ctx.extensions["insight_storage"]


def stored_keys(storage, user, dataset):
    prefix = dataset_prefix(user.id, dataset.id)
    return sorted(k for k in ("original.csv", "original.xlsx", "tables/0.parquet", "tables/1.parquet")
                  if storage.exists(prefix + k))


def test_csv_ends_ready_with_the_spec_metadata(upload, alice, storage, tmp_path):
    dataset = upload(alice, write_sensor_csv(tmp_path / "sensors.csv", rows=500))
    assert dataset.status == "ready", dataset.error_message
    meta = dataset.meta
    assert (meta["row_count"], meta["column_count"]) == (500, 5)
    assert meta["file_size_bytes"] == dataset.size_bytes == (tmp_path / "sensors.csv").stat().st_size
    assert meta["sheet_names"] == [] and meta["parse_warnings"] == []
    columns = {c["name"]: c for c in meta["columns"]}
    assert columns["temperature_c"]["kind"] == "number"
    assert {"min", "max", "mean", "histogram"} <= set(columns["temperature_c"])
    assert columns["unit"]["kind"] == "text" and len(columns["unit"]["top_values"]) == 3
    assert columns["timestamp"]["kind"] == "datetime"
    assert all({"name", "dtype", "null_count", "sample_values"} <= set(c) for c in meta["columns"])
    assert stored_keys(storage, alice, dataset) == ["original.csv", "tables/0.parquet"]
    assert "progress" not in meta or meta["progress"]["stage"] == "saving"


def test_messy_workbook_is_fixed_and_every_sheet_parsed(upload, alice, tmp_path):
    dataset = upload(alice, write_messy_workbook(tmp_path / "budget.xlsx"))
    assert dataset.status == "ready", dataset.error_message
    meta = dataset.meta
    assert meta["sheet_names"] == ["Budget FY26", "Line items", "Notes"]
    assert [t["name"] for t in meta["tables"]] == ["Budget FY26", "Line items"]
    assert meta["default_table"] == "Line items"  # the largest table
    budget = get_frame(alice, dataset.id, "Budget FY26")
    assert list(budget.columns) == ["Department", "Cost center", "Budget Q1", "Budget Q2", "Actual Q1", "Actual Q2"]
    assert budget["Department"].tolist() == ["Engineering", "Finance", "Operations"]
    assert budget["Budget Q1"].tolist() == [1234.5, 2000.0, 500.0]
    assert budget["Budget Q2"].tolist() == [-1200.0, 0.12, 600.0]
    warnings = " ".join(meta["parse_warnings"])
    for phrase in ("Skipped 2 title or blank row(s)", "Combined two header rows", "total/subtotal row",
                   "note row(s) below the table", 'Converted "Budget Q1" from text to numbers',
                   "Skipped sheet(s) without a table: 'Notes'"):
        assert phrase in warnings
    line_items = get_frame(alice, dataset.id)
    assert len(line_items) == 40 and str(line_items["Date"].dtype).startswith(("datetime64", "timestamp"))


def test_the_same_ingest_works_on_s3(upload, app_ctx, alice, tmp_path, s3_bucket, s3_endpoint, monkeypatch):
    s3 = S3Storage(bucket=s3_bucket, prefix="insight", region="us-gov-west-1", endpoint_url=s3_endpoint)
    monkeypatch.setitem(app_ctx.extensions, "insight_storage", s3)
    dataset = upload(alice, write_sensor_csv(tmp_path / "sensors.csv", rows=50))
    assert dataset.status == "ready"
    assert stored_keys(s3, alice, dataset) == ["original.csv", "tables/0.parquet"]
    ingest.delete_dataset(alice, dataset.id)
    assert stored_keys(s3, alice, dataset) == []


def test_later_loads_read_parquet_not_the_original(upload, alice, storage, tmp_path):
    dataset = upload(alice, write_sensor_csv(tmp_path / "sensors.csv", rows=50))
    storage.delete(dataset_prefix(alice.id, dataset.id) + "original.csv")
    assert len(get_frame(alice, dataset.id)) == 50


def test_refused_file_leaves_no_row_and_no_object(alice, storage, tmp_path):
    fake = tmp_path / "data.csv"
    fake.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(UploadRefused, match="not a CSV"):
        ingest.receive_upload(alice, "data.csv", fake)
    assert db.session.query(Dataset).count() == 0
    assert not any(p.is_file() for p in storage.root.rglob("*"))


def test_a_crash_while_parsing_ends_in_error_and_removes_objects(upload, alice, storage, tmp_path, monkeypatch):
    def explode(*_args):
        raise RuntimeError("parser bug")

    monkeypatch.setattr(ingest, "parse_upload", explode)
    dataset = upload(alice, write_sensor_csv(tmp_path / "sensors.csv", rows=10))
    assert dataset.status == "error"
    assert dataset.error_message == ingest.UNEXPECTED
    assert stored_keys(storage, alice, dataset) == []


def test_unreachable_storage_fails_cleanly(app_ctx, alice, tmp_path, unused_tcp_url, monkeypatch):
    broken = S3Storage(bucket="insight", region="us-gov-west-1", endpoint_url=unused_tcp_url)
    monkeypatch.setitem(app_ctx.extensions, "insight_storage", broken)
    path = write_sensor_csv(tmp_path / "sensors.csv", rows=10)
    with pytest.raises(StorageError, match="unreachable"):
        ingest.receive_upload(alice, "sensors.csv", path)
    [dataset] = db.session.query(Dataset).all()
    assert dataset.status == "error" and "unreachable" in dataset.error_message


def test_stalled_processing_is_recovered(upload, alice, storage, tmp_path):
    dataset = upload(alice, write_sensor_csv(tmp_path / "sensors.csv", rows=10))
    dataset.status = "processing"
    db.session.commit()
    assert ingest.recover_stale_datasets() == 0  # still fresh
    later = datetime.now(timezone.utc) + ingest.STALE_AFTER + timedelta(minutes=1)
    assert ingest.recover_stale_datasets(now=later) == 1
    db.session.refresh(dataset)
    assert dataset.status == "error" and dataset.error_message == ingest.INTERRUPTED
    assert stored_keys(storage, alice, dataset) == []


def test_delete_removes_objects_sessions_and_is_owner_only(upload, alice, make_user, storage, tmp_path):
    dataset = upload(alice, write_sensor_csv(tmp_path / "sensors.csv", rows=10))
    db.session.add(AnalysisSession(user_id=alice.id, dataset_id=dataset.id, title="t"))
    db.session.commit()
    bob = make_user("bob")
    with pytest.raises(NotFound):
        ingest.delete_dataset(bob, dataset.id)
    ingest.delete_dataset(alice, dataset.id)
    assert db.session.query(Dataset).count() == 0 and db.session.query(AnalysisSession).count() == 0
    assert stored_keys(storage, alice, dataset) == []


def test_parquet_copy_keeps_types(upload, alice, storage, tmp_path):
    dataset = upload(alice, write_sensor_csv(tmp_path / "sensors.csv", rows=20))
    local = tmp_path / "copy.parquet"
    storage.download(dataset.meta["tables"][0]["parquet_key"], local)
    schema = pq.read_schema(local)
    assert str(schema.field("temperature_c").type) == "double"
    assert str(schema.field("timestamp").type).startswith("timestamp")


@pytest.mark.parametrize(("name", "expected"), [("../../etc/passwd.csv", "passwd.csv"),
                                                 ("C:\\Users\\me\\budget.xlsx", "budget.xlsx"),
                                                 ("evil\x00\x1b[31m.csv", "evil[31m.csv")])
def test_display_names_are_plain_file_names(name, expected):
    assert ingest.display_name(name) == expected
