"""Helpers shared by tests (fixtures live in conftest.py)."""
import re
import socket

from flask.testing import FlaskClient

TEST_PASSWORD = "correct-horse-battery"
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def render_page(client: FlaskClient, pathname: str, csrf: bool = True):
    """POST the Dash Pages routing callback the way the browser renderer does."""
    headers = {"X-CSRFToken": client.get_cookie("_csrf_token").value} if csrf else {}
    payload = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                   {"id": "_pages_location", "property": "search", "value": ""}],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
    return client.post("/_dash-update-component", json=payload, headers=headers)


def write_sensor_csv(path, rows: int = 500, seed: int = 7):
    """A clean sensor export: timestamp, unit, two readings, a status."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    pd.DataFrame({
        "timestamp": pd.date_range("2026-01-01", periods=rows, freq="min"),
        "unit": rng.choice(["U1", "U2", "U3"], rows),
        "temperature_c": rng.normal(60, 5, rows).round(2),
        "pressure_kpa": rng.normal(300, 20, rows).round(1),
        "status": rng.choice(["ok", "alarm"], rows, p=[0.9, 0.1]),
    }).to_csv(path, index=False)
    return path


def write_messy_workbook(path):
    """A finance workbook as people make them: a title, two header rows with merged cells,
    numbers typed as text, a totals row, a note under the table, a notes sheet, and a
    second, larger sheet."""
    import openpyxl

    book = openpyxl.Workbook()
    budget = book.active
    budget.title = "Budget FY26"
    budget["A1"] = "Acme Corp — Budget FY2026"
    budget.merge_cells("A1:F1")
    budget.append([])
    budget.append(["Department", "Cost center", "Budget", None, "Actual", None])
    budget.merge_cells("C3:D3")
    budget.merge_cells("E3:F3")
    budget.append([None, None, "Q1", "Q2", "Q1", "Q2"])
    for row in (["Engineering", "CC-100", "1,234.50", "(1,200)", 1000.5, 2000],
                ["Finance", "CC-200", "$2,000", "12%", 1500, "n/a"],
                ["Operations", "CC-300", 500, 600, 450, 700]):
        budget.append(row)
    budget.append(["Total", None, 3734.5, None, 2950.5, 2700])
    budget.append([])
    budget.append(["Prepared by finance"])
    lines = book.create_sheet("Line items")
    lines.append(["Date", "Department", "Amount"])
    for day in range(1, 41):
        lines.append([f"2026-01-{(day - 1) % 28 + 1:02d}", ["Engineering", "Finance"][day % 2], day * 10.5])
    book.create_sheet("Notes")["A1"] = "Figures in USD"
    book.save(path)
    return path


def call_callback(client: FlaskClient, inputs: list[tuple[str, str, object]],
                  state: list[tuple[str, str, object]] = ()):
    """POST one Dash callback as the renderer does (any signed-in user can send any ids).

    The callback is the registered one whose inputs are exactly `inputs`.
    """
    wanted = [{"id": cid, "property": prop} for cid, prop, _ in inputs]
    dependencies = client.get("/_dash-dependencies").get_json()
    output = next(dep["output"] for dep in dependencies if dep["inputs"] == wanted)
    parts = [part for part in output.strip(".").split("...")] if output.startswith("..") else [output]
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]} for part in parts]
    payload = {
        "output": output,
        "outputs": outputs if output.startswith("..") else outputs[0],
        "inputs": [{"id": cid, "property": prop, "value": value} for cid, prop, value in inputs],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
        "state": [{"id": cid, "property": prop, "value": value} for cid, prop, value in state],
    }
    headers = {"X-CSRFToken": client.get_cookie("_csrf_token").value}
    return client.post("/_dash-update-component", json=payload, headers=headers)


def click_pattern(client: FlaskClient, kind: str, index: object, state: list[tuple[str, str, object]] = ()):
    """POST the callback of a pattern-matched button, {"type": kind, "index": index}, as if it
    was clicked once (any signed-in user can send any index). Other pattern-matched inputs and
    outputs of the callback are sent with no components."""
    import json

    def is_kind(spec: str) -> bool:
        return spec.startswith("{") and json.loads(spec).get("type") == kind

    dependencies = client.get("/_dash-dependencies").get_json()
    dependency = next(dep for dep in dependencies if any(is_kind(spec["id"]) for spec in dep["inputs"]))
    output = dependency["output"]
    parts = output.strip(".").split("...") if output.startswith("..") else [output]
    outputs = []
    for part in parts:
        cid, prop = part.rsplit(".", 1)
        outputs.append([] if cid.startswith("{") else {"id": cid, "property": prop})
    clicked = {"id": {"type": kind, "index": index}, "property": "n_clicks", "value": 1}
    inputs = [[clicked] if is_kind(spec["id"]) else [] if spec["id"].startswith("{")
              else {"id": spec["id"], "property": spec["property"], "value": None} for spec in dependency["inputs"]]
    payload = {
        "output": output,
        "outputs": outputs if output.startswith("..") else outputs[0],
        "inputs": inputs,
        "changedPropIds": [json.dumps(clicked["id"], separators=(",", ":"), sort_keys=True) + ".n_clicks"],
        "state": [{"id": cid, "property": prop, "value": value} for cid, prop, value in state],
    }
    headers = {"X-CSRFToken": client.get_cookie("_csrf_token").value}
    return client.post("/_dash-update-component", json=payload, headers=headers)


def figure_answer(session, title: str, figure=None):
    """A stored figure answer (a bar chart titled `title` unless `figure` is given)."""
    import plotly.graph_objects as go

    from insight_dash.extensions import db
    from insight_dash.models import QueryLog

    figure = figure if figure is not None else go.Figure(go.Bar(x=["U1", "U2"], y=[1, 2]),
                                                         layout={"title": {"text": title}}).to_plotly_json()
    entry = QueryLog(session_id=session.id, prompt=f"Plot {title}", status="success", result_kind="figure",
                     response_plot_json=figure, generated_code="fig = px.bar(df)",
                     explanation=f"Summed the values for each unit: {title}.")
    db.session.add(entry)
    db.session.commit()
    return entry
