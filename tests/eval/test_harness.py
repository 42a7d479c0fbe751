"""The evaluation harness: its judge can tell right from wrong, and the offline engine's
score on the shipped sensor set stays where it is (no wrong answers)."""
import pandas as pd
import pytest

from insight_dash.eval.harness import judge, load_set, markdown, run_set
from insight_dash.services.offline_engine import CAPABILITIES

TRUTH = {"t": pd.DataFrame({"unit": ["a", "b", "a"], "v": [1.0, 2.0, 3.0]})}


@pytest.mark.parametrize(("result", "expect", "verdict"), [
    ({"type": "number", "value": 2.0}, {"number": "t['t']['v'].mean()"}, "correct"),
    ({"type": "number", "value": 2.1}, {"number": "t['t']['v'].mean()"}, "wrong"),
    ({"type": "dataframe", "value": {"rows": [["a", 4.0], ["b", 2.0]]}}, {"table": "t['t'].groupby('unit')['v'].sum()"},
     "correct"),
    ({"type": "dataframe", "value": {"rows": [["a", 4.0]]}}, {"table": "t['t'].groupby('unit')['v'].sum()"}, "wrong"),
    ({"type": "plot", "value": {"data": [{"type": "bar"}]}}, {"chart": "bar"}, "correct"),
    ({"type": "plot", "value": {"data": [{"type": "pie"}]}}, {"chart": "bar"}, "wrong"),
    ({"type": "plot", "value": {"data": [{"type": "scattergl"}]}}, {"chart": "scatter"}, "correct"),
    ({"type": "string", "value": CAPABILITIES}, {"refuse": True}, "correct"),
    ({"type": "string", "value": CAPABILITIES}, {"number": "1"}, "refused"),
    ({"type": "number", "value": 7}, {"refuse": True}, "wrong"),
])
def test_judge(result, expect, verdict):
    assert judge(result, expect, TRUTH)[0] == verdict


def test_shipped_sets_have_twenty_questions_each():
    for name in ("sensors", "budget", "large"):
        assert len(load_set(name)["questions"]) == 20


def test_offline_engine_on_the_sensor_set(session_app, tmp_path):
    settings = session_app.extensions["insight_settings"]
    report = run_set("sensors", settings, tmp_path)
    summary = report.summary()
    assert summary["wrong"] == 0, markdown([report])
    assert summary["correct"] >= 18 and summary["engine"] == "offline"
