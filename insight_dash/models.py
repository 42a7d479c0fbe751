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
# A new version is parsed ("processing"), then waits for its owner to read the drift report
# ("review"); confirmed it is "ready" (the current one is the dataset's `version`).
VERSION_STATUSES = ("processing", "review", "ready", "error")
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
    # The number of the current version; `meta`, `storage_key` and `size_bytes` are that version's.
    version: Mapped[int] = mapped_column(default=1)

    user: Mapped[User] = relationship()
    versions: Mapped[list[DatasetVersion]] = relationship(
        back_populates="dataset", cascade="all, delete-orphan", passive_deletes=True,
        order_by="DatasetVersion.number.desc()"
    )
    sessions: Mapped[list[AnalysisSession]] = relationship(
        back_populates="dataset", cascade="all, delete-orphan", passive_deletes=True
    )


class DatasetVersion(db.Model):
    """One uploaded file of a dataset: who, when, which file, its tables (the `meta` schema) and,
    for every version after the first, its drift from the version that was current."""

    __tablename__ = "dataset_versions"
    __table_args__ = (_status_check("dataset_versions", VERSION_STATUSES),
                      sa.UniqueConstraint("dataset_id", "number", name="uq_dataset_versions_number"))

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    dataset_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    file_name: Mapped[str] = mapped_column(sa.String(255))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    storage_key: Mapped[str] = mapped_column(sa.String(512), default="")
    status: Mapped[str] = mapped_column(sa.String(16), default="processing")
    meta: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    drift: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    error_message: Mapped[str] = mapped_column(sa.Text, default="")

    dataset: Mapped[Dataset] = relationship(back_populates="versions")
    uploaded_by: Mapped[User | None] = relationship()


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
        # Every answer says how it was computed.
        sa.CheckConstraint("status <> 'success' OR explanation <> ''", name="ck_query_logs_explained"),
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
    # "number", "text", "boolean", "list", "table", "figure" or "declined"; tables and lists keep
    # their (capped) rows as JSON.
    result_kind: Mapped[str] = mapped_column(sa.String(16), default="")
    response_table_json: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    # One plain sentence on what was computed from which rows, and the facts behind it (table,
    # columns, filters, grouping, aggregation, rows used; for a decline, the words not understood).
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    explanation_facts: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    latency_ms: Mapped[int | None] = mapped_column(nullable=True)
    llm_ms: Mapped[int | None] = mapped_column(nullable=True)
    exec_ms: Mapped[int | None] = mapped_column(nullable=True)
    retries: Mapped[int] = mapped_column(default=0)
    input_tokens: Mapped[int | None] = mapped_column(nullable=True)
    output_tokens: Mapped[int | None] = mapped_column(nullable=True)
    # "Ask a follow-up" on an earlier answer keeps that answer in the prompt's context.
    follow_up_of_id: Mapped[int | None] = mapped_column(
        sa.BigInteger, sa.ForeignKey("query_logs.id", ondelete="SET NULL"), nullable=True
    )
    # The dataset version the answer was computed on.
    dataset_version: Mapped[int | None] = mapped_column(nullable=True)

    session: Mapped[AnalysisSession] = relationship(back_populates="queries")
    follow_up_of: Mapped[QueryLog | None] = relationship(remote_side=[id])


PIN_KINDS = ("figure", "number", "table")


class PinnedFigure(db.Model):
    """An answer kept in the gallery (a chart, a number or a table) with its question, code and how
    it was computed. "Refresh" re-runs the code on the dataset's current version: the newest
    result is shown, the one before it kept; a run that fails leaves the pin stale, with why."""

    __tablename__ = "pinned_figures"
    __table_args__ = (sa.UniqueConstraint("user_id", "query_id", name="uq_pinned_figures_user_query"),
                      sa.CheckConstraint("kind IN ('figure', 'number', 'table')", name="ck_pinned_figures_kind"))

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    dataset_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    # The figure outlives its conversation: deleting a session keeps what was pinned from it.
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("analysis_sessions.id", ondelete="SET NULL"), nullable=True
    )
    query_id: Mapped[int | None] = mapped_column(
        sa.BigInteger, sa.ForeignKey("query_logs.id", ondelete="SET NULL"), nullable=True
    )
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    question: Mapped[str] = mapped_column(sa.Text, default="")
    code: Mapped[str] = mapped_column(sa.Text, default="")
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[str] = mapped_column(sa.String(16), default="figure")
    # A chart's Plotly JSON; a number or table is drawn as one (an indicator, a table trace), and
    # its value kept in `value_json` ({"value": n} or {"columns", "rows", "row_count"}).
    figure_json: Mapped[dict[str, Any]] = mapped_column(JSONB)
    value_json: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    dataset_version: Mapped[int] = mapped_column(default=1)
    computed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    previous: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)  # the result before, as above
    change: Mapped[str] = mapped_column(sa.Text, default="")  # "404 -> 431, +6.7%" for numbers and tables
    stale_reason: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    dataset: Mapped[Dataset] = relationship()


view_shares = sa.Table(
    "view_shares",
    db.metadata,
    sa.Column("view_id", UUID(as_uuid=True), sa.ForeignKey("views.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class View(db.Model):
    """A named dashboard of pinned figures; its owner edits it, people it is shared with read it."""

    __tablename__ = "views"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    shared_with_everyone: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship()
    items: Mapped[list[ViewItem]] = relationship(
        back_populates="view", cascade="all, delete-orphan", passive_deletes=True, order_by="ViewItem.position"
    )
    shared_with: Mapped[list[User]] = relationship(secondary=view_shares, order_by="User.username")


class ViewItem(db.Model):
    __tablename__ = "view_items"

    view_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("views.id", ondelete="CASCADE"), primary_key=True)
    figure_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("pinned_figures.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(default=0)

    view: Mapped[View] = relationship(back_populates="items")
    figure: Mapped[PinnedFigure] = relationship()
