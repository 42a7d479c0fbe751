"""The byte-bounded frame cache and the Parquet fall-backs behind it."""
import threading
import time
import uuid

import pytest

from insight_dash.services import frames
from insight_dash.services.errors import NotFound
from tests.harness.files import write_sensor_csv


def test_cache_is_bounded_by_bytes_not_entries():
    cache = frames.ByteBoundedCache(max_bytes=100)
    ids = [(uuid.uuid4(), 0) for _ in range(4)]
    for key in ids[:3]:
        cache.get_or_load(key, lambda: ("frame", 40))
    assert cache.total_bytes == 80  # the oldest of three 40-byte entries was evicted
    loads = []
    cache.get_or_load(ids[2], lambda: loads.append(1) or ("frame", 40))
    assert loads == []  # still cached
    cache.get_or_load(ids[3], lambda: ("huge", 1000))
    assert cache.total_bytes == 80  # larger than the whole cache: served, not kept


def test_concurrent_misses_load_once():
    cache = frames.ByteBoundedCache(max_bytes=10_000)
    key, calls = (uuid.uuid4(), 0), []

    def slow_load():
        calls.append(1)
        time.sleep(0.2)
        return "frame", 10

    threads = [threading.Thread(target=cache.get_or_load, args=(key, slow_load)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1]


@pytest.fixture
def sensors(upload, app_ctx, make_user, tmp_path):
    alice = make_user("alice")
    return alice, upload(alice, write_sensor_csv(tmp_path / "sensors.csv", rows=300))


def test_get_frame_falls_back_to_storage_when_the_local_copy_is_gone(sensors):
    alice, dataset = sensors
    frames.forget(dataset.id)
    assert not list((frames._cache_dir() / str(dataset.id)).glob("*"))
    frame = frames.get_frame(alice, dataset.id)
    assert len(frame) == 300
    assert frames.get_frame(alice, dataset.id) is frame  # the second call is a cache hit
    assert (frames._cache_dir() / str(dataset.id) / "v1-0.parquet").exists()


def test_get_frame_checks_ownership_and_table_names(sensors, make_user):
    alice, dataset = sensors
    with pytest.raises(NotFound):
        frames.get_frame(make_user("bob"), dataset.id)
    with pytest.raises(NotFound, match="table"):
        frames.get_frame(alice, dataset.id, "no such sheet")
