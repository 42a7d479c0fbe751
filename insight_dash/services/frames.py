"""Parsed tables for the web process: an in-memory cache bounded by bytes, then a local
Parquet copy on disk, then the Parquet object in storage. The original file is never read again.

Frames handed out are shared between threads: treat them as read-only.
"""
from __future__ import annotations

import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from insight_dash.models import Dataset, User
from insight_dash.services.datasets import get_dataset
from insight_dash.services.errors import NotFound, ServiceError
from insight_dash.services.runtime import current_settings, current_storage

CacheKey = tuple[uuid.UUID, int, int]  # dataset, version, table index


class ByteBoundedCache:
    """LRU cache whose bound is the total size of its values in bytes, not their count.

    Loads are serialised per key: concurrent requests for a missing key wait for one load
    instead of each reading the same file.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[CacheKey, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[CacheKey, threading.Lock] = {}

    @property
    def total_bytes(self) -> int:
        with self._lock:
            return sum(size for _, size in self._entries.values())

    def get_or_load(self, key: CacheKey, load: Callable[[], tuple[Any, int]]) -> Any:
        hit = self._get(key)
        if hit is not None:
            return hit
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            hit = self._get(key)
            if hit is not None:
                return hit
            value, size = load()
            self._put(key, value, size)
            return value

    def discard(self, dataset_id: uuid.UUID, version: int | None = None) -> None:
        with self._lock:
            for key in [key for key in self._entries if key[0] == dataset_id and version in (None, key[1])]:
                del self._entries[key]

    def _get(self, key: CacheKey) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def _put(self, key: CacheKey, value: Any, size: int) -> None:
        if size > self.max_bytes:
            return  # larger than the whole cache: serve it, do not keep it
        with self._lock:
            self._entries[key] = (value, size)
            total = sum(s for _, s in self._entries.values())
            while total > self.max_bytes:
                _, (_, evicted) = self._entries.popitem(last=False)
                total -= evicted


_cache: ByteBoundedCache | None = None
_cache_lock = threading.Lock()
_download_lock = threading.Lock()


def frame_cache() -> ByteBoundedCache:
    global _cache
    with _cache_lock:
        if _cache is None:
            _cache = ByteBoundedCache(current_settings().frame_cache_mb * 1024 * 1024)
        return _cache


def get_frame(user: User, dataset_id: uuid.UUID | str, table: str | None = None) -> pd.DataFrame:
    """The parsed table `table` (default: the dataset's main table) as a DataFrame."""
    dataset = get_dataset(user, dataset_id)
    entry = table_entry(dataset, table)
    key = (dataset.id, table_version(entry), entry["index"])
    return frame_cache().get_or_load(key, lambda: _read_frame(local_parquet(dataset, entry)))


def table_entry(dataset: Dataset, table: str | None = None, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """The metadata of one parsed table, by name (None: the default table), of the current
    version or of the version whose `meta` is given."""
    if dataset.status != "ready":
        raise ServiceError("This dataset is not ready yet.")
    meta = (dataset.meta if meta is None else meta) or {}
    wanted = table or meta.get("default_table")
    for entry in meta.get("tables", []):
        if entry["name"] == wanted:
            return entry
    raise NotFound("table")


def table_version(entry: dict[str, Any]) -> int:
    """The dataset version a table entry belongs to (tables stored before versions are version 1)."""
    return entry.get("version", 1)


def local_parquet(dataset: Dataset, entry: dict[str, Any]) -> Path:
    """A local Parquet copy of the table, fetched from storage when this host has none."""
    path = _local_path(dataset.id, table_version(entry), entry["index"])
    if path.exists():
        os.utime(path)  # mark as recently used for the disk cache's eviction
        return path
    with _download_lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".partial")
            current_storage().download(entry["parquet_key"], partial)
            os.replace(partial, path)
            _evict_disk_copies()
    return path


def keep_local_copy(dataset_id: uuid.UUID, version: int, index: int, parquet_file: Path) -> None:
    """Move a freshly written Parquet file into the disk cache."""
    target = _local_path(dataset_id, version, index)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(parquet_file, target)
    _evict_disk_copies()


def forget(dataset_id: uuid.UUID) -> None:
    """Drop every cached form of a dataset (memory and disk)."""
    frame_cache().discard(dataset_id)
    folder = _cache_dir() / str(dataset_id)
    for file in folder.glob("*"):
        file.unlink(missing_ok=True)
    if folder.exists():
        folder.rmdir()


def forget_version(dataset_id: uuid.UUID, version: int) -> None:
    """Drop the cached forms of one version's tables."""
    frame_cache().discard(dataset_id, version)
    for file in (_cache_dir() / str(dataset_id)).glob(f"v{version}-*.parquet"):
        file.unlink(missing_ok=True)


def _local_path(dataset_id: uuid.UUID, version: int, index: int) -> Path:
    return _cache_dir() / str(dataset_id) / f"v{version}-{index}.parquet"


def _read_frame(path: Path) -> tuple[pd.DataFrame, int]:
    table = pq.read_table(path)
    return table.to_pandas(types_mapper=pd.ArrowDtype), table.nbytes


def _cache_dir() -> Path:
    return current_settings().data_dir / "cache" / "parquet"


def _evict_disk_copies() -> None:
    limit = current_settings().parquet_cache_mb * 1024 * 1024
    files = sorted(_cache_dir().glob("*/*.parquet"), key=lambda f: f.stat().st_mtime)
    total = sum(f.stat().st_size for f in files)
    for file in files[:-1]:  # never the newest: it is the one being used
        if total <= limit:
            break
        total -= file.stat().st_size
        file.unlink(missing_ok=True)
