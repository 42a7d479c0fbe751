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
from xml.etree.ElementTree import iterparse

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def sheet_heads(path: Path, rows: int) -> dict[str, list[list[Any]]]:
    """{sheet name: its first `rows` used rows as lists}, in workbook order."""
    with zipfile.ZipFile(path) as archive:
        sheets = _sheet_paths(archive)
        raw = {name: _read_rows(archive, member, rows) for name, member in sheets}
        needed = {cell[1] for cells in raw.values() for cell in cells if cell[2] == "s"}
        shared = _shared_strings(archive, max(needed) if needed else -1)
    return {name: _grid(cells, shared) for name, cells in raw.items()}


def _sheet_paths(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    targets = {}
    with archive.open("xl/_rels/workbook.xml.rels") as rels:
        for _, element in iterparse(rels):
            if element.tag == f"{_PKG_REL}Relationship":
                target = element.get("Target", "")
                targets[element.get("Id")] = target.lstrip("/") if target.startswith("/") else \
                    posixpath.normpath(posixpath.join("xl", target))
    sheets = []
    with archive.open("xl/workbook.xml") as workbook:
        for _, element in iterparse(workbook):
            if element.tag == f"{_MAIN}sheet":
                sheets.append((element.get("name"), targets.get(element.get(f"{_REL}id"), "")))
    return sheets


def _read_rows(archive: zipfile.ZipFile, member: str, wanted: int) -> list[tuple]:
    """(row, column, type, value) of the cells in the first `wanted` rows that hold a value."""
    cells: list[tuple] = []
    seen_rows: set[int] = set()
    if member not in archive.namelist():
        return cells
    with archive.open(member) as sheet:
        for _, element in iterparse(sheet):
            if element.tag == f"{_MAIN}c":
                cell = _cell(element)
                if cell is not None:
                    if cell[0] not in seen_rows and len(seen_rows) == wanted:
                        break
                    seen_rows.add(cell[0])
                    cells.append(cell)
                element.clear()
    return cells


def _cell(element) -> tuple | None:
    match = _CELL_REF.match(element.get("r", ""))
    if not match:
        return None
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - 64
    kind = element.get("t", "n")
    if kind == "inlineStr":
        text = "".join(t.text or "" for t in element.iter(f"{_MAIN}t"))
        return (int(match.group(2)), column - 1, "str", text) if text else None
    value = element.find(f"{_MAIN}v")
    if value is None or value.text is None:
        return None
    if kind == "s":
        return int(match.group(2)), column - 1, "s", int(value.text)
    if kind in ("str", "e"):
        return int(match.group(2)), column - 1, "str", value.text
    if kind == "b":
        return int(match.group(2)), column - 1, "n", value.text == "1"
    try:
        return int(match.group(2)), column - 1, "n", float(value.text)
    except ValueError:
        return int(match.group(2)), column - 1, "str", value.text


def _shared_strings(archive: zipfile.ZipFile, last_needed: int) -> list[str]:
    strings: list[str] = []
    if last_needed < 0 or "xl/sharedStrings.xml" not in archive.namelist():
        return strings
    with archive.open("xl/sharedStrings.xml") as table:
        for _, element in iterparse(table):
            if element.tag == f"{_MAIN}si":
                strings.append("".join(t.text or "" for t in element.iter(f"{_MAIN}t")))
                element.clear()
                if len(strings) > last_needed:
                    break
    return strings


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
