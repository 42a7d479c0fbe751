"""Column profiles for the metadata: the spec's schema plus what the preview panel shows."""
from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SAMPLE_VALUES = 5
TOP_VALUES = 5
# Every value of a column with few of them, so a question can name any ("vendor Vendor 37").
ALL_VALUES = 200
HISTOGRAM_BINS = 12


def profile_table(frame: pd.DataFrame) -> dict[str, Any]:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    return {
        "row_count": table.num_rows,
        "column_count": table.num_columns,
        "columns": [profile_column(name, table.column(name), frame[name].dtype)
                    for name in table.column_names],
    }


def profile_column(name: str, column: pa.ChunkedArray, dtype: Any) -> dict[str, Any]:
    kind = column_kind(column.type)
    present = pc.drop_null(column) if column.null_count else column
    if kind == "number" and pa.types.is_floating(column.type) and pc.any(pc.is_nan(present)).as_py():
        present = pc.filter(present, pc.invert(pc.is_nan(present)))
    profile: dict[str, Any] = {
        "name": name,
        "dtype": str(dtype),
        "kind": kind,
        "null_count": column.null_count,
        "sample_values": [json_safe(v) for v in pc.unique(present.slice(0, 1000)).to_pylist()[:SAMPLE_VALUES]],
    }
    if len(present) == 0:
        return profile
    if kind == "number":
        profile.update(_number_summary(present))
    elif kind == "datetime":
        bounds = pc.min_max(present).as_py()
        profile.update(min=json_safe(bounds["min"]), max=json_safe(bounds["max"]))
    elif kind in ("text", "boolean"):
        counts = pc.value_counts(present)
        order = pc.sort_indices(counts.field("counts"), sort_keys=[("", "descending")])[:TOP_VALUES]
        top = counts.take(order).to_pylist()
        profile["distinct_count"] = len(counts)
        profile["top_values"] = [{"value": json_safe(item["values"]), "count": item["counts"]} for item in top]
        if len(counts) <= ALL_VALUES:
            profile["values"] = sorted(json_safe(value) for value in counts.field("values").to_pylist())
    return profile


def column_kind(data_type: pa.DataType) -> str:
    if pa.types.is_boolean(data_type):
        return "boolean"
    if pa.types.is_integer(data_type) or pa.types.is_floating(data_type) or pa.types.is_decimal(data_type):
        return "number"
    if pa.types.is_timestamp(data_type) or pa.types.is_date(data_type):
        return "datetime"
    if pa.types.is_string(data_type) or pa.types.is_large_string(data_type):
        return "text"
    return "other"


def json_safe(value: Any) -> Any:
    """A value JSONB and the browser can hold: ISO text for dates, None for NaN."""
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return json_safe(value.item())
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _number_summary(present: pa.ChunkedArray) -> dict[str, Any]:
    """Minimum, maximum, mean and histogram of a number column's present values. One float64
    copy in numpy serves all four, in half the time Arrow's kernels take walking every chunk."""
    data = np.asarray(pc.cast(present, pa.float64()).combine_chunks())
    low, high = float(data.min()), float(data.max())
    shown = (low, high)
    if pa.types.is_decimal(present.type):  # Arrow's cast to float rounds -3.30 to -3.3000000000000003
        shown = tuple(float(bound) for bound in pc.min_max(present).as_py().values())
    return {"min": json_safe(shown[0]), "max": json_safe(shown[1]), "mean": json_safe(float(data.mean())),
            "histogram": _histogram(data, low, high)}


def _histogram(data: np.ndarray, low: float, high: float) -> dict[str, list[float]]:
    """Equal-width bins from the column's minimum to its maximum, counted in one pass (what
    numpy's histogram computes, without its extra passes for the range and the edges)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return {"counts": [], "edges": []}  # infinities: no bins to draw
    edges = np.linspace(low, high, HISTOGRAM_BINS + 1)
    if high > low:
        scaled = np.subtract(data, low)
        scaled *= HISTOGRAM_BINS / (high - low)
        bins = scaled.astype(np.intp)
        del scaled
        np.minimum(bins, HISTOGRAM_BINS - 1, out=bins)  # the maximum falls in the last bin
        counts = np.bincount(bins, minlength=HISTOGRAM_BINS)
    else:
        counts = np.zeros(HISTOGRAM_BINS, dtype=np.int64)
        counts[HISTOGRAM_BINS // 2] = len(data)  # numpy's histogram puts a single value mid-range
        edges = np.linspace(low - 0.5, high + 0.5, HISTOGRAM_BINS + 1)
    return {"counts": counts.tolist(), "edges": [json_safe(float(edge)) for edge in edges]}
