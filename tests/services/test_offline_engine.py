"""The offline engine: one test per shape of answer through the whole path (planner, PandasAI,
sandbox), answers checked against pandas on the same data, each with its explanation; and
planning tests that it reads every word or declines naming the ones it did not."""
import pandas as pd
import pytest

from insight_dash.services import questions
from insight_dash.services.catalogue import Catalogue, Column, Table
from insight_dash.services.conversations import create_session
from insight_dash.services.offline import Decline, plan_question
from tests.harness.files import write_messy_workbook, write_sensor_csv


@pytest.fixture
def sensors(upload, app_ctx, make_user, tmp_path):
    alice = make_user("alice")
    path = write_sensor_csv(tmp_path / "sensors.csv", rows=600)
    dataset = upload(alice, path)
    return alice, create_session(alice, dataset.id), pd.read_csv(path, parse_dates=["timestamp"])


def answer(user, chat, question):
    entry = questions.ask(user, chat.id, question)
    assert entry.status == "success", entry.error_message
    assert entry.engine == "offline" and entry.explanation
    return entry


def number(entry) -> float:
    return float(entry.response_text.replace(",", ""))


def test_count(sensors):
    alice, chat, frame = sensors
    entry = answer(alice, chat, "How many readings are there?")
    assert entry.response_text == f"{len(frame):,}"
    assert entry.explanation == f"Counted all rows of sensors: {len(frame)} of {len(frame)} rows."


@pytest.mark.parametrize(("question", "expected"), [
    ("What is the average temperature?", lambda f: f["temperature_c"].mean()),
    ("maximum pressure_kpa", lambda f: f["pressure_kpa"].max()),
    ("Median Temperature C", lambda f: f["temperature_c"].median()),
    ("total pressure for unit U2", lambda f: f.loc[f["unit"] == "U2", "pressure_kpa"].sum()),
    ("What is the standard deviation of temperature?", lambda f: f["temperature_c"].std()),
])
def test_single_numbers(sensors, question, expected):
    alice, chat, frame = sensors
    entry = answer(alice, chat, question)
    assert entry.result_kind == "number"
    assert number(entry) == pytest.approx(expected(frame), rel=1e-4)


def test_aggregate_by_category_table_and_chart(sensors):
    alice, chat, frame = sensors
    table = answer(alice, chat, "average temperature by unit")
    assert table.result_kind == "table" and table.response_table_json["columns"] == ["unit", "Average temperature_c"]
    got = dict(table.response_table_json["rows"])
    for unit, mean in frame.groupby("unit")["temperature_c"].mean().items():
        assert got[unit] == pytest.approx(mean)
    assert table.explanation.startswith("Averaged temperature_c for each unit over rows of sensors")
    assert table.explanation_facts["grouping"] == "unit" and table.explanation_facts["rows_used"] == len(frame)
    chart = answer(alice, chat, "Plot the average temperature by unit")
    assert chart.result_kind == "figure" and chart.response_plot_json["data"][0]["type"] == "bar"


def test_conditions_comparisons_and_negations(sensors):
    alice, chat, frame = sensors
    above = answer(alice, chat, "How many readings have a pressure above 310?")
    assert number(above) == (frame["pressure_kpa"] > 310).sum()
    assert above.explanation == f"Counted rows of sensors where pressure_kpa > 310: {number(above):,.0f} of 600 rows."
    excluded = answer(alice, chat, "Average temperature for units other than U2")
    assert number(excluded) == pytest.approx(frame.loc[frame["unit"] != "U2", "temperature_c"].mean(), rel=1e-4)
    assert "unit ≠ U2" in excluded.explanation
    alarms = answer(alice, chat, "How many readings did not have status ok?")
    assert number(alarms) == (frame["status"] != "ok").sum()


def test_which_has_the_highest_is_a_name_with_its_value(sensors):
    alice, chat, frame = sensors
    entry = answer(alice, chat, "Which unit has the lowest average temperature?")
    means = frame.groupby("unit")["temperature_c"].mean()
    assert entry.result_kind == "text" and entry.response_text.startswith(f"{means.idxmin()} (average temperature_c: ")
    assert "took the lowest" in entry.explanation


def test_mode_missing_share_and_yes_no(sensors):
    alice, chat, frame = sensors
    mode = answer(alice, chat, "What is the most common status?")
    assert mode.response_text.startswith(frame["status"].mode()[0])
    missing = answer(alice, chat, "How many missing values does each column have?")
    assert dict(missing.response_table_json["rows"]) == {name: 0 for name in frame.columns}
    share = answer(alice, chat, "What share of readings are alarms?")
    assert number(share) == pytest.approx(100 * (frame["status"] == "alarm").mean(), rel=1e-4)
    assert share.explanation_facts["unit"] == "%"
    yes = answer(alice, chat, "Is the maximum temperature above 60?")
    assert (yes.result_kind, yes.response_text) == ("boolean", "Yes" if frame["temperature_c"].max() > 60 else "No")
    none = answer(alice, chat, "Are there any readings with a temperature below 0?")
    assert none.response_text == "No" and "0 of 600 rows match" in none.explanation


def test_lists_are_lists(sensors):
    alice, chat, frame = sensors
    entry = answer(alice, chat, "List the 2 units with the highest average pressure")
    assert entry.result_kind == "list"
    expected = list(frame.groupby("unit")["pressure_kpa"].mean().nlargest(2).index)
    assert [row[0] for row in entry.response_table_json["rows"]] == expected


def test_share_trend_distribution_correlation(sensors):
    alice, chat, frame = sensors
    share = answer(alice, chat, "What share of readings does each status have?")
    assert share.response_plot_json["data"][0]["type"] == "pie"
    trend = answer(alice, chat, "Trend of average temperature per hour")
    assert trend.response_plot_json["data"][0]["type"] == "scatter"
    assert len(trend.response_plot_json["data"][0]["x"]) == 10  # 600 minutes
    histogram = answer(alice, chat, "distribution of pressure")
    assert histogram.response_plot_json["data"][0]["type"] == "histogram"
    correlation = answer(alice, chat, "correlation between temperature and pressure")
    assert float(correlation.response_text) == pytest.approx(frame["temperature_c"].corr(frame["pressure_kpa"]), abs=1e-4)


def test_two_measures_and_a_derived_measure(upload, app_ctx, make_user, tmp_path):
    bob = make_user("bob")
    chat = create_session(bob, upload(bob, write_messy_workbook(tmp_path / "budget.xlsx")).id)
    entry = answer(bob, chat, "Budget Q1 versus Actual Q1 by department")
    figure = entry.response_plot_json
    assert [trace["name"] for trace in figure["data"]] == ["Budget Q1", "Actual Q1"]
    assert figure["data"][0]["x"] == ["Engineering", "Finance", "Operations"]
    variance = answer(bob, chat, "Which department has the largest Q1 variance (actual minus budget)?")
    assert variance.response_text == "Operations (total Actual Q1 − Budget Q1: -50)"
    over = answer(bob, chat, "How many departments are over budget in Q1?")
    assert over.response_text == "0" and "Actual Q1 > Budget Q1" in over.explanation


def test_an_unreadable_question_is_declined_by_name(sensors):
    alice, chat, _ = sensors
    entry = answer(alice, chat, "Why is the sky blue?")
    assert entry.result_kind == "declined"
    assert "“Why”" in entry.response_text and "“sky”" in entry.response_text and "“blue”" in entry.response_text
    assert entry.explanation.startswith("Nothing was computed")
    rephrasings = entry.explanation_facts["rephrasings"]
    assert 2 <= len(rephrasings) <= 3
    for rephrased in rephrasings:  # every offered question is answered
        assert answer(alice, chat, rephrased).result_kind != "declined"


SENSORS = Catalogue([Table("sensors", [
    Column("timestamp", "datetime"), Column("plant", "text", ["North", "South", "East"]),
    Column("unit", "text", ["U1", "U2"]), Column("temperature_c", "number"), Column("flow_rate_m3h", "number"),
    Column("output_mwh", "number"), Column("status", "text", ["ok", "alarm"])])])


@pytest.mark.parametrize(("question", "intent", "details"), [
    ("give me the number of alarms", "count", {"filters": ["status = alarm"]}),
    ("how does temperature relate to output", "correlation", {}),
    ("list the 3 plants with the lowest average flow rate", "top", {"limit": 3, "descending": False, "answer": "list"}),
    ("Total output for plant North excluding unit U1", "aggregate", {"filters": ["plant = North", "unit ≠ U1"]}),
    ("How many readings hit 70 °C or more?", "count", {"filters": ["temperature_c ≥ 70"]}),
    ("Did output ever dip below 10 MWh?", "exists", {"filters": ["output_mwh < 10"]}),
    ("What is the total output in January?", "aggregate", {"filters": ["timestamp in January"]}),
    ("Total output across all units", "aggregate", {"group": None}),
])
def test_paraphrases(question, intent, details):
    plan = plan_question(question, SENSORS)
    assert not isinstance(plan, Decline), plan
    assert plan.intent == intent
    if "filters" in details:
        assert [c.label for c in plan.filters] == details["filters"]
    if "limit" in details:
        assert (plan.limit, plan.descending, plan.answer) == (details["limit"], details["descending"], details["answer"])
    if "group" in details:
        assert plan.group is details["group"]


@pytest.mark.parametrize(("question", "not_understood"), [
    ("what was the mean pressure at each plant", ["pressure"]),  # there is no pressure column
    ("how many records per plant and unit", []),  # two groupings at once: declined, not half-answered
    ("which unit runs hottest on average", ["runs"]),
    ("How many hours was unit U2 offline?", ["hours", "offline"]),
    ("What is the temperature?", ["temperature"]),  # which summary? read, but not guessed
    ("Which plant will produce the most next month?", ["will", "next"]),
])
def test_questions_it_only_half_reads_are_declined(question, not_understood):
    decline = plan_question(question, SENSORS)
    assert isinstance(decline, Decline), decline
    assert set(not_understood) <= set(decline.not_understood)
    assert decline.message.startswith("The offline engine")


def test_planning_is_deterministic():
    table = Catalogue([Table("t", [Column("Plant Name", "text", ["North", "South"]), Column("Output_MWh", "number"),
                                   Column("Fuel Cost USD", "number"), Column("Date", "datetime")])])
    plans = [plan_question("monthly trend of output for plant name North", table) for _ in range(20)]
    plan = plans[0]
    assert plan.intent == "trend" and plan.period == "month" and plan.measures[0].label == "Output_MWh"
    assert [c.label for c in plan.filters] == ["Plant Name = North"]
    assert all(p.intent == plan.intent and [c.sql for c in p.filters] == [c.sql for c in plan.filters] for p in plans)
