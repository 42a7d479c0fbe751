"""The messy-spreadsheet fixer, on small hand-made tables."""
import pandas as pd
import pyarrow as pa
import pytest

from insight_dash.services.cleaning import clean_frame, locate_header, unique_names


def arrow_frame(data: dict) -> pd.DataFrame:
    return pa.table(data).to_pandas(types_mapper=pd.ArrowDtype)


def test_header_below_title_rows_with_two_header_rows():
    rows = [
        ["Acme Corp — Budget FY2026", None, None, None],
        [None, None, None, None],
        ["Department", "Budget", None, "Actual"],
        [None, "Q1", "Q2", "Q1"],
        ["Engineering", 100.0, 200.0, 90.0],
    ]
    plan = locate_header(rows)
    assert plan.data_start == 4
    assert plan.names == ["Department", "Budget Q1", "Budget Q2", "Actual Q1"]
    text = " ".join(plan.warnings)
    assert "Skipped 2 title or blank row(s)" in text and "Acme Corp" in text
    assert "Filled 1 merged header cell(s)" in text
    assert 'Combined two header rows into one (e.g. "Budget Q1")' in text


def test_plain_header_is_row_one():
    plan = locate_header([["a", "b"], ["1", "2"], ["3", "4"]])
    assert (plan.data_start, plan.names, plan.warnings) == (1, ["a", "b"], [])


def test_a_text_data_row_is_not_taken_for_a_second_header():
    plan = locate_header([["Name", "Team"], ["Ada", "Core"], ["Bob", "Ops"]])
    assert plan.data_start == 1 and plan.names == ["Name", "Team"]


def test_blank_and_repeated_names_are_made_unique():
    names, warnings = unique_names(["Amount", "", "amount", "Amount"])
    assert names == ["Amount", "Column 2", "amount (2)", "Amount (3)"]
    assert any("Column N" in w for w in warnings) and any("'Amount'" in w for w in warnings)


@pytest.mark.parametrize(
    ("text", "number"),
    [("1,234.50", 1234.5), ("(1,200)", -1200.0), ("12%", 0.12), ("$2,000", 2000.0), ("-7.5", -7.5),
     (" 3 ", 3.0), ("€1.234,50", 1234.5)],
)
def test_numbers_stored_as_text_are_converted(text, number):
    other = "€9.999,00" if text.startswith("€") else "10"
    frame, warnings = clean_frame(arrow_frame({"Amount": [text, other]}))
    assert frame["Amount"].iloc[0] == pytest.approx(number)
    assert any('Converted "Amount" from text to numbers' in w for w in warnings)


def test_totals_empty_rows_and_empty_columns_are_dropped():
    frame, warnings = clean_frame(arrow_frame({
        "Region": ["East", None, "West", "Total"],
        "Sales": [10.0, None, 20.0, 30.0],
        "Empty": pa.array([None, None, None, None], pa.string()),
    }))
    assert list(frame.columns) == ["Region", "Sales"]
    assert frame["Region"].tolist() == ["East", "West"]
    text = " ".join(warnings)
    assert "Dropped 1 empty column(s)" in text and "Dropped 1 empty row(s)" in text
    assert "Dropped 1 total/subtotal row(s)" in text


def test_dates_stored_as_text_are_converted():
    frame, warnings = clean_frame(arrow_frame({"When": ["05/01/2026", "06/01/2026", "07/01/2026"]}))
    assert pd.api.types.is_datetime64_any_dtype(frame["When"])
    assert any('Read "When" as dates' in w for w in warnings)


def test_mixed_columns_are_reported_and_kept():
    values = ["1", "2", "3", "n.a.", "unknown", "4"]
    frame, warnings = clean_frame(arrow_frame({"Reading": values}))
    assert frame["Reading"].tolist() == values
    assert any('"Reading" mixes numbers and text' in w for w in warnings)


@pytest.mark.parametrize(("rows", "names", "data_start"), [
    ([["Musei", "2011", "2010"], ["Galleria", "23.824", "17.518"], ["Museo", "in restauro", "in restauro"]],
     ["Musei", "2011", "2010"], 1),  # year-like headers over a row that reads as text
    ([["Department", 2023.0, 2024.0], ["Operations", 120.5, 130.0]], ["Department", "2023", "2024"], 1),
    ([["Region", "FY2025 Q1", "FY2025 Q2"], ["North", "1", "2"]], ["Region", "FY2025 Q1", "FY2025 Q2"], 1),
    ([["1", "english"], ["2", "german"], ["3", "german", "extra"]], ["Column 1", "Column 2", "Column 3"], 0),
    ([["29-Mar-1940", "25-Jul-2008", "test", "FALSE"]], ["Column 1", "Column 2", "Column 3", "Column 4"], 0),
    ([["Region", None], ["North", "1.5"]], ["Region", "Column 2"], 1),  # a header cell left blank
])
def test_headers_of_every_kind_and_none_at_all(rows, names, data_start):
    plan = locate_header(rows)
    assert (plan.names, plan.data_start) == (names, data_start)
    assert plan.has_header is (data_start > 0)


def test_a_clean_table_comes_back_as_the_same_frame():
    frame = arrow_frame({"unit": ["U1", "U2"], "mw": [1.0, 2.0]})
    cleaned, warnings = clean_frame(frame)
    assert cleaned is frame and warnings == []


def test_blank_cells_and_totals_are_found_among_repeated_labels():
    frame = arrow_frame({"label": ["a", "  ", "Total", "a"], "v": [1.0, None, 3.0, 4.0]})
    cleaned, warnings = clean_frame(frame)
    assert cleaned["label"].tolist() == ["a", "a"]
    assert any("total/subtotal" in warning for warning in warnings)
    assert any("Dropped 1 empty row(s)" in warning for warning in warnings)
