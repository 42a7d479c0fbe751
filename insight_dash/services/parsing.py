"""Parse an inspected upload into clean tables: pyarrow for CSV, calamine (fastexcel) for XLSX.

Each table comes back as a pandas DataFrame backed by Arrow memory, plus the fixer's
warnings. Both readers first look at the top rows to find the header (see `cleaning`).
"""
from __future__ import annotations

import csv
import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from insight_dash.services.cleaning import HEADER_SCAN_ROWS, clean_frame, locate_header
from insight_dash.services.inspection import Inspection, UploadRefused
from insight_dash.services.xlsx_head import sheet_heads

CSV_BLOCK_BYTES = 16 * 1024 * 1024
CSV_NULLS = ["", "NA", "N/A", "n/a", "NULL", "null", "NaN", "nan", "-", "#N/A"]


@dataclass
class ParsedTable:
    name: str
    frame: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def parse_upload(path: Path, inspection: Inspection, name: str | None = None) -> list[ParsedTable]:
    """The file's tables: one for a CSV (called `name`, default the file's stem), one per sheet."""
    tables = parse_csv(path, inspection, name) if inspection.kind == "csv" else parse_xlsx(path)
    if not any(len(table.frame) for table in tables):
        raise UploadRefused("The file holds no data rows.")
    return [table for table in tables if len(table.frame)]


def parse_csv(path: Path, inspection: Inspection, name: str | None = None) -> list[ParsedTable]:
    with open(path, encoding=inspection.encoding, newline="", errors="replace") as handle:
        top = list(itertools.islice(csv.reader(handle, delimiter=inspection.delimiter), HEADER_SCAN_ROWS))
    plan = locate_header(top)
    # The usual row length, not the longest: one stray extra field must not reshape the table.
    lengths = Counter(len(row) for row in top[plan.data_start:] if row)
    width = max(lengths.most_common(1)[0][0] if lengths else 0, len(plan.names))
    names = plan.names + [f"Column {n}" for n in range(len(plan.names) + 1, width + 1)]
    skipped_rows: list[str] = []

    def skip_bad_row(row: pacsv.InvalidRow) -> str:
        skipped_rows.append(row.text or "")
        return "skip"

    encoding = "utf8" if inspection.encoding in ("utf-8", "utf-8-sig") else inspection.encoding
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=encoding, skip_rows=plan.data_start, column_names=names,
                                           block_size=CSV_BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=inspection.delimiter, newlines_in_values=True,
                                             invalid_row_handler=skip_bad_row),
            convert_options=pacsv.ConvertOptions(null_values=CSV_NULLS, strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise UploadRefused(f"The CSV could not be read: {_first_line(exc)}") from exc
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    del table
    frame, cleaned = clean_frame(frame)
    warnings = plan.warnings + cleaned
    if skipped_rows:
        warnings.append(f"Skipped {len(skipped_rows)} row(s) with the wrong number of fields.")
    return [ParsedTable(name=name or Path(path).stem, frame=frame, warnings=warnings)]


def parse_xlsx(path: Path) -> list[ParsedTable]:
    try:
        reader = fastexcel.read_excel(path)
        heads = sheet_heads(path, HEADER_SCAN_ROWS)
    except Exception as exc:  # calamine and the XML reader report damage with their own types
        raise UploadRefused(f"The workbook could not be read: {_first_line(exc)}") from exc
    tables = [_parse_sheet(reader, name, heads.get(name, [])) for name in reader.sheet_names]
    skipped = [name for name, table in zip(reader.sheet_names, tables) if not len(table.frame)]
    if skipped and len(skipped) < len(tables):
        largest = max(tables, key=lambda table: table.frame.size)
        largest.warnings.append(f"Skipped sheet(s) without a table: {', '.join(repr(s) for s in skipped)}.")
    return tables


def _parse_sheet(reader: fastexcel.ExcelReader, sheet_name: str, head: list[list]) -> ParsedTable:
    """The sheet's table; an empty frame when the sheet holds no table."""
    plan = locate_header(head)
    if not plan.names or plan.data_start >= len(head):
        return ParsedTable(name=sheet_name, frame=pd.DataFrame())
    width = max(len(row) for row in head)
    names = (plan.names + [f"Column {n}" for n in range(len(plan.names) + 1, width + 1)])[:width]
    options = dict(header_row=None, skip_rows=plan.data_start, column_names=names)
    batch, errors = reader.load_sheet(sheet_name, **options).to_arrow_with_errors()
    mixed = sorted({names[error.position[1]] for error in errors.errors} if errors else set())
    if mixed:
        # Cells that do not fit the column's type were nulled by calamine; read those columns
        # again as text so the fixer can decide (and say) what they are.
        text = reader.load_sheet(sheet_name, header_row=None, skip_rows=plan.data_start, column_names=mixed,
                                 use_columns=[names.index(name) for name in mixed],
                                 dtypes={name: "string" for name in mixed}).to_arrow()
        for name in mixed:
            batch = batch.set_column(batch.schema.get_field_index(name), name, text.column(name))
    frame = pa.Table.from_batches([batch]).to_pandas(types_mapper=pd.ArrowDtype)
    frame, cleaned = clean_frame(frame)
    return ParsedTable(name=sheet_name, frame=frame, warnings=plan.warnings + cleaned)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
