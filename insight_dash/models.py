"""Tables and their small invariants. Queries that act for a user live in `services/`."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from insight_dash.extensions import db

DATASET_STATUSES = ("pending", "processing", "ready", "error")
QUERY_STATUSES = ("running", "success", "error")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _status_check(table: str, allowed: tuple[str, ...]) -> sa.CheckConstraint:
    values = ", ".join(f"'{value}'" for value in allowed)
    return sa.CheckConstraint(f"status IN ({values})", name=f"ck_{table}_status")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class Dataset(db.Model):
    __tablename__ = "datasets"
    __table_args__ = (_status_check("datasets", DATASET_STATUSES),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(512), default="")
    name: Mapped[str] = mapped_column(sa.String(255))
    uploaded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    # `metadata` is reserved on declarative classes, so the attribute is `meta`.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, default=dict)
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    error_message: Mapped[str] = mapped_column(sa.Text, default="")

    user: Mapped[User] = relationship()
    sessions: Mapped[list[AnalysisSession]] = relationship(
        back_populates="dataset", cascade="all, delete-orphan", passive_deletes=True
    )


class AnalysisSession(db.Model):
    __tablename__ = "analysis_sessions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    dataset_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    dataset: Mapped[Dataset] = relationship(back_populates="sessions")
    queries: Mapped[list[QueryLog]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="QueryLog.created_at",
    )


class QueryLog(db.Model):
    __tablename__ = "query_logs"
    __table_args__ = (
        _status_check("query_logs", QUERY_STATUSES),
        sa.Index("ix_query_logs_session_created", "session_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("analysis_sessions.id", ondelete="CASCADE")
    )
    prompt: Mapped[str] = mapped_column(sa.Text)
    response_text: Mapped[str] = mapped_column(sa.Text, default="")
    response_plot_json: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="success")
    error_message: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    generated_code: Mapped[str] = mapped_column(sa.Text, default="")
    engine: Mapped[str] = mapped_column(sa.String(200), default="")
    # "number", "text", "table" or "figure"; tables keep their (capped) rows as JSON.
    result_kind: Mapped[str] = mapped_column(sa.String(16), default="")
    response_table_json: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    latency_ms: Mapped[int | None] = mapped_column(nullable=True)
    llm_ms: Mapped[int | None] = mapped_column(nullable=True)
    exec_ms: Mapped[int | None] = mapped_column(nullable=True)
    retries: Mapped[int] = mapped_column(default=0)
    input_tokens: Mapped[int | None] = mapped_column(nullable=True)
    output_tokens: Mapped[int | None] = mapped_column(nullable=True)

    session: Mapped[AnalysisSession] = relationship(back_populates="queries")
