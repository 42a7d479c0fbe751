"""New versions of a dataset: the same inspection and parsing as a first upload, then a drift
report, and nothing replaced until the owner confirms it. The dataset keeps its id, its
conversations, pins and views; older versions stay readable and deletable by the owner.

A version's states: `processing` (its job runs), `review` (parsed, waiting for the owner),
`ready` (confirmed once; the current one is `Dataset.version`) and `error` (with a reason).
"""
from __future__ import annotations

import logging
import shutil
import uuid
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from insight_dash.extensions import db
from insight_dash.jobs import threads
from insight_dash.models import Dataset, DatasetVersion, PinnedFigure, User, utcnow
from insight_dash.services import frames
from insight_dash.services.datasets import get_dataset
from insight_dash.services.drift import drift_report
from insight_dash.services.errors import InvalidInput, NotFound
from insight_dash.services.ingest import (build_metadata, display_name, inspect, job_outcome, original_name, progress,
                                          set_stage, store_tables, table_name, work_dir)
from insight_dash.services.inspection import Inspection
from insight_dash.services.runtime import current_storage
from insight_dash.services.storage import StorageError, version_prefix

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=15)
INTERRUPTED = "Processing stopped unexpectedly (the server restarted). Please upload the new version again."
WAITING = ("processing", "review")


def list_versions(user: User, dataset_id: uuid.UUID | str) -> list[DatasetVersion]:
    """Every version of the user's dataset, newest first (one waiting for review included)."""
    dataset = get_dataset(user, dataset_id)
    return list(db.session.scalars(sa.select(DatasetVersion).options(selectinload(DatasetVersion.uploaded_by))
                                   .where(DatasetVersion.dataset_id == dataset.id)
                                   .order_by(DatasetVersion.number.desc())))


def get_version(user: User, dataset_id: uuid.UUID | str, number: int | str, lock: bool = False) -> DatasetVersion:
    """One version of the user's dataset; `lock` holds its row until the commit (confirm and
    cancel clicked at once must not both act)."""
    dataset = get_dataset(user, dataset_id)
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise NotFound("version") from None
    query = sa.select(DatasetVersion).where(DatasetVersion.dataset_id == dataset.id, DatasetVersion.number == number)
    if lock:  # and read the row as locked, not as this session last saw it
        query = query.with_for_update().execution_options(populate_existing=True)
    version = db.session.scalar(query)
    if version is None:
        raise NotFound("version")
    return version


def version_meta(user: User, dataset_id: uuid.UUID | str, number: int | str | None = None) -> tuple[Dataset, dict]:
    """The user's dataset and the metadata of one of its readable versions (None: the current one;
    a version waiting for review can be previewed before it is confirmed)."""
    dataset = get_dataset(user, dataset_id)
    if number in (None, "") or str(number) == str(dataset.version):
        return dataset, dataset.meta or {}
    version = get_version(user, dataset.id, number)
    if version.status not in ("review", "ready"):
        raise NotFound("version")
    return dataset, version.meta


def waiting_version(versions: list[DatasetVersion]) -> DatasetVersion | None:
    """The newest version if it still waits (parsing, review) or failed and was not dismissed."""
    newest = versions[0] if versions else None
    return newest if newest is not None and newest.status in (*WAITING, "error") else None


def receive_version(user: User, dataset_id: uuid.UUID | str, filename: str, upload: Path) -> DatasetVersion:
    """Inspect and store a new file for an existing dataset, then queue its parsing. One new
    version at a time: another waiting for review must be confirmed or cancelled first."""
    dataset = get_dataset(user, dataset_id)
    if dataset.status != "ready":
        raise InvalidInput("A new version can be uploaded once the dataset is ready.")
    pending = waiting_version(list_versions(user, dataset.id))
    if pending is not None and pending.status in WAITING:
        raise InvalidInput(f"Version {pending.number} is still waiting for review: confirm or cancel it first.")
    if pending is not None:  # a failed one: a new upload replaces it
        db.session.delete(pending)
    name = display_name(filename)
    inspection = inspect(upload, name)
    number = (db.session.scalar(sa.select(sa.func.max(DatasetVersion.number))
                                .where(DatasetVersion.dataset_id == dataset.id)) or 0) + 1
    key = version_prefix(dataset.user_id, dataset.id, number) + original_name(inspection)
    version = DatasetVersion(dataset_id=dataset.id, number=number, uploaded_by_id=user.id, file_name=name,
                             size_bytes=upload.stat().st_size, storage_key=key, status="processing",
                             meta=progress({}, "uploading", 5))
    db.session.add(version)
    db.session.commit()
    try:
        current_storage().put_file(key, upload)
    except StorageError as exc:
        _fail(version, exc.message)
        raise
    work_file = work_dir(f"{dataset.id}-v{number}") / key.rsplit("/", 1)[1]
    shutil.move(upload, work_file)
    version.meta = progress({}, "queued", 10)
    db.session.commit()
    log.info("version stored", extra={"event": "version_stored", "dataset_id": str(dataset.id), "version": number,
                                      "kind": inspection.kind, "size_bytes": version.size_bytes})
    threads.submit(process_version, version.id, str(work_file), inspection)
    return version


def process_version(version_id: uuid.UUID, work_file: str, inspection: Inspection) -> None:
    """The background job: parse and store the new version's tables, then report its drift
    from the current version; it waits in `review` for its owner."""
    version = db.session.get(DatasetVersion, version_id)
    with job_outcome(DatasetVersion, version_id, _fail, Path(work_file)):
        if version is None:  # cancelled before the job started
            return
        dataset, number = version.dataset, version.number
        prefix = version_prefix(dataset.user_id, dataset.id, number)
        described = store_tables(dataset.id, number, prefix, Path(work_file), inspection, table_name(dataset.name),
                                 lambda stage, percent: set_stage(DatasetVersion, version_id, stage, percent))
        meta = build_metadata(version.size_bytes, inspection, described, Path(work_file))
        pins = list(db.session.scalars(sa.select(PinnedFigure).where(PinnedFigure.dataset_id == dataset.id)
                                       .order_by(PinnedFigure.position)))
        version = db.session.get(DatasetVersion, version_id)
        if version is None:  # cancelled while it was processing
            current_storage().delete_prefix(prefix)
            frames.forget_version(dataset.id, number)
            return
        version.meta, version.drift = meta, drift_report(dataset.meta or {}, meta, pins)
        version.status = "review"
        db.session.commit()
        log.info("version parsed", extra={"event": "version_parsed", "dataset_id": str(dataset.id),
                                          "version": version.number})


def confirm_version(user: User, dataset_id: uuid.UUID | str, number: int | str) -> Dataset:
    """Make a reviewed version the current one: questions, the preview and refreshed pins use it."""
    version = get_version(user, dataset_id, number, lock=True)
    if version.status != "review":
        raise InvalidInput("Only a version waiting for review can be confirmed.")
    dataset = version.dataset
    dataset.meta, dataset.version = version.meta, version.number
    dataset.storage_key, dataset.size_bytes = version.storage_key, version.size_bytes
    version.status, version.confirmed_at = "ready", utcnow()
    db.session.commit()
    log.info("version confirmed", extra={"event": "version_confirmed", "dataset_id": str(dataset.id),
                                         "version": version.number})
    return dataset


def cancel_version(user: User, dataset_id: uuid.UUID | str, number: int | str) -> None:
    """Drop a version that waits for review (or failed): its objects go, the dataset is untouched."""
    version = get_version(user, dataset_id, number, lock=True)
    if version.status == "ready":
        raise InvalidInput("A confirmed version is deleted, not cancelled.")
    _remove(version)


def delete_version(user: User, dataset_id: uuid.UUID | str, number: int | str) -> None:
    """Delete an older version with its stored file and tables; the current one stays."""
    version = get_version(user, dataset_id, number, lock=True)
    if version.number == version.dataset.version:
        raise InvalidInput("The current version cannot be deleted; delete the dataset instead.")
    _remove(version)


def open_original(user: User, dataset_id: uuid.UUID | str, number: int | str) -> tuple[str, BinaryIO]:
    """(file name, stream) of a version's uploaded file, as it was uploaded."""
    version = get_version(user, dataset_id, number)
    if version.status not in ("review", "ready"):
        raise NotFound("version")
    return version.file_name, current_storage().open(version.storage_key)


def recover_stale_versions(now=None) -> int:
    """Versions whose job stopped (a restart) end as errors with their objects removed."""
    cutoff = (now or utcnow()) - STALE_AFTER
    stale = list(db.session.scalars(sa.select(DatasetVersion).where(
        DatasetVersion.status == "processing", DatasetVersion.uploaded_at < cutoff).with_for_update(skip_locked=True)))
    for version in stale:
        _fail(version, INTERRUPTED)
    return len(stale)


def _remove(version: DatasetVersion) -> None:
    dataset = version.dataset
    keys = [version.storage_key] + [table["parquet_key"] for table in (version.meta or {}).get("tables", [])]
    storage = current_storage()
    for key in filter(None, keys):
        storage.delete(key)
    frames.forget_version(dataset.id, version.number)
    db.session.delete(version)
    db.session.commit()
    log.info("version removed", extra={"event": "version_removed", "dataset_id": str(dataset.id),
                                       "version": version.number})


def _fail(version: DatasetVersion, message: str) -> None:
    """End in `error` with the reason, keeping none of its objects."""
    dataset = version.dataset
    try:
        current_storage().delete_prefix(version_prefix(dataset.user_id, dataset.id, version.number))
    except StorageError:
        log.warning("could not remove objects of a failed version", extra={"version_id": str(version.id)})
    frames.forget_version(dataset.id, version.number)
    version.status, version.error_message, version.meta = "error", message, {}
    db.session.commit()
    log.warning("version failed", extra={"event": "version_failed", "dataset_id": str(dataset.id),
                                         "version": version.number})
