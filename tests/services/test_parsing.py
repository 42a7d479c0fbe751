"""CSV encodings and delimiters are detected from the content; odd rows are reported."""
import pytest

from insight_dash.services.inspection import inspect_upload
from insight_dash.services.parsing import parse_upload

TEXT = "Name{d}City{d}Amount\nJosé{d}München{d}1.5\nZoë{d}Köln{d}2.5\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_encodings_and_delimiters(tmp_path, encoding, delimiter):
    path = tmp_path / "data.csv"
    path.write_bytes(TEXT.format(d=delimiter).encode(encoding))
    inspection = inspect_upload(path, "data.csv", 10**6)
    assert inspection.delimiter == delimiter
    [table] = parse_upload(path, inspection)
    assert list(table.frame.columns) == ["Name", "City", "Amount"]
    assert table.frame["City"].tolist() == ["München", "Köln"]
    assert table.frame["Amount"].tolist() == [1.5, 2.5]


def test_rows_with_the_wrong_number_of_fields_are_padded_or_cut_and_named(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n")
    [table] = parse_upload(path, inspect_upload(path, "ragged.csv", 10**6))
    assert table.frame[["a", "b"]].to_dict("list") == {"a": [1, 4, 6, 10], "b": [2, 5, 7, 11]}
    assert table.frame["c"].isna().tolist() == [False, True, False, False]
    assert str(table.frame["a"].dtype) == "int64[pyarrow]" and len(table.warnings) == 2  # read as numbers
    assert "Padded 1 row(s) with fewer fields than the 3 columns with empty cells (row 3 of the file)." in table.warnings
    assert ("Cut 1 row(s) with more fields than the 3 columns (row 4 of the file); the extra fields were left out."
            in table.warnings)


def test_quoted_fields_with_newlines_and_delimiters(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text('id,comment\n1,"line one\nline two"\n2,"a, b and c"\n')
    [table] = parse_upload(path, inspect_upload(path, "quoted.csv", 10**6))
    assert table.frame["comment"].tolist() == ["line one\nline two", "a, b and c"]


def test_sheets_that_start_away_from_a1_line_up(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet["C4"], sheet["C6"], sheet["D6"] = "Report", "Name", "Value"
    sheet["C7"], sheet["D7"], sheet["C8"], sheet["D8"] = "a", 1, "b", 2
    styled = book.create_sheet("Styled")
    styled["B2"].font = openpyxl.styles.Font(bold=True)  # formatted but empty
    styled["C3"], styled["D3"], styled["C4"], styled["D4"] = "h1", "h2", 5, 6
    path = tmp_path / "offset.xlsx"
    book.save(path)
    first, second = parse_upload(path, inspect_upload(path, "offset.xlsx", 10**6))
    assert list(first.frame.columns) == ["Name", "Value"] and first.frame.values.tolist() == [["a", 1.0], ["b", 2.0]]
    assert list(second.frame.columns) == ["h1", "h2"] and second.frame.values.tolist() == [[5.0, 6.0]]
