"""Datasets as their owner sees them."""
from __future__ import annotations

import uuid

import sqlalchemy as sa

from insight_dash.extensions import db
from insight_dash.models import Dataset, User
from insight_dash.services.errors import NotFound
from insight_dash.services.ids import parse_uuid


def list_datasets(user: User) -> list[Dataset]:
    """The user's datasets, newest first."""
    query = sa.select(Dataset).where(Dataset.user_id == user.id).order_by(Dataset.uploaded_at.desc())
    return list(db.session.scalars(query))


def get_dataset(user: User, dataset_id: uuid.UUID | str) -> Dataset:
    """The dataset if `user` owns it; NotFound otherwise."""
    dataset = db.session.scalar(
        sa.select(Dataset).where(
            Dataset.id == parse_uuid(dataset_id, "dataset"), Dataset.user_id == user.id
        )
    )
    if dataset is None:
        raise NotFound("dataset")
    return dataset


def column_names(dataset: Dataset) -> list[str]:
    """The names of every column of every table, as the dataset's metadata lists them."""
    tables = (dataset.meta or {}).get("tables", [])
    return [column["name"] for table in tables for column in table.get("columns", [])]
