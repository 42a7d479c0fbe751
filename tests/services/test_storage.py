"""The same behaviour from both backends: a local folder and S3 (moto server over HTTP)."""
import io
import uuid

import pytest

from insight_dash.services.storage import (
    LocalStorage,
    ObjectMissing,
    S3Storage,
    StorageError,
    dataset_prefix,
)


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "storage")
    bucket = request.getfixturevalue("s3_bucket")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Storage(bucket=bucket, prefix="insight/test", region="us-gov-west-1", endpoint_url=endpoint)


def test_stream_round_trip(storage):
    storage.put_stream("users/1/datasets/a/original.csv", io.BytesIO(b"a,b\n1,2\n"))
    assert storage.exists("users/1/datasets/a/original.csv")
    assert storage.size("users/1/datasets/a/original.csv") == 8
    with storage.open("users/1/datasets/a/original.csv") as stream:
        assert stream.read() == b"a,b\n1,2\n"


def test_file_upload_and_download(storage, tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(bytes(range(256)) * 4096)  # 1 MiB
    storage.put_file("users/1/datasets/b/original.xlsx", source)
    target = tmp_path / "copy.bin"
    storage.download("users/1/datasets/b/original.xlsx", target)
    assert target.read_bytes() == source.read_bytes()


def test_missing_objects(storage, tmp_path):
    assert not storage.exists("users/1/nothing.csv")
    with pytest.raises(ObjectMissing):
        storage.size("users/1/nothing.csv")
    with pytest.raises(ObjectMissing):
        storage.open("users/1/nothing.csv")
    storage.delete("users/1/nothing.csv")  # deleting what is gone is fine


def test_delete_prefix_removes_one_dataset_only(storage):
    mine, other = uuid.uuid4(), uuid.uuid4()
    for dataset in (mine, other):
        for name in ("original.csv", "tables/0.parquet"):
            storage.put_stream(dataset_prefix(7, dataset) + name, io.BytesIO(b"x"))
    assert storage.delete_prefix(dataset_prefix(7, mine)) == 2
    assert not storage.exists(dataset_prefix(7, mine) + "original.csv")
    assert storage.exists(dataset_prefix(7, other) + "tables/0.parquet")


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs/path", "users//x", "users/./x", "a/b c", ""])
def test_unsafe_keys_are_refused(storage, key):
    with pytest.raises(ValueError):
        storage.put_stream(key, io.BytesIO(b"x"))


def test_check_passes_when_reachable(storage):
    storage.check()


def test_unreachable_s3_is_a_readable_error(unused_tcp_url):
    storage = S3Storage(bucket="insight", region="us-gov-west-1", endpoint_url=unused_tcp_url)
    with pytest.raises(StorageError, match="unreachable"):
        storage.check()
    with pytest.raises(StorageError, match="unreachable"):
        storage.put_stream("users/1/x.csv", io.BytesIO(b"x"))


def test_missing_bucket_is_a_readable_error(s3_endpoint):
    storage = S3Storage(bucket="no-such-bucket", region="us-gov-west-1", endpoint_url=s3_endpoint)
    with pytest.raises(StorageError, match="refused"):
        storage.check()
