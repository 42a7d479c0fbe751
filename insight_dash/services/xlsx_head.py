"""The first rows of every sheet of a workbook, read by streaming the sheet XML.

Finding the header needs only the top of a sheet, but calamine (and fastexcel on top of it)
parses a whole sheet on every call: reading 30 rows of a 500k-row sheet cost a full parse.
This reader stops after the rows it needs. Cell values come back raw (shared strings and
inline text as str, numbers as float); rows count from the top of the sheet and columns from the
first used one, as fastexcel counts them, so positions line up with its reads.
Inspection has already refused DTDs and entities, so plain ElementTree is safe here.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError, iterparse

_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _local(tag: str) -> str:
    """A tag without its namespace: transitional and strict OOXML ("purl.oclc.org") name them differently."""
    return tag.rsplit("}", 1)[-1]


def _relationship_id(element) -> str | None:
    return next((value for key, value in element.attrib.items() if key.endswith("}id")), None)


def sheet_heads(path: Path, rows: int) -> dict[str, list[list[Any]] | None]:
    """{sheet name: its first `rows` used rows as lists, or None when its XML is damaged}, in
    workbook order."""
    with zipfile.ZipFile(path) as archive:
        sheets = _sheet_paths(archive)
        raw = {name: _read_rows(archive, member, rows) for name, member in sheets}
        needed = {cell[3] for cells in raw.values() if cells for cell in cells if cell[2] == "s"}
        shared = _shared_strings(archive, max(needed) if needed else -1)
    return {name: None if cells is None else _grid(cells, shared) for name, cells in raw.items()}


def _sheet_paths(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    targets = {}
    with archive.open("xl/_rels/workbook.xml.rels") as rels:
        for _, element in iterparse(rels):
            if _local(element.tag) == "Relationship":
                target = element.get("Target", "")
                targets[element.get("Id")] = target.lstrip("/") if target.startswith("/") else \
                    posixpath.normpath(posixpath.join("xl", target))
    sheets = []
    with archive.open("xl/workbook.xml") as workbook:
        for _, element in iterparse(workbook):
            if _local(element.tag) == "sheet":
                sheets.append((element.get("name"), targets.get(_relationship_id(element), "")))
    return sheets


def _read_rows(archive: zipfile.ZipFile, member: str, wanted: int) -> list[tuple] | None:
    """(row, column, type, value) of the cells in the first `wanted` rows that hold a value,
    or None when the sheet's XML is damaged. Rows and cells without references ("r", optional
    in the format) count on from the last."""
    if member not in archive.namelist():
        return []
    try:
        return _cells(archive, member, wanted)
    except ParseError:
        return None


def _cells(archive: zipfile.ZipFile, member: str, wanted: int) -> list[tuple]:
    cells: list[tuple] = []
    seen_rows: set[int] = set()
    row, next_column = 0, 0
    with archive.open(member) as sheet:
        for event, element in iterparse(sheet, events=("start", "end")):
            tag = _local(element.tag)
            if event == "start":
                if tag == "row":
                    row, next_column = int(element.get("r") or row + 1), 0
                continue
            if tag == "c":
                cell = _cell(element, row, next_column)
                next_column = (cell[1] if cell else next_column) + 1
                if cell is not None and cell[3] is not None:
                    if cell[0] not in seen_rows and len(seen_rows) == wanted:
                        break
                    seen_rows.add(cell[0])
                    cells.append(cell)
                element.clear()
    return cells


def _cell(element, row: int, next_column: int) -> tuple | None:
    """(row, column, type, value); value None for an empty cell."""
    match = _CELL_REF.match(element.get("r", ""))
    column = next_column + 1
    if match:
        row, column = int(match.group(2)), 0
        for letter in match.group(1):
            column = column * 26 + ord(letter) - 64
    kind = element.get("t", "n")
    if kind == "inlineStr":
        text = "".join(t.text or "" for t in element.iter() if _local(t.tag) == "t")
        return row, column - 1, "str", text or None
    value = next((child for child in element if _local(child.tag) == "v"), None)
    if value is None or value.text is None:
        return row, column - 1, "n", None
    if kind == "s":
        return row, column - 1, "s", int(value.text)
    if kind in ("str", "e"):
        return row, column - 1, "str", value.text
    if kind == "b":
        return row, column - 1, "n", value.text == "1"
    try:
        return row, column - 1, "n", float(value.text)
    except ValueError:
        return row, column - 1, "str", value.text


def _shared_strings(archive: zipfile.ZipFile, last_needed: int) -> list[str]:
    strings: list[str] = []
    if last_needed < 0 or "xl/sharedStrings.xml" not in archive.namelist():
        return strings
    with archive.open("xl/sharedStrings.xml") as table:
        for _, element in iterparse(table):
            if _local(element.tag) == "si":
                phonetic = _phonetic_texts(element)  # reading aids (<rPh>), not the cell's text
                strings.append("".join(t.text or "" for t in element.iter() if _local(t.tag) == "t"
                                       and t not in phonetic))
                element.clear()
                if len(strings) > last_needed:
                    break
    return strings


def _phonetic_texts(element) -> set:
    return {t for run in element.iter() if _local(run.tag) == "rPh" for t in run.iter() if _local(t.tag) == "t"}


def _grid(cells: list[tuple], shared: list[str]) -> list[list[Any]]:
    if not cells:
        return []
    first_row = 1  # fastexcel counts rows from the top of the sheet, used or not
    first_column = min(cell[1] for cell in cells)
    last_row = max(cell[0] for cell in cells)
    width = max(cell[1] for cell in cells) - first_column + 1
    grid: list[list[Any]] = [[None] * width for _ in range(last_row - first_row + 1)]
    for row, column, kind, value in cells:
        if kind == "s":
            value = shared[value] if value < len(shared) else None
        grid[row - first_row][column - first_column] = value
    return grid
