"""Suggested questions come from the metadata and are all answerable offline."""
from insight_dash.models import Dataset
from insight_dash.services.suggestions import suggest_questions

COLUMNS = [
    {"name": "timestamp", "kind": "datetime", "min": "2026-01-01T00:00:00", "max": "2026-06-01T00:00:00"},
    {"name": "unit", "kind": "text", "distinct_count": 4, "top_values": [{"value": "U1", "count": 5}]},
    {"name": "temperature_c", "kind": "number"},
    {"name": "pressure_kpa", "kind": "number"},
    {"name": "status", "kind": "text", "distinct_count": 2, "top_values": [{"value": "ok", "count": 9}]},
]


def dataset(columns) -> Dataset:
    return Dataset(name="s.csv", status="ready", meta={"default_table": "s", "tables": [
        {"name": "s", "row_count": 10, "columns": columns}]})


def test_suggestions_cover_trend_breakdown_top_distribution():
    questions = suggest_questions(dataset(COLUMNS))
    assert questions == [
        "Trend of average temperature_c per week",
        "Plot the average temperature_c by unit",
        "Top 5 unit by average pressure_kpa",  # a total of pressures means nothing
        "Distribution of temperature_c",
        "What share of rows does each status have?",
        "Correlation between temperature_c and pressure_kpa",
    ]


def test_a_table_of_text_only_still_gets_an_answerable_question():
    assert suggest_questions(dataset([{"name": "comment", "kind": "text", "distinct_count": 900}])) == [
        "How many rows are there?"]
