"""Numbers as answers and explanations show them: 1,234.5, not 1234.4999999999."""
from __future__ import annotations

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
