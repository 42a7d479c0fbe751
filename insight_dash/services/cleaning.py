"""The messy-spreadsheet fixer. Every decision is recorded as a warning a person can read.

Two steps: `locate_header` reads the first rows of a sheet (title rows, blank rows, one or
two header rows, merged header cells) and `clean_frame` tidies the parsed table (empty rows
and columns, totals rows, numbers and dates stored as text, mixed columns).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

HEADER_SCAN_ROWS = 30
CONVERT_SHARE = 0.95  # of non-empty values that must parse before a text column is converted
MIXED_SHARE = 0.5  # above this share of numbers (but below CONVERT_SHARE) a column is "mixed"
SAMPLE_SIZE = 2000
MAX_NOTE_ROWS = 5
NULL_TOKENS = frozenset({"", "-", "—", "–", "n/a", "na", "#n/a", "null", "none", "nan", "#value!", "#ref!", "#div/0!"})
_NUMBER = re.compile(r"^[+-]?[$€£¥]?\s*\(?[+-]?[$€£¥]?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d+)?\)?\s*%?$")
_EURO_NUMBER = re.compile(r"^[+-]?[$€£¥]?\s*\(?(\d{1,3}(\.\d{3})+|\d+),\d+\)?\s*%?$")
_TOTAL = re.compile(r"^\s*(grand\s+)?(sub\s*-?\s*)?totals?\b", re.IGNORECASE)
_DATE_HINT = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2})?)?")


@dataclass
class HeaderPlan:
    """Where the data starts and what its columns are called."""

    data_start: int
    names: list[str]
    warnings: list[str] = field(default_factory=list)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""


def is_label(value: Any) -> bool:
    """Text that reads as a label: not blank, not a number, not a date."""
    if is_blank(value) or not isinstance(value, str):
        return False
    text = value.strip()
    return not (_NUMBER.match(text) or _EURO_NUMBER.match(text) or _DATE_HINT.match(text))


def locate_header(rows: list[list[Any]]) -> HeaderPlan:
    """Find the header in the first rows of a sheet (raw cell values, no header applied)."""
    rows = rows[:HEADER_SCAN_ROWS]
    width = max((sum(not is_blank(v) for v in row) for row in rows), default=0)
    if width == 0:
        return HeaderPlan(data_start=0, names=[])
    warnings: list[str] = []
    header_index = 0
    for index, row in enumerate(rows):
        filled = [v for v in row if not is_blank(v)]
        # At least two labels when the table is that wide: a lone title cell is not a header.
        if len(filled) >= max(min(2, width), width * 0.5) and sum(map(is_label, filled)) >= len(filled) * 0.6:
            header_index = index
            break
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
    """Tidy a parsed table; returns the new frame and what was done, in words."""
    warnings: list[str] = []
    frame = _drop_empty(frame, warnings)
    frame = _drop_totals(frame, warnings)
    converted = {name: _convert_text_column(frame[name], name, warnings)
                 for name in frame.columns if _is_text(frame[name])}
    return frame.assign(**converted).reset_index(drop=True), warnings


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


def _drop_empty(frame: pd.DataFrame, warnings: list[str]) -> pd.DataFrame:
    text_blank = {name: _as_text(frame[name]).str.strip().eq("") for name in frame.columns if _is_text(frame[name])}
    empty_cells = frame.isna()
    for name, blanks in text_blank.items():
        empty_cells[name] = empty_cells[name] | blanks.fillna(False).astype(bool)
    empty_columns = [name for name in frame.columns if empty_cells[name].all()]
    if empty_columns:
        frame = frame.drop(columns=empty_columns)
        empty_cells = empty_cells.drop(columns=empty_columns)
        warnings.append(f"Dropped {len(empty_columns)} empty column(s).")
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


def _drop_totals(frame: pd.DataFrame, warnings: list[str]) -> pd.DataFrame:
    label_columns = [name for name in frame.columns[:3] if _is_text(frame[name])]
    if not label_columns or frame.empty:
        return frame
    is_total = pd.Series(False, index=frame.index)
    for name in label_columns:
        is_total |= _as_text(frame[name]).str.match(_TOTAL.pattern, case=False).fillna(False).astype(bool)
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
    sample = _as_text(column.dropna().head(SAMPLE_SIZE * 2)).str.strip()
    sample = sample[~sample.str.lower().isin(NULL_TOKENS)].head(SAMPLE_SIZE)
    if sample.empty:
        return column
    numeric_share = max(sample.str.match(_NUMBER.pattern).mean(), sample.str.match(_EURO_NUMBER.pattern).mean())
    if numeric_share >= CONVERT_SHARE:
        european = sample.str.match(_EURO_NUMBER.pattern).mean() > sample.str.match(_NUMBER.pattern).mean()
        text = _as_text(column).str.strip()
        numbers = _parse_numbers(text, european)
        present = int((text.notna() & ~text.str.lower().isin(NULL_TOKENS)).sum())
        failed = int(present - numbers.notna().sum())
        examples = ", ".join(f'"{v}"' for v in sample.head(2))
        warnings.append(f'Converted "{name}" from text to numbers ({examples}).')
        if failed:
            warnings.append(f'"{name}": {failed} value(s) that are not numbers were left empty.')
        return numbers
    if numeric_share >= MIXED_SHARE:
        warnings.append(f'"{name}" mixes numbers and text; it was kept as text.')
        return column
    dates = _parse_dates(column, sample)
    if dates is not None:
        warnings.append(f'Read "{name}" as dates.')
        return dates
    return column


def _parse_numbers(text: pd.Series, european: bool) -> pd.Series:
    negative = text.str.startswith("(") & text.str.endswith(")") | text.str.startswith("-")
    percent = text.str.endswith("%")
    digits = text.str.replace(r"[^0-9.,]", "", regex=True)
    if european:
        digits = digits.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        digits = digits.str.replace(",", "", regex=False)
    numbers = pd.to_numeric(digits.astype(object).where(digits.notna() & (digits != ""), None),
                            errors="coerce").astype("float64")
    numbers = numbers.where(~negative.fillna(False).astype(bool), -numbers)
    return numbers.where(~percent.fillna(False).astype(bool), numbers / 100)


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
