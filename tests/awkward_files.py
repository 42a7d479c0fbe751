"""Awkward files the shared corpus lacks, written on demand: each shows one trait people's files
have (European and currency-suffixed numbers, a web page named .csv, a 2 MB cell, hidden
sheets, a damaged sheet, year headers stored as numbers)."""
from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

NBSP, THIN = "\u00a0", "\u2009"


def european_numbers(path: Path) -> None:
    path.write_text("Posten;Betrag;Anteil\n"
                    f"Miete;1.234,56 €;12,5 %\nStrom;-1 234,5 €;3,0 %\nWasser;3,00{NBSP}US$;0,25 %\n"
                    f"Gas;1{THIN}000,00 EUR;84,25 %\n", encoding="utf-8")


def currency_codes(path: Path) -> None:
    path.write_text("item,price,cost\n"
                    "Rent,CHF 1'234.50,\"$1,234.56\"\nPower,CHF 99.95,(1200)\nWater,CHF 12'000.00,12%\n",
                    encoding="utf-8")


def web_page(path: Path) -> None:
    path.write_text("<!DOCTYPE html>\n<html><head><title>Report</title></head><body><table>"
                    "<tr><th>a</th></tr><tr><td>1</td></tr></table></body></html>\n", encoding="utf-8")


def svg_image(path: Path) -> None:
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" '
                    'height="10"><rect width="10" height="10"/></svg>\n', encoding="utf-8")


def big_cell(path: Path) -> None:
    path.write_text(f'id,document\n1,"{"x" * 2_000_000}"\n2,short\n', encoding="utf-8")


def two_rows(path: Path) -> None:
    path.write_text("unit,output\nU1,42\n", encoding="utf-8")


def hidden_sheets(path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    lookup = book.active
    lookup.title = "Lookup"
    lookup.append(["code", "meaning"])
    lookup.append(["A", "alarm"])
    lookup.sheet_state = "veryHidden"
    data = book.create_sheet("Data")
    data.append(["unit", "output"])
    for n in range(30):
        data.append([f"U{n % 3 + 1}", n * 1.5])
    data.sheet_state = "hidden"
    summary = book.create_sheet("Summary")
    summary.append(["unit", "total"])
    for unit in ("U1", "U2", "U3"):
        summary.append([unit, 10.0])
    book.active = 2
    book.save(path)


def damaged_sheet(path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    good = book.active
    good.title = "Good"
    good.append(["x", "y"])
    good.append([1, 2])
    broken = book.create_sheet("Broken")
    broken.append(["p", "q"])
    broken.append([3, 4])
    whole = path.with_suffix(".whole.xlsx")
    book.save(whole)
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = data[: len(data) // 2]  # cut off mid-sheet, as a failed copy leaves it
            target.writestr(item, data)
    whole.unlink()


def year_headers(path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Budget"
    sheet.append(["Department", 2023, 2024, 2025])
    sheet.append(["Operations", 120.5, 130.0, 141.25])
    sheet.append(["Safety", 40.0, 42.5, 45.0])
    book.save(path)


GENERATED: dict[str, Callable[[Path], None]] = {
    "european_numbers.csv": european_numbers, "currency_codes.csv": currency_codes, "web_page.csv": web_page,
    "svg_image.csv": svg_image, "big_cell.csv": big_cell, "two_rows.csv": two_rows,
    "hidden_sheets.xlsx": hidden_sheets, "damaged_sheet.xlsx": damaged_sheet, "year_headers.xlsx": year_headers,
}
