"""Human-readable values for tables and badges."""
from datetime import datetime, timezone

STATUS_COLORS = {"pending": "secondary", "processing": "info", "ready": "success", "error": "danger"}


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
