"""Faults the app must survive without a restart and without losing or half-writing anything:
the database restarting, storage going away during an upload, a sandbox worker killed in the
middle of a question, the model timing out while others use the app, and a Gunicorn worker
killed for its timeout. (Each model fault's message: tests/services/test_questions.py.)"""
import contextlib
import io
import os
import signal
import threading
import time

import psutil
import pytest
import requests
import sqlalchemy as sa

from insight_dash.extensions import db
from insight_dash.models import Dataset, QueryLog, User
from insight_dash.sandbox import client as sandbox
from insight_dash.services import questions
from insight_dash.services.conversations import create_session
from insight_dash.jobs.threads import wait_for_jobs
from insight_dash.services.storage import S3Storage
from tests.fakes.bedrock import code_reply, slow
from tests.harness.clients import SignedInClient, call_callback, render_page, urlpath
from tests.harness.files import write_sensor_csv
from tests.harness.servers import GunicornServer, create_bucket, moto_server


@pytest.fixture
def alice_client(client, make_user, sign_in):
    make_user("alice")
    sign_in(client, "alice")
    client.get("/")
    return client


def restart_postgres(server, downtime) -> None:
    """Stop the embedded server, run `downtime()` while it is down, and start it again."""
    from pgserver._commands import pg_ctl

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
    try:
        downtime()
    finally:
        server.ensure_postgres_running()


def test_the_app_rides_out_a_database_restart(app, alice_client, embedded_postgres):
    if embedded_postgres is None:
        pytest.skip("the suite runs on an external PostgreSQL (TEST_DATABASE_URL)")
    assert alice_client.get("/readyz").status_code == 200
    failures = {}

    def while_down():
        failures["ready"] = alice_client.get("/readyz")
        failures["page"] = render_page(alice_client, "/")
        failures["upload"] = alice_client.post(
            "/upload", data={"file": (io.BytesIO(b"a,b\n1,2\n"), "small.csv")}, content_type="multipart/form-data",
            headers={"X-CSRFToken": alice_client.get_cookie("_csrf_token").value})

    restart_postgres(embedded_postgres, while_down)
    assert failures["ready"].status_code == 503 and failures["ready"].get_json()["database"] == "unreachable"
    for name in ("page", "upload"):
        response = failures[name]
        assert response.status_code == 503, (name, response.get_data(as_text=True))
        assert "database is unavailable" in response.get_json()["error"]
    # Without a restart of the app: stale pooled connections are replaced (pool_pre_ping).
    assert alice_client.get("/readyz").status_code == 200
    assert "Datasets" in render_page(alice_client, "/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Dataset)) == 0  # no half-written row


def post_csv(client, content: bytes, name: str):
    return client.post("/upload", data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data",
                       headers={"X-CSRFToken": client.get_cookie("_csrf_token").value})


def test_storage_going_away_ends_uploads_in_a_clear_error(app, alice_client, tmp_path, monkeypatch):
    sensors = write_sensor_csv(tmp_path / "sensors.csv", rows=200).read_bytes()
    with moto_server() as (endpoint, process):
        storage = S3Storage(bucket=create_bucket(endpoint), region="us-gov-west-1", endpoint_url=endpoint)
        monkeypatch.setitem(app.extensions, "insight_storage", storage)
        assert post_csv(alice_client, sensors, "before.csv").status_code == 201
        wait_for_jobs(timeout=60)
        process.kill()
        process.wait()
        refused = post_csv(alice_client, sensors, "during.csv")
    assert refused.status_code == 503 and "unreachable" in refused.get_json()["error"]
    assert alice_client.get("/readyz").get_json()["storage"] == "unreachable"
    wait_for_jobs(timeout=60)
    with app.app_context():
        rows = {d.name: (d.status, d.error_message) for d in db.session.scalars(sa.select(Dataset))}
    assert rows["before.csv"] == ("ready", "")
    status, reason = rows["during.csv"]
    assert status == "error" and "unreachable" in reason  # ended, not left processing


LOOP = ('df = execute_sql_query("SELECT count(*) AS n FROM sensors")\ntotal = 0\nwhile True:\n    total += 1\n'
        "result = {'type': 'number', 'value': total}")
COUNT = 'df = execute_sql_query("SELECT count(*) AS n FROM sensors")\nresult = {"type": "number", "value": int(df["n"][0])}'


def test_a_sandbox_worker_killed_mid_question_ends_in_an_error_and_the_pool_heals(upload, engine, bedrock, app_ctx,
                                                                                   make_user, tmp_path):
    alice = make_user("alice")
    dataset = upload(alice, write_sensor_csv(tmp_path / "sensors.csv", rows=300))
    chat = create_session(alice, dataset.id)
    bedrock.queue(code_reply(LOOP), code_reply(COUNT))
    query_id = questions.start_question(alice, chat.id, "Count forever").id
    zygote = psutil.Process(sandbox.ping(engine)["pid"])
    worker = threading.Thread(target=answer_in_new_context, args=(app_ctx, alice.id, query_id))
    worker.start()
    assert kill_running_queries(zygote, until=worker.is_alive) > 0, "the question never reached the sandbox"
    worker.join(timeout=60)
    failed = db.session.get(QueryLog, query_id)
    db.session.refresh(failed)
    assert failed.status == "error"
    assert failed.error_message in (questions.SANDBOX_MESSAGES["memory"], questions.SANDBOX_MESSAGES["sandbox"])
    healed = questions.ask(alice, chat.id, "How many readings?")
    assert healed.status == "success" and healed.response_text == "300"
    assert sandbox.ping(engine)["pid"] == zygote.pid  # the host's zygote was never lost


def kill_running_queries(zygote: psutil.Process, until, timeout: float = 30) -> int:
    """SIGKILL every query runner (a grandchild of the zygote) while `until()` holds; how many."""
    killed = 0
    deadline = time.monotonic() + timeout
    while until() and time.monotonic() < deadline:
        for supervisor in zygote.children():
            with contextlib.suppress(psutil.NoSuchProcess):  # queries end while we look
                for runner in supervisor.children():
                    runner.kill()
                    killed += 1
        time.sleep(0.05)
    return killed


def browse_while_waiting(app, sign_in, dataset_id: str) -> list:
    """Readiness, the workspace and a grid page, as alice's browser asks for them: their
    statuses and how many rows the grid page brought."""
    browser = app.test_client()
    sign_in(browser, "alice")
    browser.get("/")
    grid = call_callback(browser, [("preview-grid", "getRowsRequest", {"startRow": 0, "endRow": 100})],
                         [("dataset-id", "data", dataset_id), ("table-select", "value", "sensors"),
                          ("preview-version", "value", None)])
    rows = grid.get_json()["response"]["preview-grid"]["getRowsResponse"]["rowData"]
    return [browser.get("/readyz").status_code, render_page(browser, f"/datasets/{dataset_id}").status_code,
            grid.status_code, len(rows)]


def in_thread(work):
    """Run `work` in a thread of its own: requests there get their own app context, as in a
    server, instead of sharing the test's."""
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(value=work()))
    thread.start()
    thread.join(timeout=60)
    return outcome["value"]


def answer_in_new_context(app, user_id: int, query_id: int) -> None:
    """finish_question as a background job runs it: its own app context and session."""
    with app.app_context():
        questions.finish_question(db.session.get(User, user_id), query_id)


def test_the_app_keeps_serving_while_the_model_times_out(upload, engine, bedrock, app_ctx, make_user, sign_in, tmp_path):
    alice = make_user("alice")
    dataset = upload(alice, write_sensor_csv(tmp_path / "sensors.csv", rows=300))
    dataset_id, chat = str(dataset.id), create_session(alice, dataset.id)
    bedrock.queue(slow(4), slow(4), slow(4))  # every try outlasts the 2 s model timeout
    query_id = questions.start_question(alice, chat.id, "How many readings?").id
    worker = threading.Thread(target=answer_in_new_context, args=(app_ctx, alice.id, query_id))
    worker.start()
    served = in_thread(lambda: browse_while_waiting(app_ctx, sign_in, dataset_id))
    still_running = worker.is_alive()
    worker.join(timeout=120)
    assert served == [200, 200, 200, 100] and still_running
    failed = db.session.get(QueryLog, query_id)
    db.session.refresh(failed)
    assert (failed.status, failed.error_message) == ("error", "The model took too long to answer. Please try again, "
                                                              "or ask a simpler question.")


def test_a_worker_killed_for_its_timeout_is_replaced_and_the_next_request_is_served():
    """Gunicorn as configured, one worker. The worker stops answering its master (SIGSTOP: what a
    C call holding the GIL, or a stuck page fault, looks like from outside); the master kills it
    after GUNICORN_TIMEOUT and boots another. The request in flight on the stuck worker's
    connection fails at once when it dies (no hang); the next one is served by the new worker,
    to the same signed-in user (sessions are signed with the shared SECRET_KEY, not kept in memory)."""
    with GunicornServer(workers=1, threads=2, timeout=3, graceful_timeout=2,
                        env={"INSIGHT_LOG_FORMAT": "text"}) as server:
        server.create_user("alice", "correct-horse-battery")
        browser = SignedInClient(server.url, "alice", "correct-horse-battery")
        (stuck,) = server.worker_pids()
        os.kill(stuck, signal.SIGSTOP)
        with pytest.raises(requests.ConnectionError):
            browser.get("/", timeout=120)  # on the kept-alive connection the stuck worker holds
        home = browser.get("/", timeout=120)  # a new connection, waiting until the new worker accepts
        assert home.status_code == 200 and not urlpath(home.url).startswith("/login")
        assert f"WORKER TIMEOUT (pid:{stuck})" in server.log_text()
        assert not psutil.pid_exists(stuck) or psutil.Process(stuck).status() == psutil.STATUS_ZOMBIE
        (replacement,) = server.worker_pids()
        assert replacement != stuck
        assert browser.get("/readyz").json()["status"] == "ok"
