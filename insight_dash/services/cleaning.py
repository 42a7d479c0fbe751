"""The messy-spreadsheet fixer. Every decision is recorded as a warning a person can read.

Two steps: `locate_header` reads the first rows of a sheet (title rows, blank rows, one or
two header rows, merged header cells, year-like headers, no header at all) and `clean_frame`
tidies the parsed table (empty rows and columns, totals rows, numbers typed as text in any
locale, dates stored as text, mixed columns). The checks over whole columns run in Arrow and
stop early when a column cannot need them: most tables are clean, and big ones must stay fast.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from insight_dash.services.formatting import format_number
from insight_dash.services.number_text import looks_numeric, read_sample, to_numbers

HEADER_SCAN_ROWS = 30
CONVERT_SHARE = 0.95  # of non-empty values that must parse before a text column is converted
MIXED_SHARE = 0.5  # above this share of numbers (but below CONVERT_SHARE) a column is "mixed"
SAMPLE_SIZE = 2000
MAX_NOTE_ROWS = 5
NULL_TOKENS = frozenset({"", "-", "—", "–", "n/a", "na", "#n/a", "null", "none", "nan", "#value!", "#ref!", "#div/0!"})
_TOTAL = re.compile(r"^\s*(grand\s+)?(sub\s*-?\s*)?totals?\b", re.IGNORECASE)
_DATE_HINT = re.compile(r"^(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{1,2}[-/ ][A-Za-z]{3,9}[-/ ]\d{2,4})"
                        r"([ T]\d{1,2}:\d{2}(:\d{2})?)?")
# A year, a fiscal year or a quarter of one: headers of finance tables ("2011", "FY2025", "2019 Q1").
_YEAR = re.compile(r"^(FY|CY)?\s*'?(19|20)\d{2}(\s*[-/]?\s*(Q[1-4]|H[12]))?$|^(Q[1-4]|H[12])\s*(19|20)\d{2}$",
                   re.IGNORECASE)


@dataclass
class HeaderPlan:
    """Where the data starts and what its columns are called."""

    data_start: int
    names: list[str]
    warnings: list[str] = field(default_factory=list)
    has_header: bool = True


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""


def is_label(value: Any) -> bool:
    """Text that reads as a label: not blank, not a number, not a date."""
    if is_blank(value) or not isinstance(value, str):
        return False
    text = value.strip()
    return not (looks_numeric(text) or _DATE_HINT.match(text))


def _names_a_column(value: Any) -> bool:
    """A header cell: a label, or a year ("2011", also when Excel stored it as a number)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not is_blank(value):
        return float(value).is_integer() and 1900 <= value <= 2100
    return is_label(value) or (isinstance(value, str) and bool(_YEAR.match(value.strip())))


def _looks_like_data(row: list[Any], width: int) -> bool:
    """A row as wide as the table with numbers or dates in it: a record, not a title or header."""
    filled = [v for v in row if not is_blank(v)]
    return len(filled) >= max(1, width * 0.5) and sum(not _names_a_column(v) for v in filled) >= 0.4 * len(filled)


def locate_header(rows: list[list[Any]]) -> HeaderPlan:
    """Find the header in the first rows of a sheet (raw cell values, no header applied)."""
    rows = rows[:HEADER_SCAN_ROWS]
    width = max((sum(not is_blank(v) for v in row) for row in rows), default=0)
    if width == 0:
        return HeaderPlan(data_start=0, names=[])
    first = next(index for index, row in enumerate(rows) if any(not is_blank(v) for v in row))
    header_index = None
    for index, row in enumerate(rows):
        filled = [v for v in row if not is_blank(v)]
        # At least two labels when the table is that wide: a lone title cell is not a header.
        if len(filled) >= max(min(2, width), width * 0.5) and sum(map(_names_a_column, filled)) >= len(filled) * 0.6:
            header_index = index
            break
    if header_index is None and all(map(_names_a_column, [v for v in rows[first] if not is_blank(v)])):
        header_index = first  # a header with gaps ("Region," over two columns): names, if only a few
    if header_index is None or any(_looks_like_data(row, width) for row in rows[first:header_index]):
        return _no_header(rows, first)
    warnings: list[str] = []
    skipped = [row for row in rows[:header_index] if any(not is_blank(v) for v in row)]
    if header_index:
        title = next((str(v).strip() for row in skipped for v in row if not is_blank(v)), "")
        described = f' ("{title[:60]}")' if title else ""
        warnings.append(f"Skipped {header_index} title or blank row(s) above the header{described}.")

    header = [_cell_text(v) for v in rows[header_index]]
    data_start = header_index + 1
    if _is_second_header(rows, header_index):
        upper, lower = _fill_across(header), [_cell_text(v) for v in rows[header_index + 1]]
        filled_cells = sum(1 for a, b in zip(header, upper) if a != b)
        if filled_cells:
            warnings.append(f"Filled {filled_cells} merged header cell(s) across their columns.")
        header = [" ".join(part for part in (a, b) if part) for a, b in zip(upper, lower)]
        data_start += 1
        example = next((f"{a} {b}" for a, b in zip(upper, lower) if a and b), header[0])
        warnings.append(f'Combined two header rows into one (e.g. "{example}").')
    names, renamed = unique_names(header)
    warnings.extend(renamed)
    return HeaderPlan(data_start=data_start, names=names, warnings=warnings)


def _no_header(rows: list[list[Any]], first: int) -> HeaderPlan:
    """The first row already holds data: the columns get names of their own."""
    width = max(len(row) for row in rows)
    names = [f"Column {n}" for n in range(1, width + 1)]
    return HeaderPlan(data_start=first, names=names, has_header=False, warnings=[
        f'The first row holds data, not column names: named the columns "Column 1" to "Column {width}".'])


def unique_names(raw: list[str]) -> tuple[list[str], list[str]]:
    """Blank names become "Column N", repeated names get " (2)", " (3)"."""
    names: list[str] = []
    seen: set[str] = set()
    blanks, duplicates = 0, []
    for position, name in enumerate(raw, start=1):
        name = " ".join(str(name).split())
        if not name:
            name, blanks = f"Column {position}", blanks + 1
        candidate, copy = name, 2
        while candidate.lower() in seen:
            candidate, copy = f"{name} ({copy})", copy + 1
        if candidate != name and name not in duplicates:
            duplicates.append(name)
        seen.add(candidate.lower())
        names.append(candidate)
    warnings = []
    if blanks:
        warnings.append(f'Named {blanks} column(s) without a header "Column N".')
    if duplicates:
        warnings.append(f"Made repeated column names unique: {', '.join(repr(d) for d in duplicates[:5])}.")
    return names, warnings


def clean_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Tidy a parsed table; returns the new frame and what was done, in words. A table that
    needs nothing comes back as the very same frame object (the caller may reuse what it made of it)."""
    warnings: list[str] = []
    # The distinct values of each text column: blank cells and total rows are looked for among
    # them, so a column of a few repeated labels is checked a few times, not once per row.
    distinct = {name: _distinct(frame[name]) for name in frame.columns if _is_text(frame[name])}
    original = frame
    frame = _drop_empty(frame, warnings, distinct)
    frame = _drop_totals(frame, warnings, distinct)
    converted = {}
    for name in frame.columns:
        column = frame[name]
        if _is_text(column):
            new = _convert_text_column(column, name, warnings)
            if new is not column:
                converted[name] = new
    if converted:
        frame = frame.assign(**converted)
    return (original if frame is original else frame.reset_index(drop=True)), warnings


def _cell_text(value: Any) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _is_second_header(rows: list[list[Any]], header_index: int) -> bool:
    """A second header row: all labels, under a first row with gaps (merged cells), above data."""
    if header_index + 2 >= len(rows):
        return False
    upper, lower, below = rows[header_index], rows[header_index + 1], rows[header_index + 2]
    lower_filled = [v for v in lower if not is_blank(v)]
    gaps_over_labels = any(is_blank(u) and not is_blank(l) for u, l in zip(upper, lower))
    below_has_numbers = any(isinstance(v, (int, float)) and not is_blank(v) or
                            (isinstance(v, str) and not is_label(v) and not is_blank(v)) for v in below)
    return len(lower_filled) >= 2 and all(map(is_label, lower_filled)) and gaps_over_labels and below_has_numbers


def _fill_across(header: list[str]) -> list[str]:
    filled, current = [], ""
    for name in header:
        current = name or current
        filled.append(current)
    return filled


def _drop_empty(frame: pd.DataFrame, warnings: list[str], distinct: dict[str, pa.Array]) -> pd.DataFrame:
    empty = {name: _empty_cells(frame[name], distinct.get(name)) for name in frame.columns}
    empty_columns = [name for name, cells in empty.items() if cells is not None and cells.all()]
    if empty_columns:
        frame = frame.drop(columns=empty_columns)
        warnings.append(f"Dropped {len(empty_columns)} empty column(s).")
    if frame.empty or any(empty[name] is None for name in frame.columns):
        return frame  # a column without an empty cell: no row can be empty
    empty_cells = pd.DataFrame({name: empty[name] for name in frame.columns}, index=frame.index)
    empty_rows = empty_cells.all(axis=1)
    notes = _note_rows(empty_rows, empty_cells)
    if notes.any():
        frame, empty_cells = frame.loc[~notes], empty_cells.loc[~notes]
        empty_rows = empty_rows.loc[~notes]
        warnings.append(f"Dropped {int(notes.sum())} note row(s) below the table.")
    if empty_rows.any():
        frame = frame.loc[~empty_rows]
        warnings.append(f"Dropped {int(empty_rows.sum())} empty row(s).")
    return frame


def _distinct(column: pd.Series) -> pa.Array:
    return pc.unique(_arrow(column))


def _arrow(column: pd.Series) -> pa.ChunkedArray | pa.Array:
    """The column as Arrow data: its own when it is Arrow-backed (no copy), else converted."""
    if isinstance(column.dtype, pd.ArrowDtype):
        return pa.array(column.array)
    return pa.array(column.astype(object).where(column.notna(), None), from_pandas=True)


def _empty_cells(column: pd.Series, distinct: pa.Array | None) -> pd.Series | None:
    """Which cells are empty (missing, or text of nothing but spaces); None when none is."""
    array = _arrow(column)
    blanks = []
    if distinct is not None:
        strings = pc.cast(distinct, pa.string())
        blanks = pc.filter(strings, pc.fill_null(pc.or_(pc.equal(pc.utf8_length(strings), 0),
                                                       pc.utf8_is_space(strings)), False))
    if array.null_count == 0 and not len(blanks):
        return None
    missing = pc.is_null(array, nan_is_null=True)
    if len(blanks):
        missing = pc.or_(missing, pc.fill_null(pc.is_in(pc.cast(array, pa.string()), value_set=blanks), False))
    return pd.Series(missing.to_numpy(zero_copy_only=False), index=column.index)


def _note_rows(empty_rows: pd.Series, empty_cells: pd.DataFrame) -> pd.Series:
    """A few sparse rows after the last blank row are notes under the table, not data."""
    notes = pd.Series(False, index=empty_rows.index)
    positions = empty_rows.to_numpy().nonzero()[0]
    if not len(positions):
        return notes
    after = empty_rows.index[positions[-1] + 1:]
    if 0 < len(after) <= MAX_NOTE_ROWS:
        filled_share = 1 - empty_cells.loc[after].mean(axis=1)
        if (filled_share <= 0.5).all():
            notes.loc[after] = True
    return notes


def _drop_totals(frame: pd.DataFrame, warnings: list[str], distinct: dict[str, pa.Array]) -> pd.DataFrame:
    label_columns = [name for name in frame.columns[:3] if name in distinct]
    if not label_columns or frame.empty:
        return frame
    is_total = pd.Series(False, index=frame.index)
    for name in label_columns:
        labels = pc.cast(distinct[name], pa.string())
        totals = pc.filter(labels, pc.fill_null(pc.match_substring_regex(labels, f"(?i){_TOTAL.pattern}"), False))
        if len(totals):
            marked = pc.fill_null(pc.is_in(pc.cast(_arrow(frame[name]), pa.string()), value_set=totals), False)
            is_total |= marked.to_numpy(zero_copy_only=False)
    if is_total.any() and is_total.sum() < len(frame):
        example = str(frame.loc[is_total, label_columns].bfill(axis=1).iloc[0, 0]).strip()
        warnings.append(f'Dropped {int(is_total.sum())} total/subtotal row(s) (e.g. "{example}") so sums are not counted twice.')
        frame = frame.loc[~is_total]
    return frame


_ARROW_TEXT = pd.ArrowDtype(pa.string())


def _as_text(column: pd.Series) -> pd.Series:
    """Arrow-backed strings: vectorised string operations without a Python object per cell
    (an Arrow column already is one; converting it to another string type would copy it
    through Python objects)."""
    if isinstance(column.dtype, pd.ArrowDtype) and pa.types.is_string(column.dtype.pyarrow_dtype):
        return column
    return column.astype(object).astype(_ARROW_TEXT)


def _is_text(column: pd.Series) -> bool:
    dtype = column.dtype
    if isinstance(dtype, pd.ArrowDtype):
        return pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(dtype.pyarrow_dtype)
    return dtype == object or isinstance(dtype, pd.StringDtype)


def _convert_text_column(column: pd.Series, name: str, warnings: list[str]) -> pd.Series:
    # Decide from a sample of non-empty values; only a column that converts is processed whole.
    counts = _sample(column)
    if not counts:
        return column
    sample = list(counts)
    convention, share = read_sample(counts)
    if share >= CONVERT_SHARE:
        numbers = _whole_numbers_as_integers(to_numbers(column, convention))
        present = int((column.notna() & ~_as_text(column).str.strip().str.lower().isin(NULL_TOKENS)).sum())
        failed = int(present - numbers.notna().sum())
        warnings.append(f'Converted "{name}" from text to numbers ({_how_read(sample, convention)}).')
        if failed:
            warnings.append(f'"{name}": {failed} value(s) that are not numbers were left empty.')
        return numbers
    if share >= MIXED_SHARE:
        warnings.append(f'"{name}" mixes numbers and text; it was kept as text.')
        return column
    dates = _parse_dates(column, pd.Series(sample, dtype=_ARROW_TEXT))
    if dates is not None:
        warnings.append(f'Read "{name}" as dates.')
        return dates
    return column


def _whole_numbers_as_integers(numbers: pd.Series) -> pd.Series:
    """Counts and ids typed as text ("1101", "1,000") stay integers, as a CSV reader would make them."""
    present = numbers.dropna()
    if len(present) and (present % 1 == 0).all() and present.abs().max() < 2**53:
        return numbers.astype(pd.ArrowDtype(pa.int64()))
    return numbers


def _sample(column: pd.Series) -> dict[str, int]:
    """How often each non-empty value occurs among the top SAMPLE_SIZE values of the column."""
    array = _arrow(column)
    head = pc.drop_null(array.slice(0, SAMPLE_SIZE * 4))
    if len(head) < SAMPLE_SIZE:
        head = pc.drop_null(array).slice(0, SAMPLE_SIZE * 2)
    counts: dict[str, int] = {}
    for item in pc.value_counts(pc.cast(head.slice(0, SAMPLE_SIZE), pa.string())).to_pylist():
        value = item["values"].strip()
        if value.lower() not in NULL_TOKENS:
            counts[value] = counts.get(value, 0) + item["counts"]
    return counts


def _how_read(sample: list[str], convention) -> str:
    """The first example that converts and what it became, with the convention when it mattered."""
    numbers = to_numbers(pd.Series(sample[:50]), convention)
    example, number = next(((v, n) for v, n in zip(sample, numbers) if n == n), (sample[0], numbers.iloc[0]))
    shown = f'"{example}" read as {format_number(number)}'
    if any(mark in value for value in sample for mark in ",.") and convention.decimal == ",":
        shown += ", with a decimal comma and thousands dots"
    return shown


def _parse_dates(column: pd.Series, sample: pd.Series) -> pd.Series | None:
    if sample.str.match(_DATE_HINT.pattern).mean() < CONVERT_SHARE:
        return None
    guess = pd.tseries.api.guess_datetime_format(str(sample.iloc[0]))
    if guess is None:
        return None
    parsed_sample = pd.to_datetime(sample.astype(object), format=guess, errors="coerce")
    if parsed_sample.notna().mean() < CONVERT_SHARE:
        return None
    return pd.to_datetime(_as_text(column).str.strip().astype(object), format=guess, errors="coerce")
