"""Object storage behind one small interface: a local folder by default, S3 in production.

Keys are relative, slash-separated paths such as ``users/3/datasets/<uuid>/original.csv``.
Credentials for S3 come only from boto3's default chain (the Fargate task role in
production, environment variables in tests); no key ever appears in code or settings.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from insight_dash.services.errors import ServiceError
from insight_dash.settings import Settings

_KEY_PART = re.compile(r"^[A-Za-z0-9._=-]+$")


class StorageError(ServiceError):
    """Storage could not be reached or refused the operation."""


class ObjectMissing(StorageError):
    def __init__(self, key: str):
        super().__init__("The stored file is missing.")
        self.key = key


def dataset_prefix(user_id: int, dataset_id: uuid.UUID) -> str:
    """Where every object of one dataset lives, so deleting the dataset deletes the prefix."""
    return f"users/{user_id}/datasets/{dataset_id}/"


def version_prefix(user_id: int, dataset_id: uuid.UUID, number: int) -> str:
    """Where one version's original and Parquet tables live, under its dataset. Version 1 keeps
    the layout datasets had before there were versions."""
    prefix = dataset_prefix(user_id, dataset_id)
    return prefix if number == 1 else f"{prefix}versions/{number}/"


def validate_key(key: str) -> str:
    parts = key.split("/")
    if not key or any(part in ("", ".", "..") or not _KEY_PART.match(part) for part in parts):
        raise ValueError(f"Invalid storage key: {key!r}")
    return key


class Storage(ABC):
    """The operations the app needs from a blob store."""

    name: str

    @abstractmethod
    def put_file(self, key: str, path: Path) -> None: ...

    @abstractmethod
    def put_stream(self, key: str, stream: BinaryIO) -> None: ...

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable binary stream; the caller closes it."""

    @abstractmethod
    def download(self, key: str, path: Path) -> None: ...

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def size(self, key: str) -> int: ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Delete one object; deleting a missing object is not an error."""

    @abstractmethod
    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under `prefix`; returns how many were deleted."""

    @abstractmethod
    def check(self) -> None:
        """Raise StorageError unless the store is reachable and writable."""


class LocalStorage(Storage):
    name = "local"

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def put_file(self, key: str, path: Path) -> None:
        with open(path, "rb") as source:
            self.put_stream(key, source)

    def put_stream(self, key: str, stream: BinaryIO) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename, so a reader never sees half an object.
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as tmp:
                shutil.copyfileobj(stream, tmp, length=1024 * 1024)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError:
            raise ObjectMissing(key) from None

    def download(self, key: str, path: Path) -> None:
        with self.open(key) as source, open(path, "wb") as target:
            shutil.copyfileobj(source, target, length=1024 * 1024)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise ObjectMissing(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        folder = self._path(prefix.rstrip("/"))
        if not folder.is_dir():
            return 0
        count = sum(1 for item in folder.rglob("*") if item.is_file())
        shutil.rmtree(folder)
        return count

    def check(self) -> None:
        probe = self.root / f".probe-{uuid.uuid4().hex}"
        try:
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise StorageError(f"The storage folder is not writable: {exc.strerror}") from exc


class S3Storage(Storage):
    name = "s3"

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        region: str | None = None,
        endpoint_url: str | None = None,
    ):
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.client = boto3.client(
            "s3",
            region_name=region,
            endpoint_url=endpoint_url,
            config=Config(
                connect_timeout=5,
                read_timeout=60,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )

    def _key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    def put_file(self, key: str, path: Path) -> None:
        with _s3_errors():
            self.client.upload_file(str(path), self.bucket, self._key(key))

    def put_stream(self, key: str, stream: BinaryIO) -> None:
        with _s3_errors():
            self.client.upload_fileobj(stream, self.bucket, self._key(key))

    def open(self, key: str) -> BinaryIO:
        with _s3_errors(key):
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]

    def download(self, key: str, path: Path) -> None:
        with _s3_errors(key):
            self.client.download_file(self.bucket, self._key(key), str(path))

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except ObjectMissing:
            return False
        return True

    def size(self, key: str) -> int:
        with _s3_errors(key):
            return self.client.head_object(Bucket=self.bucket, Key=self._key(key))["ContentLength"]

    def delete(self, key: str) -> None:
        with _s3_errors():
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def delete_prefix(self, prefix: str) -> int:
        full_prefix = self.prefix + validate_key(prefix.rstrip("/")) + "/"
        deleted = 0
        with _s3_errors():
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=full_prefix
            )
            for page in pages:
                keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
                if keys:
                    self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True})
                    deleted += len(keys)
        return deleted

    def check(self) -> None:
        with _s3_errors():
            self.client.head_bucket(Bucket=self.bucket)


@contextmanager
def _s3_errors(key: str | None = None) -> Iterator[None]:
    """Turn botocore failures into StorageError with a message a person can act on."""
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if key is not None and code in ("404", "NoSuchKey", "NotFound"):
            raise ObjectMissing(key) from exc
        raise StorageError(f"File storage refused the request ({code or 'unknown error'}).") from exc
    except BotoCoreError as exc:
        raise StorageError("File storage is unreachable right now. Please try again shortly.") from exc


def build_storage(settings: Settings) -> Storage:
    """The storage backend the settings name."""
    if settings.storage == "s3":
        return S3Storage(
            bucket=settings.s3_bucket,
            prefix=settings.s3_prefix,
            region=settings.s3_region,
            endpoint_url=settings.s3_endpoint_url,
        )
    return LocalStorage(settings.data_dir / "storage")
