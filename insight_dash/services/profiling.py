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
    present = pc.drop_null(column)
    if kind == "number":
        present = pc.filter(present, pc.invert(pc.is_nan(pc.cast(present, pa.float64()))))
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
        values = pc.cast(present, pa.float64())
        bounds = pc.min_max(values).as_py()
        profile.update(min=json_safe(bounds["min"]), max=json_safe(bounds["max"]),
                       mean=json_safe(pc.mean(values).as_py()), histogram=_histogram(values))
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


def _histogram(values: pa.Array | pa.ChunkedArray) -> dict[str, list[float]]:
    counts, edges = np.histogram(np.asarray(values), bins=HISTOGRAM_BINS)
    return {"counts": counts.tolist(), "edges": [json_safe(float(edge)) for edge in edges]}
