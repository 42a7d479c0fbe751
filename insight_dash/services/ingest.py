"""From an uploaded file to a ready dataset: inspect, store, parse, profile, write Parquet.

`receive_upload` runs in the upload request (fast: inspection and one storage write), then
`process_dataset` runs as a background job and reports its stage in the Dataset row. A
dataset ends `ready` or `error` with a reason; on error nothing of it stays in storage.
"""
from __future__ import annotations

import ctypes
import logging
import shutil
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from insight_dash.extensions import db
from insight_dash.jobs import threads
from insight_dash.models import Dataset, DatasetVersion, User, utcnow
from insight_dash.services import frames
from insight_dash.services.datasets import get_dataset
from insight_dash.services.errors import ServiceError
from insight_dash.services.inspection import Inspection, UploadRefused, inspect_upload
from insight_dash.services.parsing import ParsedTable, parse_upload
from insight_dash.services.profiling import profile_table
from insight_dash.services.runtime import current_settings, current_storage
from insight_dash.services.storage import StorageError, dataset_prefix

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=15)
INTERRUPTED = "Processing stopped unexpectedly (the server restarted). Please upload the file again."
ROW_GROUP_ROWS = 1024 * 1024  # pyarrow's default, named because the statistics depend on it
UNEXPECTED = "Something went wrong while reading this file. The error was logged; please try again."


def receive_upload(user: User, filename: str, upload: Path) -> Dataset:
    """Inspect and store an uploaded file, then queue its processing.

    Raises UploadRefused for files that are not accepted (nothing is kept) and StorageError
    when storage cannot take the file (the dataset is recorded as `error`).
    """
    name = display_name(filename)
    inspection = inspect(upload, name)
    dataset = Dataset(id=uuid.uuid4(), user_id=user.id, name=name, status="pending",
                      size_bytes=upload.stat().st_size, meta=progress({}, "uploading", 5))
    db.session.add(dataset)
    db.session.commit()
    key = dataset_prefix(user.id, dataset.id) + original_name(inspection)
    try:
        current_storage().put_file(key, upload)
    except StorageError as exc:
        _fail(dataset, exc.message)
        raise
    # The job reads the local file rather than downloading the original again.
    work_file = work_dir(str(dataset.id)) / key.rsplit("/", 1)[1]
    shutil.move(upload, work_file)
    dataset.storage_key = key
    dataset.status = "processing"
    dataset.meta = progress(dataset.meta, "queued", 10)
    db.session.commit()
    log.info("upload stored", extra={"event": "upload_stored", "dataset_id": str(dataset.id),
                                     "kind": inspection.kind, "size_bytes": dataset.size_bytes})
    threads.submit(process_dataset, dataset.id, str(work_file), inspection)
    return dataset


def inspect(upload: Path, name: str) -> Inspection:
    """What the uploaded file is; UploadRefused (logged) for a file that is not accepted."""
    try:
        return inspect_upload(upload, name, current_settings().max_upload_bytes)
    except UploadRefused as refusal:
        log.warning("upload refused", extra={"event": "upload_refused", "reason": refusal.message})
        raise


def original_name(inspection: Inspection) -> str:
    return "original.xlsx" if inspection.kind == "xlsx" else "original.csv"


def process_dataset(dataset_id: uuid.UUID, work_file: str, inspection: Inspection) -> None:
    """The background job: parse, profile and write Parquet copies, reporting each stage."""
    started = time.perf_counter()
    owner_id, name = db.session.execute(
        sa.select(Dataset.user_id, Dataset.name).where(Dataset.id == dataset_id)).one_or_none() or (None, "")
    with job_outcome(Dataset, dataset_id, _fail, Path(work_file)):
        if owner_id is None:  # deleted before the job started
            return
        described = store_tables(dataset_id, 1, dataset_prefix(owner_id, dataset_id), Path(work_file), inspection,
                                 table_name(name), lambda stage, percent: set_stage(Dataset, dataset_id, stage, percent))
        dataset = db.session.get(Dataset, dataset_id)
        if dataset is None:  # deleted while it was processing: leave nothing behind
            current_storage().delete_prefix(dataset_prefix(owner_id, dataset_id))
            frames.forget(dataset_id)
            return
        dataset.meta = build_metadata(dataset.size_bytes, inspection, described, Path(work_file))
        dataset.status = "ready"
        dataset.versions.append(DatasetVersion(
            number=1, uploaded_by_id=owner_id, uploaded_at=dataset.uploaded_at, confirmed_at=utcnow(),
            file_name=dataset.name, size_bytes=dataset.size_bytes, storage_key=dataset.storage_key,
            status="ready", meta=dataset.meta))
        db.session.commit()
        log.info("dataset ready", extra={"event": "dataset_ready", "dataset_id": str(dataset_id),
                                         "tables": len(described), "seconds": round(time.perf_counter() - started, 2)})


@contextmanager
def job_outcome(model: type[Dataset] | type[DatasetVersion], row_id: uuid.UUID,
                fail: Callable[[Any, str], None], work_file: Path) -> Iterator[None]:
    """The body of a processing job: a ServiceError ends its dataset or version in `error` with
    the error's message, anything else with UNEXPECTED (and the traceback logged); the job's work
    folder goes either way."""
    try:
        yield
    except ServiceError as exc:
        fail_by_id(model, row_id, exc.message, fail)
    except Exception:
        log.exception("processing failed", extra={"model": model.__name__, "row_id": str(row_id)})
        fail_by_id(model, row_id, UNEXPECTED, fail)
    finally:
        finish_work(work_file)


def store_tables(dataset_id: uuid.UUID, version: int, prefix: str, work_file: Path, inspection: Inspection,
                 name: str, stage: Callable[[str, int], None]) -> list[dict[str, Any]]:
    """Parse and profile one uploaded file of a dataset and store its tables' Parquet under
    `prefix`; returns the tables' metadata entries."""
    stage("parsing", 20)
    tables, profiled = parse_and_profile(work_file, inspection, name, work_file.parent,
                                         lambda: stage("profiling", 60))
    stage("saving", 80)
    return [_store_table(prefix, dataset_id, version, index, table, profile, parquet)
            for index, (table, (profile, parquet)) in enumerate(zip(tables, profiled))]


def table_name(dataset_name: str) -> str:
    """The name of a CSV's one table: the dataset's file name without its extension. Every
    version keeps it, so code written for one version names the same table in the next."""
    return Path(dataset_name).stem


def finish_work(work_file: Path) -> None:
    """Remove a job's work folder and hand its memory back."""
    shutil.rmtree(work_file.parent, ignore_errors=True)
    _return_freed_memory()


def build_metadata(size_bytes: int, inspection: Inspection, tables: list[dict[str, Any]],
                   original: Path) -> dict[str, Any]:
    """The spec's metadata schema for the default (largest visible) table, plus every table."""
    default = max(tables, key=lambda table: (table.get("visibility") == "visible",
                                             table["row_count"] * max(table["column_count"], 1)))
    warnings = [warning if len(tables) == 1 else f"{table['name']}: {warning}"
                for table in tables for warning in table["parse_warnings"]]
    sheet_names = _sheet_names(original) if inspection.kind == "xlsx" else []
    return {
        "row_count": default["row_count"],
        "column_count": default["column_count"],
        "columns": default["columns"],
        "file_size_bytes": size_bytes,
        "sheet_names": sheet_names,
        "parse_warnings": warnings,
        "format": inspection.kind,
        "encoding": inspection.encoding,
        "delimiter": inspection.delimiter,
        "default_table": default["name"],
        "tables": tables,
    }


def delete_dataset(user: User, dataset_id: uuid.UUID | str) -> None:
    """Delete a dataset with its stored objects, cached copies, sessions and queries."""
    dataset = get_dataset(user, dataset_id)
    current_storage().delete_prefix(dataset_prefix(dataset.user_id, dataset.id))
    frames.forget(dataset.id)
    db.session.delete(dataset)
    db.session.commit()
    log.info("dataset deleted", extra={"event": "dataset_deleted", "dataset_id": str(dataset.id)})


def recover_stale_datasets(now: datetime | None = None) -> int:
    """Mark datasets whose job stopped reporting as failed and remove their objects."""
    cutoff = (now or datetime.now(timezone.utc)) - STALE_AFTER
    stale = list(db.session.scalars(sa.select(Dataset).where(
        Dataset.status.in_(("pending", "processing")), Dataset.updated_at < cutoff).with_for_update(skip_locked=True)))
    for dataset in stale:
        _fail(dataset, INTERRUPTED)
        log.warning("recovered a stalled dataset", extra={"dataset_id": str(dataset.id)})
    return len(stale)


def display_name(filename: str) -> str:
    """The file's own name, without folders or control characters, at most 255 characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[-255:] or "upload"


def parse_and_profile(path: Path, inspection: Inspection, name: str, folder: Path,
                      parsed: Callable[[], None] = lambda: None) -> tuple[list[ParsedTable], list[tuple[dict[str, Any], Path]]]:
    """The file's tables, each profiled and written as `folder/<n>.parquet`. Parquet copies are
    written on a thread of their own while the main thread fixes and profiles (pyarrow releases
    the GIL), so a clean CSV's copy is under way before its fixer has even finished."""
    with ThreadPoolExecutor(max_workers=1) as writes:
        def start(index: int, arrow: pa.Table) -> Future:
            return writes.submit(write_parquet, arrow, folder / f"{index}.parquet")

        tables = parse_upload(path, inspection, name, start_parquet=start)
        parsed()
        profiled = []
        for index, table in enumerate(tables):
            written = table.parquet or start(index, pa.Table.from_pandas(table.frame, preserve_index=False))
            profile = profile_table(table.frame)
            profiled.append((profile, written.result()))
    return tables, profiled


def write_parquet(arrow: pa.Table, path: Path) -> Path:
    fields = arrow.schema
    # Min/max statistics let DuckDB skip row groups of numbers and dates when it filters the
    # grid; for text they cost a tenth of the write and skip nothing, and a table of one row
    # group has nothing to skip.
    statistics = [f.name for f in fields if not pa.types.is_string(f.type) and not pa.types.is_large_string(f.type)
                  ] if arrow.num_rows > ROW_GROUP_ROWS else False
    # Timestamps rarely repeat and mostly rise: deltas store them in less room, and faster, than a dictionary.
    times = {f.name for f in fields if pa.types.is_timestamp(f.type)}
    pq.write_table(arrow, path, compression="zstd", compression_level=1, write_statistics=statistics,
                   use_dictionary=[f.name for f in fields if f.name not in times],
                   column_encoding={name: "DELTA_BINARY_PACKED" for name in times} or None,
                   row_group_size=ROW_GROUP_ROWS)
    return path


def _store_table(prefix: str, dataset_id: uuid.UUID, version: int, index: int, table: ParsedTable,
                 profile: dict[str, Any], local: Path) -> dict[str, Any]:
    key = prefix + f"tables/{index}.parquet"
    current_storage().put_file(key, local)
    frames.keep_local_copy(dataset_id, version, index, local)
    return {"name": table.name, "index": index, "version": version, "parquet_key": key,
            "parse_warnings": table.warnings,
            "visibility": table.visibility, **profile}


def _sheet_names(workbook: Path) -> list[str]:
    import fastexcel

    return list(fastexcel.read_excel(workbook).sheet_names)


def work_dir(name: str) -> Path:
    """A job's own folder for the file it processes."""
    folder = current_settings().data_dir / "work" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def progress(meta: dict[str, Any], stage: str, percent: int) -> dict[str, Any]:
    return {**meta, "progress": {"stage": stage, "percent": percent}}


def set_stage(model: type[Dataset] | type[DatasetVersion], row_id: uuid.UUID, stage: str, percent: int) -> None:
    """Record a job's stage on its dataset or version; a dataset's write also refreshes
    `updated_at`, the job's heartbeat."""
    row = db.session.get(model, row_id)
    if row is not None:
        row.meta = progress(row.meta or {}, stage, percent)
        db.session.commit()


def fail_by_id(model: type[Dataset] | type[DatasetVersion], row_id: uuid.UUID, message: str,
               fail: Callable[[Any, str], None]) -> None:
    """End a job's dataset or version with `fail`, after the job's own half-done work is rolled back."""
    db.session.rollback()
    row = db.session.get(model, row_id)
    if row is not None:
        fail(row, message)


def _fail(dataset: Dataset, message: str) -> None:
    """End in `error` with the reason, keeping no stored object behind."""
    try:
        current_storage().delete_prefix(dataset_prefix(dataset.user_id, dataset.id))
    except StorageError:
        log.warning("could not remove objects of a failed dataset", extra={"dataset_id": str(dataset.id)})
    frames.forget(dataset.id)
    dataset.status = "error"
    dataset.error_message = message
    dataset.meta = {key: value for key, value in (dataset.meta or {}).items() if key != "progress"}
    db.session.commit()


def _return_freed_memory() -> None:
    """Hand the parse's freed heap back to the system now (glibc keeps it otherwise, and the
    web worker that ran the job forks every background job with it)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
