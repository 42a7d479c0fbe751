"""Pins that follow their dataset: the stored code re-run in the sandbox on the current version
(no model call), the previous result kept, stale pins with their reason, "what changed" for
numbers and tables, "Ask again" through the engine, and only the owner acting."""
import base64

import numpy as np
import pytest

from insight_dash.extensions import db
from insight_dash.jobs.threads import wait_for_jobs
from insight_dash.services import gallery, views
from insight_dash.services.conversations import create_session
from insight_dash.services.errors import NotFound
from insight_dash.services.exports import view_html
from insight_dash.services.questions import ask
from insight_dash.services.refresh import ask_again, refresh_pins, refresh_view
from insight_dash.services.versions import confirm_version, receive_version
from tests.fakes.bedrock import code_reply
from tests.harness.files import write_sensor_csv

TEMPERATURE = """
import plotly.express as px
df = execute_sql_query("SELECT unit, avg(temperature_c) AS mean_temperature_c FROM plant GROUP BY unit ORDER BY unit")
result = {"type": "plot", "value": px.bar(df, x="unit", y="mean_temperature_c", title="Mean temperature by unit")}
"""
PRESSURE = """
import plotly.express as px
df = execute_sql_query("SELECT unit, count(*) AS readings FROM plant GROUP BY unit ORDER BY unit")
result = {"type": "plot", "value": px.bar(df, x="unit", y="readings", title="Readings by unit")}
"""
COUNT = 'df = execute_sql_query("SELECT count(*) AS n FROM plant")\nresult = {"type": "number", "value": int(df["n"][0])}'
TABLE = ('df = execute_sql_query("SELECT unit, count(*) AS readings FROM plant GROUP BY unit ORDER BY unit")\n'
         'result = {"type": "dataframe", "value": df}')
RENAMED_TEMPERATURE = TEMPERATURE.replace("temperature_c)", "temp_c)")


@pytest.fixture
def plant_view(engine, bedrock, upload, make_user, tmp_path):
    """Alice's plant dataset (300 rows) with four pinned answers in a view shared with bob."""
    alice, bob = make_user("alice"), make_user("bob")
    dataset = upload(alice, write_sensor_csv(tmp_path / "plant.csv", rows=300))
    session = create_session(alice, dataset.id)
    pins = {}
    for name, code in (("temperature", TEMPERATURE), ("pressure", PRESSURE), ("count", COUNT), ("table", TABLE)):
        bedrock.queue(code_reply(code))
        entry = ask(alice, session.id, f"Question about {name}")
        assert entry.status == "success", entry.error_message
        pins[name] = gallery.pin_answer(alice, entry.id)
    view = views.create_view(alice, "Plant weekly")
    for pin in pins.values():
        views.add_figure(alice, view.id, pin.id)
    views.share_view(alice, view.id, ["bob"], everyone=False)
    return alice, bob, dataset, view, pins


def bar_total(figure: dict) -> float:
    """The sum of a bar chart's heights (Plotly may store them as a typed array)."""
    heights = figure["data"][0]["y"]
    if isinstance(heights, dict):  # {"dtype": "i2", "bdata": "<base64>"}
        heights = np.frombuffer(base64.b64decode(heights["bdata"]), dtype=heights["dtype"]).tolist()
    return sum(heights)


def next_version(alice, dataset, tmp_path, rows=400):
    path = write_sensor_csv(tmp_path / "week2.csv", rows=rows, seed=3, renamed={"temperature_c": "temp_c"})
    receive_version(alice, dataset.id, "plant week 2.csv", path)
    wait_for_jobs(timeout=120)
    confirm_version(alice, dataset.id, 2)


def test_refreshing_a_view_reruns_each_pin_without_the_model(plant_view, bedrock, tmp_path):
    alice, bob, dataset, view, pins = plant_view
    next_version(alice, dataset, tmp_path)
    calls = len(bedrock.requests)
    seen = []
    refreshed = {pin.id: pin for pin in refresh_view(alice, view.id, progress=lambda done, total: seen.append((done, total)))}
    assert len(bedrock.requests) == calls  # no model call
    assert sorted(seen) == [(1, 4), (2, 4), (3, 4), (4, 4)]
    db.session.expire_all()

    pressure = gallery.get_pin(alice, pins["pressure"].id)
    assert (pressure.dataset_version, pressure.stale_reason) == (2, "")
    assert bar_total(pressure.figure_json) == 400
    assert pressure.previous["dataset_version"] == 1 and bar_total(pressure.previous["figure_json"]) == 300
    assert pressure.explanation.startswith("Re-run on version 2:")

    temperature = gallery.get_pin(alice, pins["temperature"].id)
    assert temperature.dataset_version == 1 and temperature.previous is None  # the last good result is kept
    assert "Version 2 has no temperature_c (now temp_c?)" in temperature.stale_reason
    assert temperature.figure_json == pins["temperature"].figure_json

    count = gallery.get_pin(alice, pins["count"].id)
    assert count.value_json == {"value": 400} and count.change == "300 → 400, +33.3%"
    assert count.figure_json["data"][0]["delta"]["reference"] == 300
    table = gallery.get_pin(alice, pins["table"].id)
    assert table.change == "rows 3, unchanged; total readings 300 → 400, +33.3%"
    assert set(refreshed) == {pin.id for pin in pins.values()}


def test_a_second_refresh_of_one_version_keeps_the_previous_version(plant_view, tmp_path):
    alice, _, dataset, view, pins = plant_view
    next_version(alice, dataset, tmp_path)
    refresh_pins(alice, [pins["count"].id])
    [count] = refresh_pins(alice, [pins["count"].id])
    assert count.previous["dataset_version"] == 1 and count.change == "300 → 400, +33.3%"


def test_ask_again_answers_the_question_on_the_new_data(plant_view, bedrock, tmp_path):
    alice, _, dataset, view, pins = plant_view
    next_version(alice, dataset, tmp_path)
    refresh_view(alice, view.id)
    first_answer = pins["temperature"].query_id
    bedrock.queue(code_reply(RENAMED_TEMPERATURE))
    pin = ask_again(alice, pins["temperature"].id)
    assert (pin.stale_reason, pin.dataset_version, pin.previous["dataset_version"]) == ("", 2, 1)
    assert "temp_c" in pin.code and pin.query_id != first_answer
    bedrock.queue(code_reply(COUNT))  # a number is not the chart the pin shows
    pin = ask_again(alice, pins["pressure"].id)
    assert pin.stale_reason == "Asked again on version 2: the answer was a number, not a chart"


def test_readers_see_refreshed_and_stale_pins_but_cannot_act(plant_view, tmp_path):
    alice, bob, dataset, view, pins = plant_view
    next_version(alice, dataset, tmp_path)
    refresh_view(alice, view.id)
    shown = {item.figure.title: item.figure for item in views.get_view(bob, view.id).items}
    assert shown["Readings by unit"].dataset_version == 2
    assert shown["Mean temperature by unit"].stale_reason
    for action in (lambda: refresh_view(bob, view.id), lambda: refresh_pins(bob, [pins["count"].id]),
                   lambda: ask_again(bob, pins["temperature"].id),
                   lambda: refresh_view(alice, view.id, [str(pins["count"].id), "not-in-it"][1:])):
        with pytest.raises(NotFound):
            action()
    _, page = view_html(bob, view.id)
    assert "plant.csv, version 2, computed" in page and "plant.csv, version 1, computed" in page
    assert "Stale: Version 2 has no temperature_c" in page and "What changed: 300 → 400, +33.3%" in page
