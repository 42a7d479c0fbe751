"""The background-callback managers (this host's line of jobs: tests/test_job_queue.py). With
INSIGHT_JOBS=celery: a real Redis server, the README's Celery worker command and a web process, each a process of its own with its own data
folder (as separate hosts would be), sharing the database and the S3 bucket. The web process
only queues the job and answers the browser's polls; the worker answers the question."""
import shutil
import uuid
from types import SimpleNamespace

import diskcache
import pytest

from insight_dash.jobs.managers import JobsOnCelery, JobsOnHost, celery_for
from insight_dash.jobs.queue import HostQueue
from insight_dash.models import QueryLog
from tests.harness.clients import (TEST_PASSWORD, CallbackResult, SignedInClient, answer, ask, open_workspace,
                                  show_answers, wait_until_ready)
from tests.harness.files import write_sensor_csv
from tests.harness.servers import Deployment


def test_a_result_stored_as_the_job_stops_still_reaches_the_browser(managers, tmp_path):
    class JobStopsWhileAsked(JobsOnHost):
        def job_running(self, job):
            self.handle.set("key", ["the answer"])  # the job stores its result and ends just now
            return False

    manager = JobStopsWhileAsked(diskcache.Cache(str(tmp_path)), HostQueue(tmp_path / "turns.sqlite", limit=1))
    managers(manager)
    assert manager.get_result("key", "4242") == ["the answer"]
    assert "key" not in manager.handle  # read once, then gone, as Dash does


def test_celery_jobs_get_the_user_but_not_the_request_cookies(managers):
    manager = JobsOnCelery(celery_for("redis://127.0.0.1:9/0"))  # nothing is sent in this test
    managers(manager)
    sent = []
    job_fn = SimpleNamespace(delay=lambda *args: sent.append(args) or SimpleNamespace(task_id="task-1"))
    context = {"custom_data": {"insight_user_id": 7}, "cookies": {"session": "secret"},
               "headers": {"Cookie": "session=secret"}, "triggered_inputs": []}
    assert manager.call_job_fn("key", job_fn, [{"query_id": 1}], context) == "task-1"
    sent_context = sent[0][3]
    assert sent_context["custom_data"] == {"insight_user_id": 7}
    assert "cookies" not in sent_context and "headers" not in sent_context


@pytest.mark.skipif(shutil.which("redis-server") is None,
                    reason="needs redis-server on PATH (scripts/test.sh installs it with apt)")
def test_a_question_is_answered_by_the_celery_worker(app_processes, shared_database, s3_endpoint, s3_bucket,
                                                     tmp_path):
    database = shared_database("insight_celery_jobs", "alice")
    deployment = Deployment(database.url, s3_endpoint, s3_bucket, jobs="celery", redis_url=app_processes.redis())
    app_processes.celery_worker(deployment.env(tmp_path / "worker"))
    # The web process runs no analysis code in this mode: the worker's host has the sandbox.
    web_url = app_processes.serve("web", deployment.env(tmp_path / "web", INSIGHT_SANDBOX_AUTOSTART="false"))
    app_processes.wait_ready()
    web = SignedInClient(web_url, "alice", TEST_PASSWORD)
    dataset_id = web.upload(write_sensor_csv(tmp_path / "sensors.csv", rows=250))
    wait_until_ready(web, dataset_id)
    _, session_id = open_workspace(web, dataset_id)

    def asked(question: str) -> tuple[QueryLog, str, CallbackResult]:
        """Ask, then run the answer's job as the browser does; returns the QueryLog, the task id
        behind the signed job handle, and what the browser received."""
        pending = ask(web, dataset_id, session_id, question)
        assert database.get(QueryLog, pending["query_id"]).status == "running"
        answered = answer(web, pending)
        return database.get(QueryLog, pending["query_id"]), answered.job.rpartition("~")[0], answered

    count, count_task, outputs = asked("How many readings are there?")
    assert (count.status, count.response_text) == ("success", "250")
    assert outputs.output("answers-changed", "data")
    assert "250" in str(show_answers(web, dataset_id, session_id).output("answers", "children"))
    # The next job runs in the same worker process, on the database pool that process opened.
    per_unit, per_unit_task, _ = asked("How many readings per unit?")
    assert (per_unit.status, per_unit.result_kind) == ("success", "table")

    # The job handles are Celery task ids (a diskcache job's would be a process id), and the
    # worker's log shows those tasks run there.
    worker_log = app_processes.log("worker")
    for task_id in (count_task, per_unit_task):
        uuid.UUID(task_id)
        assert f"[{task_id}] succeeded" in worker_log, worker_log[-4000:]
    assert "Traceback" not in worker_log and "Traceback" not in app_processes.log("web")
    # The user travelled as custom_data; the request's cookies stayed on the web side.
    assert web.cookies["session"] not in worker_log
