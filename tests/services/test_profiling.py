"""Column profiles: the figures the preview panel shows agree with numpy and pandas."""
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from insight_dash.services.profiling import HISTOGRAM_BINS, profile_table


def profile_of(values: list, arrow_type: pa.DataType) -> dict:
    frame = pd.DataFrame({"x": pd.array(values, dtype=pd.ArrowDtype(arrow_type))})
    return profile_table(frame)["columns"][0]


@pytest.mark.parametrize("values, arrow_type", [
    ([3, 1, 4, 1, 5, 9, 2, 6], pa.int64()),
    ([0.5, None, 2.25, -1.0, 7.75, None, 3.0], pa.float64()),
    ([Decimal("1.10"), Decimal("2.20"), Decimal("-3.30")], pa.decimal128(5, 2)),
    (list(np.random.default_rng(7).normal(50, 12, 10_000)), pa.float64()),
])
def test_number_profile_matches_numpy(values, arrow_type):
    profile = profile_of(values, arrow_type)
    present = np.array([float(v) for v in values if v is not None])
    counts, edges = np.histogram(present, bins=HISTOGRAM_BINS)
    assert profile["kind"] == "number"
    assert profile["null_count"] == len(values) - len(present)
    assert profile["min"] == present.min() and profile["max"] == present.max()
    assert profile["mean"] == pytest.approx(present.mean())
    assert profile["histogram"]["counts"] == counts.tolist()
    assert profile["histogram"]["edges"] == pytest.approx(edges.tolist())


def test_nan_is_left_out_of_a_number_profile():
    frame = pd.DataFrame({"x": pd.array([1.0, 2.0, 3.0], dtype=pd.ArrowDtype(pa.float64()))})
    frame["x"] = frame["x"].where(frame["x"] != 2.0, np.nan)  # NaN, not a missing value
    profile = profile_table(frame)["columns"][0]
    assert (profile["min"], profile["max"], profile["mean"]) == (1.0, 3.0, 2.0)
    assert sum(profile["histogram"]["counts"]) == 2


def test_a_constant_column_has_one_full_bin_mid_range():
    profile = profile_of([4.0] * 5, pa.float64())
    assert profile["histogram"]["counts"][HISTOGRAM_BINS // 2] == 5
    assert sum(profile["histogram"]["counts"]) == 5


def test_infinities_give_no_histogram_and_no_unstorable_numbers():
    profile = profile_of([1.0, float("inf"), 2.0], pa.float64())
    assert profile["histogram"] == {"counts": [], "edges": []}
    assert profile["max"] is None and profile["min"] == 1.0


def test_an_all_missing_column_has_counts_but_no_figures():
    profile = profile_of([None, None], pa.float64())
    assert profile["null_count"] == 2
    assert "min" not in profile and "histogram" not in profile
