"""Fixtures for page tests: a ready dataset owned by alice, uploaded through the service."""
import shutil

import pytest

from insight_dash.services.ingest import receive_upload
from insight_dash.jobs.threads import wait_for_jobs
from insight_dash.services.users import find_user
from tests.harness.files import write_sensor_csv


@pytest.fixture
def alice_dataset_id(app, make_user, tmp_path) -> str:
    """The id of a ready 250-row sensor dataset that belongs to alice."""
    make_user("alice")
    upload = shutil.copy(write_sensor_csv(tmp_path / "sensors.csv", rows=250), tmp_path / "upload.csv")
    with app.app_context():
        dataset_id = str(receive_upload(find_user("alice"), "sensors.csv", upload).id)
    wait_for_jobs(timeout=60)
    return dataset_id
