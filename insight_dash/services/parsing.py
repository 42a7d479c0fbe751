"""Parse an inspected upload into clean tables: pyarrow for CSV, calamine (fastexcel) for XLSX.

Each table comes back as a pandas DataFrame backed by Arrow memory, plus the fixer's
warnings. Both readers first look at the top rows to find the header (see `cleaning`). What
the fast readers cannot take is still read, and said: rows with too few or too many fields
are padded or cut, a sheet column mixing types (dates with durations) is read as text, a
damaged sheet is left out with the reason; hidden sheets are read and come last.
"""
from __future__ import annotations

import csv
import io
import itertools
import logging
import mmap
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from insight_dash.services.cleaning import HEADER_SCAN_ROWS, HeaderPlan, clean_frame, locate_header
from insight_dash.services.inspection import Inspection, UploadRefused
from insight_dash.services.xlsx_head import sheet_heads

log = logging.getLogger(__name__)
CSV_BLOCK_BYTES = 4 * 1024 * 1024  # bigger blocks parse with fewer threads at once; big cells fit anyway
CSV_NULLS = ["", "NA", "N/A", "n/a", "NULL", "null", "NaN", "nan", "-", "#N/A"]
MAX_NAMED_ROWS = 5
EARLY_PARQUET_ROWS = 100_000  # below this a copy written in parallel saves nothing worth a thread
VISIBILITY = {"visible": "visible", "hidden": "hidden", "veryhidden": "very hidden"}
# Python's csv module refuses cells over 128 KiB by default; a pasted document can be megabytes.
csv.field_size_limit(2**31 - 1)


# Starts writing the Parquet copy of table `index` of the file as read; the Future gives its path.
ParquetStart = Callable[[int, pa.Table], "Future[Path]"]


@dataclass
class ParsedTable:
    name: str
    frame: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    visibility: str = "visible"  # for sheets: "visible", "hidden" or "very hidden"
    parquet: Future | None = None  # a Parquet copy of `frame`, being written while the fixer worked


def parse_upload(path: Path, inspection: Inspection, name: str | None = None,
                 start_parquet: ParquetStart | None = None) -> list[ParsedTable]:
    """The file's tables: one for a CSV (called `name`, default the file's stem), one per sheet,
    visible sheets first. With `start_parquet`, a big CSV's Parquet copy is written while the
    fixer looks at it: most tables need no fixing, and then the copy is ready sooner."""
    tables = parse_csv(path, inspection, name, start_parquet) if inspection.kind == "csv" else parse_xlsx(path)
    if not any(table.frame.size for table in tables):
        raise UploadRefused(_no_rows(tables))
    return [table for table in tables if table.frame.size]  # rows of nothing but empty cells are no table


def parse_csv(path: Path, inspection: Inspection, name: str | None = None,
              start_parquet: ParquetStart | None = None) -> list[ParsedTable]:
    with open(path, encoding=inspection.encoding, newline="", errors="replace") as handle:
        top = list(itertools.islice(csv.reader(handle, delimiter=inspection.delimiter), HEADER_SCAN_ROWS))
    plan = locate_header(top)
    if not plan.names:
        return [ParsedTable(name=name or Path(path).stem, frame=pd.DataFrame(), warnings=[_empty(plan)])]
    # The header decides the width, unless most rows are wider: one stray extra field must not
    # reshape the table (that row is cut), a header shorter than all its rows must not cut them.
    lengths = Counter(len(row) for row in top[plan.data_start:] if row)
    usual, count = lengths.most_common(1)[0] if lengths else (0, 0)
    width = usual if usual > len(plan.names) and count * 2 > sum(lengths.values()) else len(plan.names)
    names = plan.names + [f"Column {n}" for n in range(len(plan.names) + 1, width + 1)]
    encoding = "utf8" if inspection.encoding in ("utf-8", "utf-8-sig") else inspection.encoding
    ragged: list[int] = []
    table = _read_csv(path, encoding, inspection.delimiter, plan.data_start, names, ragged, _has_quotes(path))
    warnings = list(plan.warnings)
    if ragged:  # rows of the wrong width: read the file again, row by row, and fit each one
        table = _read_csv(_fitted_rows(path, inspection, plan, names, warnings), "utf8", ",", 0, names)
    early = start_parquet(0, table) if start_parquet and table.num_rows >= EARLY_PARQUET_ROWS else None
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    del table
    cleaned_frame, cleaned = clean_frame(frame)
    if early is not None and cleaned_frame is not frame:
        early.result()  # the fixer changed the table: that copy is not of it
        early = None
    return [ParsedTable(name=name or Path(path).stem, frame=cleaned_frame, parquet=early,
                        warnings=warnings + cleaned if cleaned_frame.size else [_empty(plan)])]


def _read_csv(source: Path | io.BytesIO, encoding: str, delimiter: str, skip: int, names: list[str],
              ragged: list[int] | None = None, quoted: bool = True) -> pa.Table:
    """pyarrow's CSV reader; rows of the wrong width are counted into `ragged` and skipped.
    Only a file with quotes can have newlines inside values, and looking for them is slower."""
    try:
        return pacsv.read_csv(
            source,
            # Rows to skip are counted after the names, as CSV records: a header cell may hold newlines.
            read_options=pacsv.ReadOptions(encoding=encoding, skip_rows_after_names=skip, column_names=names,
                                           block_size=CSV_BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted,
                                             invalid_row_handler=lambda _: ragged.append(1) or "skip"),
            convert_options=pacsv.ConvertOptions(null_values=CSV_NULLS, strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        log.warning("CSV not readable", extra={"error": _first_line(exc)})
        raise UploadRefused("This CSV could not be read: its structure is broken (for example a quote that is "
                            "never closed). Save it again as CSV from the program that made it.") from exc


def _has_quotes(path: Path) -> bool:
    """Does the file hold a double quote anywhere (a byte search: a few milliseconds for 100 MB)?
    UTF-16 text is searched for its own form of the quote."""
    with open(path, "rb") as handle:
        if handle.read(2) in (b"\xff\xfe", b"\xfe\xff"):
            return True  # UTF-16: the reader gets it transcoded; stay on the safe path
        handle.seek(0)
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return data.find(b'"') >= 0


def _fitted_rows(path: Path, inspection: Inspection, plan: HeaderPlan, names: list[str],
                 warnings: list[str]) -> io.BytesIO:
    """The data rows padded with empty cells or cut to the table's width, as a clean CSV for
    pyarrow (which then types the columns exactly as it would have)."""
    width, padded, cut = len(names), [], []
    fitted = io.StringIO()
    writer = csv.writer(fitted)
    with open(path, encoding=inspection.encoding, newline="", errors="replace") as handle:
        for number, row in enumerate(csv.reader(handle, delimiter=inspection.delimiter), start=1):
            if number <= plan.data_start or not row:
                continue
            if len(row) < width:
                padded.append(number)
                row = row + [""] * (width - len(row))
            elif len(row) > width:
                cut.append(number)
                row = row[:width]
            writer.writerow(row)
    if padded:
        warnings.append(f"Padded {len(padded)} row(s) with fewer fields than the {width} columns with empty cells "
                        f"({_rows_named(padded)}).")
    if cut:
        warnings.append(f"Cut {len(cut)} row(s) with more fields than the {width} columns ({_rows_named(cut)}); "
                        f"the extra fields were left out.")
    return io.BytesIO(fitted.getvalue().encode())


def _rows_named(numbers: list[int]) -> str:
    shown = ", ".join(str(number) for number in numbers[:MAX_NAMED_ROWS])
    more = f" and {len(numbers) - MAX_NAMED_ROWS} more" if len(numbers) > MAX_NAMED_ROWS else ""
    return f"row{'s' if len(numbers) > 1 else ''} {shown}{more} of the file"


def parse_xlsx(path: Path) -> list[ParsedTable]:
    try:
        reader = fastexcel.read_excel(path)
        heads = sheet_heads(path, HEADER_SCAN_ROWS)
    except Exception as exc:  # calamine and the XML reader report damage with their own types
        log.warning("workbook not readable", extra={"error": _first_line(exc)})
        raise UploadRefused("This workbook is damaged and could not be opened. Open it in Excel, save it again, "
                            "and upload the new file.") from exc
    tables = [_parse_sheet(reader, name, heads.get(name, [])) for name in reader.sheet_names]
    damaged = [table for table in tables if table.frame is None]
    tables = [table for table in tables if table.frame is not None]
    if damaged and not tables:
        raise UploadRefused(f"The workbook could not be read: {damaged[0].warnings[0]} "
                            f"Open it in Excel, save it again, and upload the new file.")
    readable = [table for table in tables if table.frame.size]
    skipped = [table.name for table in tables if not table.frame.size]
    notes = [f"Skipped sheet(s) without a table: {', '.join(repr(s) for s in skipped)}."] if skipped else []
    notes += [table.warnings[0] for table in damaged]
    if notes and readable:
        max(readable, key=lambda table: table.frame.size).warnings.extend(notes)
    return sorted(tables, key=lambda table: table.visibility != "visible")


def _parse_sheet(reader: fastexcel.ExcelReader, sheet_name: str, head: list[list] | None) -> ParsedTable:
    """The sheet's table: an empty frame when the sheet holds no table, None (with the reason
    as its warning) when it is damaged."""
    if head is None:
        return ParsedTable(name=sheet_name, frame=None, warnings=[
            f'Sheet "{sheet_name}" is damaged (its XML is cut short or malformed) and was left out.'])
    plan = locate_header(head)
    if not plan.names or plan.data_start >= len(head):
        return ParsedTable(name=sheet_name, frame=pd.DataFrame(), warnings=[_empty(plan, sheet_name)])
    width = max(len(row) for row in head)
    names = (plan.names + [f"Column {n}" for n in range(len(plan.names) + 1, width + 1)])[:width]
    warnings = list(plan.warnings)
    try:
        sheet = _load(reader, sheet_name, plan, names, warnings)
    except fastexcel.FastExcelError as exc:
        log.warning("sheet not readable", extra={"sheet": sheet_name, "error": _first_line(exc)})
        return ParsedTable(name=sheet_name, frame=None, warnings=[
            f'Sheet "{sheet_name}" is damaged (its cells cannot be read) and was left out.'])
    frame = pa.Table.from_batches([sheet[0]]).to_pandas(types_mapper=pd.ArrowDtype)
    frame, cleaned = clean_frame(frame)
    return ParsedTable(name=sheet_name, frame=frame, warnings=warnings + cleaned if frame.size else
                       [_empty(plan, sheet_name)], visibility=sheet[1])


def _load(reader: fastexcel.ExcelReader, sheet_name: str, plan: HeaderPlan, names: list[str],
          warnings: list[str]) -> tuple[pa.RecordBatch, str]:
    """The sheet's cells as an Arrow batch, and the sheet's visibility."""
    options = dict(header_row=None, skip_rows=plan.data_start, column_names=names)
    try:
        sheet = reader.load_sheet(sheet_name, **options)
        batch, errors = sheet.to_arrow_with_errors()
    except fastexcel.UnsupportedColumnTypeCombinationError:
        # A column holding dates and durations (or other types Arrow cannot put in one column).
        sheet = reader.load_sheet(sheet_name, dtypes="string", **options)
        warnings.append("Some columns mix dates with durations or other kinds of values; they were read as text.")
        return sheet.to_arrow(), VISIBILITY.get(sheet.visible, "visible")
    mixed = sorted({names[error.position[1]] for error in errors.errors} if errors else set())
    if mixed:
        # Cells that do not fit the column's type were nulled by calamine; read those columns
        # again as text so the fixer can decide (and say) what they are.
        text = reader.load_sheet(sheet_name, header_row=None, skip_rows=plan.data_start, column_names=mixed,
                                 use_columns=[names.index(name) for name in mixed],
                                 dtypes={name: "string" for name in mixed}).to_arrow()
        for name in mixed:
            batch = batch.set_column(batch.schema.get_field_index(name), name, text.column(name))
    return batch, VISIBILITY.get(sheet.visible, "visible")


def _empty(plan: HeaderPlan, sheet: str | None = None) -> str:
    """Why a table came out empty, as precisely as the parse knows."""
    where = f'Sheet "{sheet}"' if sheet else "The file"
    if plan.names and plan.has_header:
        shown = ", ".join(plan.names[:6]) + (", ..." if len(plan.names) > 6 else "")
        return f"{where} has a header row ({shown}) but no data rows under it."
    return f"{where} holds no data rows." if sheet is None else f"{where} is empty."


def _no_rows(tables: list[ParsedTable]) -> str:
    reasons = [table.warnings[0] for table in tables if table.warnings]
    if len(tables) == 1 and reasons:
        return reasons[0]
    return "None of the workbook's sheets holds data rows" + (f" ({' '.join(reasons[:3])})" if reasons else ".")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
