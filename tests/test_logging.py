"""Structured logs: JSON lines that join up by request, user, dataset and session ids and carry
timings and verdicts, but never the data, the questions or secrets."""
import json
import logging

from insight_dash.logging_setup import JsonFormatter
from insight_dash.services import questions
from insight_dash.services.conversations import create_session
from tests.harness.clients import render_page
from tests.harness.files import write_sensor_csv


def json_lines(caplog, event: str) -> list[dict]:
    return [json.loads(JsonFormatter().format(record)) for record in caplog.records
            if getattr(record, "event", None) == event]


def test_a_question_logs_its_ids_timings_and_verdict_but_not_its_words(upload, app_ctx, chat, tmp_path, caplog):
    alice, _ = chat
    dataset = upload(alice, write_sensor_csv(tmp_path / "sensors.csv", rows=120))
    session = create_session(alice, dataset.id)
    with caplog.at_level(logging.INFO):
        entry = questions.ask(alice, session.id, "What is the average temperature_c for unit U3?")
        declined = questions.ask(alice, session.id, "What is the secret temperature_c?")
    question, _ = json_lines(caplog, "question")
    assert question["user_id"] == alice.id and question["dataset_id"] == str(dataset.id)
    assert question["session_id"] == str(session.id) and question["status"] == "success"
    assert {"latency_ms", "llm_ms", "exec_ms", "input_tokens", "output_tokens", "engine"} <= set(question)
    [verdict] = json_lines(caplog, "sandbox_run")
    assert verdict["ok"] is True and "kind" in verdict
    everything = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert declined.result_kind == "declined" and "secret" not in everything
    assert entry.prompt not in everything and entry.response_text not in everything


def test_callback_requests_name_the_callback_in_the_access_log(client, make_user, sign_in, caplog):
    make_user("alice")
    sign_in(client, "alice")
    client.get("/")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="insight.access"):
        render_page(client, "/")
    [line] = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "insight.access"]
    assert line["path"] == "/_dash-update-component" and "_pages_content.children" in line["callback"]
    assert line["status"] == 200 and line["latency_ms"] > 0 and len(line["request_id"]) == 32
