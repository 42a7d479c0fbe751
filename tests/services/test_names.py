"""Any table that ingests is askable: files, sheets and columns named the way people name them
answer a count, a grouped total and a chart through the real question path, with the offline
engine and with a scripted model, and people see the original names in every answer."""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass

import pandas as pd
import pytest

from insight_dash.services import questions
from insight_dash.services.conversations import create_session
from insight_dash.services.naming import sql_identifiers
from tests.fakes.bedrock import Reply

LONG = "Average electrical output of the combined-cycle block measured at the generator terminals " * 2


@dataclass
class NamedFile:
    file: str
    category: str  # the header of the column to group by
    measure: str  # the header of the column to total
    others: tuple[str, ...] = ()
    sheet: str | None = None

    def write(self, folder) -> tuple:
        frame = pd.DataFrame({self.category: ["Alpha", "Beta", "Gamma", "Alpha"] * 3,
                              self.measure: [1.5 * n for n in range(1, 13)],
                              **{name: list(range(12)) for name in self.others}})
        path = folder / self.file
        if self.sheet is None:
            frame.to_csv(path, index=False)
        else:
            with pd.ExcelWriter(path) as writer:
                frame.to_excel(writer, sheet_name=self.sheet, index=False)
                pd.DataFrame({"Note": ["Prepared by finance"]}).to_excel(writer, sheet_name="Notes", index=False)
        return path, frame.groupby(self.category)[self.measure].sum().to_dict()


CASES = [
    pytest.param(NamedFile("Plant_ Ops 2026.csv", "Unit", "Net MW.", ("Mar.2019",)), id="double-underscore-and-dots"),
    pytest.param(NamedFile("calls.csv", "Site", "num. calls answered", ("Temp. (F)",)), id="dot-space-parentheses"),
    pytest.param(NamedFile("runs.csv", "site__name", "net___output  mw"), id="runs-of-underscores"),
    pytest.param(NamedFile("2019 sales.csv", "1st Region", "2019 Sales"), id="leading-digits"),
    pytest.param(NamedFile("symbols.csv", "Zone / Area", "Margin %", ("# Calls",)), id="percent-hash-slash"),
    pytest.param(NamedFile("unicode.csv", "Région", "Température", ("温度",)), id="unicode"),
    pytest.param(NamedFile("cjk.csv", "地区", "温度"), id="cjk-only"),
    pytest.param(NamedFile("emoji.csv", "📍 Site", "🔥"), id="emoji"),
    pytest.param(NamedFile("keywords.csv", "order", "select", ("group", "from")), id="sql-keywords"),
    pytest.param(NamedFile("long.csv", "Plant", LONG.strip()[:200]), id="200-characters"),
    pytest.param(NamedFile("alike.csv", "Region", "Net Sales", ("net_sales", "NET-SALES")), id="equal-after-normalising"),
    pytest.param(NamedFile("case.csv", "Region", "Sales", ("sales",)), id="differing-only-in-case"),
    pytest.param(NamedFile("blank.csv", "Region", "Unnamed: 1"), id="empty-name"),
    pytest.param(NamedFile("budget.xlsx", "Vendor", "Actual ($)", sheet="Détail FY25"), id="sheet-with-accent"),
    pytest.param(NamedFile("select.xlsx", "Cost center", "Amount", sheet="select"), id="sheet-named-select"),
]


def ingested(upload, user, tmp_path, case: NamedFile):
    path, totals = case.write(tmp_path)
    if case.measure == "Unnamed: 1":  # an empty header in the file itself
        path.write_text(path.read_text().replace("Unnamed: 1", "", 1))
    dataset = upload(user, path)
    assert dataset.status == "ready", dataset.error_message
    table = next(t for t in dataset.meta["tables"] if t["row_count"] == 12)
    names = [column["name"] for column in table["columns"]]
    return dataset, names[0], names[1], totals, table["name"]


def check_answers(count, total, chart, category: str, measure: str, totals: dict) -> None:
    for entry in (count, total, chart):
        assert entry.status == "success", entry.error_message
        assert entry.explanation and "Something went wrong" not in entry.explanation
    assert count.response_text == "12"
    assert total.result_kind == "table"
    columns = total.response_table_json["columns"]
    assert columns[0] == category and measure in columns[1], columns
    assert {row[0]: row[1] for row in total.response_table_json["rows"]} == pytest.approx(totals)
    layout = chart.response_plot_json["layout"]
    assert layout["xaxis"]["title"]["text"] == category
    assert measure in layout["yaxis"]["title"]["text"]
    hover = chart.response_plot_json["data"][0]["hovertemplate"]
    assert hover.startswith(f"{category}=%{{x}}") and measure in hover


@pytest.mark.parametrize("case", CASES)
def test_the_offline_engine_answers_with_the_original_names(app_ctx, make_user, upload, tmp_path, case):
    alice = make_user("alice")
    dataset, category, measure, totals, table = ingested(upload, alice, tmp_path, case)
    chat = create_session(alice, dataset.id)
    count = questions.ask(alice, chat.id, "How many rows are there?")
    total = questions.ask(alice, chat.id, f'Total "{measure}" by "{category}"')
    chart = questions.ask(alice, chat.id, f'Plot the total "{measure}" by "{category}"')
    check_answers(count, total, chart, category, measure, totals)
    assert total.explanation.startswith(f"Summed {measure} for each {category} over rows of {table}")


def scripted_model(category: str, measure: str, chart: bool):
    """A model that reads the tables PandasAI describes in the prompt (identifiers, with the
    names people use as descriptions) and writes code as the prompt's rules ask."""

    def respond(prompt: str) -> str:
        described = re.search(r'<table dialect="\w+" table_name="([^"]+)".*? columns="(\[.*?\])" dimensions', prompt,
                              re.S)
        table, columns = described.group(1), json.loads(described.group(2))
        sql = {ast.literal_eval(column["description"]): column["name"] for column in columns}
        g, m = sql[category], sql[measure]
        code = (f'df = execute_sql_query(\'SELECT "{g}", sum("{m}") AS total_{m}, count(*) AS n FROM {table} '
                f'GROUP BY 1 ORDER BY 1\')\nrows = int(df["n"].sum())\ndf = df[["{g}", "total_{m}"]]\n')
        if chart:
            code += f'import plotly.express as px\nfig = px.bar(df, x="{g}", y="total_{m}", title="Total {m} by {g}")\n'
        value = "fig" if chart else "df"
        code += (f'result = {{"type": {"plot" if chart else "dataframe"!r}, "value": {value}, "rows_used": rows, '
                 f'"columns_used": ["{g}", "{m}"], '
                 f'"explanation": f"Summed {m} for each {g} of {table}: {{rows}} of {{rows}} rows."}}')
        return f"```python\n{code}\n```"

    return respond


COUNT = 'df = execute_sql_query("SELECT count(*) AS n FROM {table}")\nresult = {{"type": "number", "value": int(df["n"][0])}}'


@pytest.mark.parametrize("case", CASES)
def test_a_model_answers_with_the_original_names(engine, bedrock, app_ctx, make_user, upload, tmp_path, case):
    alice = make_user("alice")
    dataset, category, measure, totals, table = ingested(upload, alice, tmp_path, case)
    sql_table = sql_identifiers([t["name"] for t in dataset.meta["tables"]], "table")[
        [t["name"] for t in dataset.meta["tables"]].index(table)]
    chat = create_session(alice, dataset.id)
    bedrock.queue(Reply(text=f"```python\n{COUNT.format(table=sql_table)}\n```"),
                  Reply(respond=scripted_model(category, measure, chart=False)),
                  Reply(respond=scripted_model(category, measure, chart=True)))
    count = questions.ask(alice, chat.id, "How many rows are there?")
    total = questions.ask(alice, chat.id, f"Total {measure} by {category}")
    chart = questions.ask(alice, chat.id, f"Plot the total {measure} by {category}")
    check_answers(count, total, chart, category, measure, totals)
    assert total.explanation == f"Summed {measure} for each {category} of {table}: 12 of 12 rows."
    assert total.explanation_facts["checked"] is True
    assert count.explanation_facts["checked"] is False  # it said nothing, so the SQL speaks for it
    assert count.explanation.startswith(f"Computed from {table}")
