"""Parsing of ids that arrive from the browser (untrusted strings)."""
from __future__ import annotations

import uuid

from insight_dash.services.errors import NotFound


def parse_uuid(value: object, what: str) -> uuid.UUID:
    """A UUID, or NotFound: a malformed id is just another id that does not exist."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise NotFound(what) from None
