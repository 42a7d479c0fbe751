"""The sandbox for the security suites: this session's zygote, and a tiny dataset."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from insight_dash.sandbox.client import ensure_zygote


@pytest.fixture(scope="session")
def sandbox(session_app):
    """The settings of the running zygote (started by the app), and its self-description."""
    settings = session_app.extensions["insight_settings"]
    return settings, ensure_zygote(settings)


@pytest.fixture(scope="session")
def sensor_parquet(tmp_path_factory) -> Path:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"unit": rng.choice(["U1", "U2", "U3"], 5000), "temperature_c": rng.normal(60, 5, 5000)})
    path = tmp_path_factory.mktemp("sandbox-data") / "sensors.parquet"
    frame.to_parquet(path)
    path.chmod(0o600)  # private to the app's user, as the real tables are
    return path
