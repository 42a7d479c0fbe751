"""Files to upload: a clean sensor export and a finance workbook as people make them."""
from __future__ import annotations

from pathlib import Path


def write_sensor_csv(path: Path, rows: int = 500, seed: int = 7, renamed: dict[str, str] | None = None) -> Path:
    """A clean sensor export: timestamp, unit, two readings, a status (columns `renamed` as a
    later export might name them)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    pd.DataFrame({
        "timestamp": pd.date_range("2026-01-01", periods=rows, freq="min"),
        "unit": rng.choice(["U1", "U2", "U3"], rows),
        "temperature_c": rng.normal(60, 5, rows).round(2),
        "pressure_kpa": rng.normal(300, 20, rows).round(1),
        "status": rng.choice(["ok", "alarm"], rows, p=[0.9, 0.1]),
    }).rename(columns=renamed or {}).to_csv(path, index=False)
    return path


def write_messy_workbook(path: Path) -> Path:
    """A finance workbook as people make them: a title, two header rows with merged cells,
    numbers typed as text, a totals row, a note under the table, a notes sheet, and a
    second, larger sheet."""
    import openpyxl

    book = openpyxl.Workbook()
    budget = book.active
    budget.title = "Budget FY26"
    budget["A1"] = "Acme Corp — Budget FY2026"
    budget.merge_cells("A1:F1")
    budget.append([])
    budget.append(["Department", "Cost center", "Budget", None, "Actual", None])
    budget.merge_cells("C3:D3")
    budget.merge_cells("E3:F3")
    budget.append([None, None, "Q1", "Q2", "Q1", "Q2"])
    for row in (["Engineering", "CC-100", "1,234.50", "(1,200)", 1000.5, 2000],
                ["Finance", "CC-200", "$2,000", "12%", 1500, "n/a"],
                ["Operations", "CC-300", 500, 600, 450, 700]):
        budget.append(row)
    budget.append(["Total", None, 3734.5, None, 2950.5, 2700])
    budget.append([])
    budget.append(["Prepared by finance"])
    lines = book.create_sheet("Line items")
    lines.append(["Date", "Department", "Amount"])
    for day in range(1, 41):
        lines.append([f"2026-01-{(day - 1) % 28 + 1:02d}", ["Engineering", "Finance"][day % 2], day * 10.5])
    book.create_sheet("Notes")["A1"] = "Figures in USD"
    book.save(path)
    return path
