"""The offline engine: one test per intent, through the whole path (planner, PandasAI, sandbox),
with answers checked against pandas on the same data."""
import pandas as pd
import pytest

from insight_dash.services import analysis
from insight_dash.services.conversations import create_session
from insight_dash.services.offline_engine import CAPABILITIES, Column, Table, plan_question
from tests.services.test_ingest import upload
from tests.support import write_messy_workbook, write_sensor_csv


@pytest.fixture
def sensors(app_ctx, make_user, tmp_path):
    alice = make_user("alice")
    path = write_sensor_csv(tmp_path / "sensors.csv", rows=600)
    dataset = upload(alice, path)
    return alice, create_session(alice, dataset.id), pd.read_csv(path, parse_dates=["timestamp"])


def answer(user, chat, question):
    entry = analysis.ask(user, chat.id, question)
    assert entry.status == "success", entry.error_message
    assert entry.engine == "offline"
    return entry


def test_count(sensors):
    alice, chat, frame = sensors
    assert answer(alice, chat, "How many readings are there?").response_text == f"{len(frame):,}"


@pytest.mark.parametrize(("question", "expected"), [
    ("What is the average temperature?", lambda f: f["temperature_c"].mean()),
    ("maximum pressure_kpa", lambda f: f["pressure_kpa"].max()),
    ("Median Temperature C", lambda f: f["temperature_c"].median()),
    ("total pressure for unit U2", lambda f: f.loc[f["unit"] == "U2", "pressure_kpa"].sum()),
])
def test_single_numbers(sensors, question, expected):
    alice, chat, frame = sensors
    entry = answer(alice, chat, question)
    assert entry.result_kind == "number"
    assert float(entry.response_text.replace(",", "")) == pytest.approx(expected(frame), rel=1e-4)


def test_aggregate_by_category_table_and_chart(sensors):
    alice, chat, frame = sensors
    table = answer(alice, chat, "average temperature by unit")
    assert table.result_kind == "table"
    got = dict(table.response_table_json["rows"])
    for unit, mean in frame.groupby("unit")["temperature_c"].mean().items():
        assert got[unit] == pytest.approx(mean)
    chart = answer(alice, chat, "Plot the average temperature by unit")
    assert chart.result_kind == "figure" and chart.response_plot_json["data"][0]["type"] == "bar"


def test_top_and_bottom_n(sensors):
    alice, chat, frame = sensors
    top = answer(alice, chat, "top 2 units by total pressure")
    expected = frame.groupby("unit")["pressure_kpa"].sum().sort_values(ascending=False).head(2)
    assert [row[0] for row in top.response_table_json["rows"]] == list(expected.index)
    bottom = answer(alice, chat, "bottom 1 unit by average temperature")
    assert bottom.response_table_json["rows"][0][0] == frame.groupby("unit")["temperature_c"].mean().idxmin()


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


def test_two_measures_side_by_side(app_ctx, make_user, tmp_path):
    bob = make_user("bob")
    chat = create_session(bob, upload(bob, write_messy_workbook(tmp_path / "budget.xlsx")).id)
    entry = answer(bob, chat, "Budget Q1 versus Actual Q1 by department")
    figure = entry.response_plot_json
    assert [trace["name"] for trace in figure["data"]] == ["Budget Q1", "Actual Q1"]
    assert figure["data"][0]["x"] == ["Engineering", "Finance", "Operations"]


def test_an_unreadable_question_gets_an_honest_answer(sensors):
    alice, chat, _ = sensors
    entry = answer(alice, chat, "Why is the sky blue?")
    assert entry.result_kind == "text" and entry.response_text == CAPABILITIES


def test_planning_is_deterministic():
    table = Table("t", [Column("Plant Name", "text", ["North", "South"]), Column("Output_MWh", "number"),
                        Column("Fuel Cost USD", "number"), Column("Date", "datetime")])
    plans = [plan_question("monthly trend of output for plant North", [table]) for _ in range(20)]
    plan = plans[0]
    assert plan.intent == "trend" and plan.period == "month" and plan.measures[0].name == "Output_MWh"
    assert plan.filters[0][1] == "North"
    assert all(p.intent == plan.intent and p.filters == plan.filters for p in plans)


SENSOR_TABLE = Table("sensors", [Column("timestamp", "datetime"), Column("plant", "text", ["North", "South", "East"]),
                                 Column("unit", "text", ["U1", "U2"]), Column("temperature_c", "number"),
                                 Column("flow_rate_m3h", "number"), Column("output_mwh", "number"),
                                 Column("status", "text", ["ok", "alarm"])])


@pytest.mark.parametrize(("question", "intent", "details"), [
    ("give me the number of alarms", "count", {"filters": [("status", "alarm")]}),
    ("how does temperature relate to output", "correlation", {}),
    ("list the 3 plants with the lowest average flow rate", "top", {"limit": 3, "descending": False}),
    ("what was the mean pressure at each plant", None, {}),  # there is no pressure column: decline
    ("how many records per plant and unit", None, {}),  # two groupings at once: decline, not half-answer
    ("which unit runs hottest on average", None, {}),
])
def test_paraphrases(question, intent, details):
    plan = plan_question(question, [SENSOR_TABLE])
    if intent is None:
        assert plan is None
        return
    assert plan.intent == intent
    if "filters" in details:
        assert [(c.name, v) for c, v in plan.filters] == details["filters"]
    if "limit" in details:
        assert (plan.limit, plan.descending) == (details["limit"], details["descending"])
