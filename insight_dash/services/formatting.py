"""Values as people read them: numbers in answers and explanations (1,234.5, not
1234.4999999999), sizes, counts and times in tables, badges and exports."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def format_number(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "no value" if value is None else str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        if abs(value) < 0.01:
            return f"{value:.3g}"
        return f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) < 1e15 else f"{value:.6g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def human_size(size_bytes: int) -> str:
    if size_bytes < 1024:
        return f"{size_bytes} B"
    size = size_bytes / 1024
    for unit in ("KB", "MB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def human_count(count: int | None) -> str:
    return "—" if count is None else f"{count:,}"


def human_time(moment: datetime, now: datetime | None = None) -> str:
    """'just now', '5 min ago', '3 h ago', then the date."""
    now = now or datetime.now(timezone.utc)
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return moment.strftime("%Y-%m-%d")


def calendar_time(moment: datetime) -> str:
    """'3 Dec 2026, 14:02 UTC': a moment that will be read again later (as of when a result holds)."""
    moment = moment.astimezone(timezone.utc)
    return f"{moment.day} {moment.strftime('%b %Y, %H:%M')} UTC"
