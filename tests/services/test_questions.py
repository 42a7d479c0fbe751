"""Questions answered by the model end to end through a local Bedrock endpoint: litellm's real code path
(SigV4, Converse), PandasAI's Agent, the sandbox, and the QueryLog written for every outcome."""
import dataclasses
import threading
import time

import pytest

from insight_dash.extensions import db
from insight_dash.models import QueryLog
from insight_dash.services import figures, questions
from insight_dash.services.conversations import context_window, create_session
from tests.fakes.bedrock import (GOVCLOUD_MODEL, Reply, access_denied, code_reply, malformed, slow, throttled,
                                 too_long)
from tests.harness.files import write_sensor_csv

BAR_CODE = """
import plotly.express as px
df = execute_sql_query("SELECT unit, avg(temperature_c) AS mean_temperature_c FROM sensors GROUP BY unit ORDER BY unit")
fig = px.bar(df, x="unit", y="mean_temperature_c", title="Mean temperature by unit",
             labels={"unit": "Unit", "mean_temperature_c": "Mean temperature (°C)"})
result = {"type": "plot", "value": fig}
"""
COUNT_CODE = 'df = execute_sql_query("SELECT count(*) AS n FROM sensors")\nresult = {"type": "number", "value": int(df["n"][0])}'


@pytest.fixture
def session(upload, app_ctx, make_user, tmp_path):
    alice = make_user("alice")
    dataset = upload(alice, write_sensor_csv(tmp_path / "sensors.csv", rows=300))
    return alice, create_session(alice, dataset.id)


def test_question_yields_a_plotly_figure(engine, bedrock, session):
    alice, chat = session
    bedrock.queue(code_reply(BAR_CODE))
    entry = questions.ask(alice, chat.id, "Plot the mean temperature by unit")
    assert entry.status == "success", entry.error_message
    assert entry.result_kind == "figure"
    figure = entry.response_plot_json
    assert figure["data"][0]["type"] == "bar" and figure["data"][0]["x"] == ["U1", "U2", "U3"]
    assert "Mean temperature (°C)" in figure["data"][0]["hovertemplate"]
    assert entry.response_text == "Mean temperature by unit"
    assert "px.bar" in entry.generated_code
    assert entry.engine == GOVCLOUD_MODEL and (entry.input_tokens, entry.output_tokens) == (120, 40)
    assert entry.llm_ms is not None and entry.exec_ms > 0 and entry.latency_ms >= entry.exec_ms
    [request] = bedrock.requests
    assert request["signed"] and request["path"].endswith("/converse")
    assert "plotly" in bedrock.prompts()[0] and "Plot the mean temperature by unit" in bedrock.prompts()[0]
    assert 'dimensions="300x5"' in bedrock.prompts()[0]  # the whole table's size, though it sees 5 rows


def test_a_question_cancelled_while_the_model_writes_its_code_stays_cancelled(engine, bedrock, session, app_ctx):
    alice, chat = session
    bedrock.queue(dataclasses.replace(code_reply(COUNT_CODE), delay_s=1))  # within the test timeout (2 s)
    entry = questions.start_question(alice, chat.id, "How many readings are there?")
    answered = {}

    def answer():  # the job: a thread, which Cancel cannot stop
        with app_ctx.app_context():
            answered["status"] = questions.finish_question(db.session.get(type(alice), alice.id), entry.id).status

    job = threading.Thread(target=answer)
    job.start()
    while not bedrock.requests and job.is_alive():
        time.sleep(0.05)
    questions.cancel_question(alice, entry.id)
    job.join(60)
    assert answered == {"status": "error"}
    db.session.refresh(entry)
    assert (entry.status, entry.error_message, entry.response_text) == ("error", questions.CANCELLED, "")


def test_table_and_number_answers(engine, bedrock, session):
    alice, chat = session
    bedrock.queue(code_reply(COUNT_CODE), code_reply(
        'df = execute_sql_query("SELECT unit, count(*) AS readings FROM sensors GROUP BY unit ORDER BY unit")\n'
        'result = {"type": "dataframe", "value": df}'))
    number = questions.ask(alice, chat.id, "How many readings are there?")
    assert (number.result_kind, number.response_text) == ("number", "300")
    table = questions.ask(alice, chat.id, "Readings per unit")
    assert table.result_kind == "table" and table.response_table_json["columns"] == ["unit", "readings"]
    assert table.response_table_json["row_count"] == 3


@pytest.mark.parametrize(("replies", "kind_phrase"), [
    ([throttled(), throttled(), throttled()], "too many requests"),
    ([slow(4), slow(4), slow(4)], "took too long"),
    ([access_denied()], "not allowed to use the model"),
    ([malformed(), malformed(), malformed()], "could not be read"),
    ([Reply(text="")], "empty answer"),
    ([Reply(text="I cannot help with that.")], "did not contain usable analysis code"),
    ([code_reply("execute_sql_query('SELECT 1')\nimport os\nos.system('id')")], "refused by the safety check (import"),
    ([code_reply('execute_sql_query("SELECT 1")\nresult = {"type": "plot", "value": "/tmp/chart.png"}')] * 2,
     "library Insight cannot show interactively"),
    ([code_reply('execute_sql_query("SELECT 1")\nx = 1 / 0')] * 2, "The analysis code failed: ZeroDivisionError"),
])
def test_each_fault_becomes_an_error_with_its_own_message(engine, bedrock, session, replies, kind_phrase):
    alice, chat = session
    bedrock.queue(*replies)
    entry = questions.ask(alice, chat.id, "Plot something")
    assert entry.status == "error"
    assert kind_phrase in entry.error_message
    assert "Traceback" not in entry.error_message
    stored = db.session.get(QueryLog, entry.id)
    assert stored.prompt == "Plot something" and stored.status == "error"


def test_throttling_is_retried_with_backoff(engine, bedrock, session):
    alice, chat = session
    bedrock.queue(throttled(), code_reply(COUNT_CODE))
    entry = questions.ask(alice, chat.id, "How many readings?")
    assert entry.status == "success" and entry.retries == 1 and len(bedrock.requests) == 2


def test_a_matplotlib_chart_gets_one_corrective_retry(engine, bedrock, session):
    alice, chat = session
    bedrock.queue(code_reply('execute_sql_query("SELECT 1")\nresult = {"type": "plot", "value": "/tmp/c.png"}'),
                  code_reply(BAR_CODE))
    entry = questions.ask(alice, chat.id, "Chart the mean temperature by unit")
    assert entry.status == "success" and entry.result_kind == "figure" and entry.retries == 1


def test_context_length_retries_once_with_a_smaller_window(engine, bedrock, session):
    alice, chat = session
    for n in range(4):
        bedrock.queue(code_reply(COUNT_CODE))
        questions.ask(alice, chat.id, f"Question {n}")
    bedrock.queue(too_long(), code_reply(COUNT_CODE))
    entry = questions.ask(alice, chat.id, "One more")
    assert entry.status == "success"
    first, second = bedrock.prompts()[-2:]
    assert "Q4: Question 3" in first and "Question 0" in first
    assert "Question 0" not in second and "Question 3" in second


def test_follow_up_sees_the_previous_answer(engine, bedrock, session):
    alice, chat = session
    bedrock.queue(code_reply(BAR_CODE), code_reply(COUNT_CODE))
    questions.ask(alice, chat.id, "Plot the mean temperature by unit")
    questions.ask(alice, chat.id, "Now split that by status")
    follow_up = bedrock.prompts()[-1]
    assert "Q1: Plot the mean temperature by unit" in follow_up
    assert 'A1: a bar chart of Mean temperature (°C) by Unit titled "Mean temperature by unit"' in follow_up
    assert "Question: Now split that by status" in follow_up


def test_someone_elses_session_is_not_found(engine, session, make_user):
    _, chat = session
    with pytest.raises(questions.NotFound):
        questions.ask(make_user("bob"), chat.id, "How many readings?")


def test_unreachable_endpoint(engine, session, unused_tcp_url, app_ctx, monkeypatch):
    alice, chat = session
    monkeypatch.setitem(app_ctx.extensions, "insight_settings",
                        dataclasses.replace(engine, llm_endpoint_url=unused_tcp_url))
    entry = questions.ask(alice, chat.id, "How many readings?")
    assert entry.status == "error" and "cannot be reached" in entry.error_message


def test_missing_credentials(engine, session, monkeypatch, tmp_path):
    alice, chat = session
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    entry = questions.ask(alice, chat.id, "How many readings?")
    assert entry.status == "error" and "credentials" in entry.error_message


def test_every_sheet_of_a_workbook_is_a_table(upload, engine, bedrock, app_ctx, make_user, tmp_path):
    from tests.harness.files import write_messy_workbook

    bob = make_user("bob")
    dataset = upload(bob, write_messy_workbook(tmp_path / "budget.xlsx"))
    chat = create_session(bob, dataset.id)
    bedrock.queue(code_reply(
        'b = execute_sql_query("SELECT sum(budget_q1) AS q1 FROM budget_fy26")\n'
        'n = execute_sql_query("SELECT count(*) AS n FROM line_items")\n'
        'result = {"type": "number", "value": float(b["q1"][0]) + int(n["n"][0])}'))
    entry = questions.ask(bob, chat.id, "Budget Q1 total plus the number of line items")
    assert entry.status == "success", entry.error_message
    assert entry.response_text == "3,774.5"  # 1234.5 + 2000 + 500, plus 40 line items
    prompt = bedrock.prompts()[0]
    assert "budget_fy26" in prompt and "line_items" in prompt
    assert "budget_q1" in prompt and "'Budget Q1'" in prompt  # the identifier, and the name people use


def test_an_oversized_figure_is_refused(engine, bedrock, session, monkeypatch):
    alice, chat = session
    monkeypatch.setattr(figures, "MAX_FIGURE_BYTES", 200)
    bedrock.queue(code_reply(BAR_CODE))
    entry = questions.ask(alice, chat.id, "Plot the mean temperature by unit")
    assert entry.status == "error" and "too large" in entry.error_message


def test_a_follow_up_keeps_its_answer_in_context_beyond_the_window(engine, bedrock, session, monkeypatch):
    alice, chat = session
    bedrock.queue(code_reply(BAR_CODE), code_reply(COUNT_CODE), code_reply(COUNT_CODE))
    chart = questions.ask(alice, chat.id, "Plot the mean temperature by unit")
    questions.ask(alice, chat.id, "How many readings?")
    monkeypatch.setattr(questions, "context_window",
                        lambda user, session_id: context_window(user, session_id, max_entries=1))
    entry = questions.start_question(alice, chat.id, "Now only for unit U2", follow_up_of=chart.id)
    questions.finish_question(alice, entry.id)
    prompt = bedrock.prompts()[-1]
    assert "Plot the mean temperature by unit" in prompt and "How many readings?" in prompt
    assert entry.follow_up_of_id == chart.id


def test_a_follow_up_stays_in_its_conversation(engine, session):
    alice, chat = session
    other = create_session(alice, chat.dataset_id)
    earlier = questions.start_question(alice, other.id, "How many readings?")
    with pytest.raises(questions.NotFound):
        questions.start_question(alice, chat.id, "And by unit?", follow_up_of=earlier.id)


def test_a_failed_question_is_retried_as_a_new_entry(engine, bedrock, session):
    alice, chat = session
    bedrock.queue(access_denied(), code_reply(COUNT_CODE))
    failed = questions.ask(alice, chat.id, "How many readings?")
    assert failed.status == "error"
    retried = questions.retry_question(alice, failed.id)
    assert (retried.prompt, retried.status) == ("How many readings?", "running") and retried.id != failed.id
    assert questions.finish_question(alice, retried.id).response_text == "300"
    with pytest.raises(questions.InvalidInput):
        questions.retry_question(alice, retried.id)


EXPLAINED = ('df = execute_sql_query("SELECT count(*) AS n FROM sensors WHERE status = \'alarm\'")\n'
             'n = int(df["n"][0])\n'
             'result = {"type": "number", "value": n, "rows_used": n, "columns_used": ["status"], '
             '"explanation": f"Counted rows of sensors where status = alarm: {n} of 300 rows."}')


def test_a_model_explanation_is_kept_when_its_columns_exist_and_were_used(engine, bedrock, session):
    alice, chat = session
    bedrock.queue(code_reply(EXPLAINED))
    entry = questions.ask(alice, chat.id, "How many alarms?")
    assert entry.explanation == f"Counted rows of sensors where status = alarm: {entry.response_text} of 300 rows."
    facts = entry.explanation_facts
    assert facts["checked"] is True and facts["source"] == "model" and facts["columns"] == ["status"]
    assert facts["filters"] == ["status = 'alarm'"] and facts["rows_total"] == 300


def test_a_model_explanation_naming_a_column_that_does_not_exist_is_not_shown(engine, bedrock, session):
    alice, chat = session
    bedrock.queue(code_reply(EXPLAINED.replace('["status"]', '["alarm_flag"]').replace("status = alarm", "alarm_flag = 1")))
    entry = questions.ask(alice, chat.id, "How many alarms?")
    assert "alarm_flag" not in entry.explanation
    assert entry.explanation.startswith("Computed from sensors using status, rows where status = 'alarm'")
    assert entry.explanation_facts["checked"] is False and "alarm_flag" in entry.explanation_facts["note"]


def test_a_model_explanation_naming_columns_its_code_never_read_is_not_shown(engine, bedrock, session):
    alice, chat = session
    bedrock.queue(code_reply(EXPLAINED.replace('["status"]', '["status", "pressure_kpa"]')))
    entry = questions.ask(alice, chat.id, "How many alarms?")
    assert entry.explanation_facts["checked"] is False and "pressure_kpa" in entry.explanation_facts["note"]


def test_an_answer_the_model_did_not_explain_is_explained_from_its_sql(engine, bedrock, session):
    alice, chat = session
    bedrock.queue(code_reply(BAR_CODE))
    entry = questions.ask(alice, chat.id, "Plot the mean temperature by unit")
    assert entry.explanation == ("Computed from sensors using unit, temperature_c, grouped by unit, "
                                 "with AVG(temperature_c).")
    assert "did not say how" in entry.explanation_facts["note"]


def test_a_model_that_cannot_answer_declines_instead_of_guessing(engine, bedrock, session):
    alice, chat = session
    bedrock.queue(code_reply('execute_sql_query("SELECT 1")\n'
                             'result = {"type": "decline", "value": "There is no humidity column."}'))
    entry = questions.ask(alice, chat.id, "What is the average humidity?")
    assert (entry.status, entry.result_kind) == ("success", "declined")
    assert entry.response_text == "There is no humidity column." and entry.explanation.startswith("Nothing was computed")


def test_the_prompt_allows_the_imports_the_sandbox_allows(engine, bedrock, session, app_ctx, monkeypatch):
    alice, chat = session
    monkeypatch.setitem(app_ctx.extensions, "insight_settings",
                        dataclasses.replace(engine, sandbox_allowed_imports=frozenset({"pandas", "plotly", "math"})))
    bedrock.queue(code_reply(COUNT_CODE))
    questions.ask(alice, chat.id, "How many readings?")
    assert "Import only math, pandas or plotly." in bedrock.prompts()[0]


def test_a_follow_up_sees_how_the_previous_answer_was_computed(engine, bedrock, session):
    alice, chat = session
    bedrock.queue(code_reply(EXPLAINED), code_reply(COUNT_CODE))
    first = questions.ask(alice, chat.id, "How many alarms?")
    questions.ask(alice, chat.id, "And how many of them at unit U2?")
    assert f"How A1 was computed: {first.explanation}" in bedrock.prompts()[-1]
