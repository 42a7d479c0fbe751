"""The evaluation datasets, generated with a fixed seed so every run asks about the same data."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def sensor_csv(path: Path, rows: int = 20_000, seed: int = 11) -> Path:
    """Power-plant sensor export: timestamp, plant, unit, readings, status."""
    rng = np.random.default_rng(seed)
    plant = rng.choice(["North", "South", "East"], rows)
    frame = pd.DataFrame({
        "timestamp": pd.date_range("2026-01-01", periods=rows, freq="5min"),
        "plant": plant,
        "unit": rng.choice(["U1", "U2", "U3", "U4"], rows),
        "temperature_c": rng.normal(60, 6, rows).round(2),
        "pressure_kpa": rng.normal(300, 25, rows).round(1),
        "flow_rate_m3h": rng.gamma(4, 30, rows).round(1),
        "output_mwh": (rng.normal(45, 8, rows) + (plant == "North") * 5).round(2),
        "status": rng.choice(["ok", "warning", "alarm"], rows, p=[0.9, 0.07, 0.03]),
    })
    frame.to_csv(path, index=False)
    return path


def budget_workbook(path: Path, seed: int = 5) -> Path:
    """A finance workbook as people make them: a title, a two-row header with merged cells,
    amounts typed as text, subtotal and total rows, a notes sheet, and a line-item sheet."""
    import openpyxl

    rng = np.random.default_rng(seed)
    book = openpyxl.Workbook()
    summary = book.active
    summary.title = "Summary FY26"
    summary["A1"] = "Acme Power — Budget vs Actual FY2026 (USD)"
    summary.append([])
    summary.append(["Department", "Cost center", "Budget", None, "Actual", None])
    summary.merge_cells("C3:D3")
    summary.merge_cells("E3:F3")
    summary.append([None, None, "H1", "H2", "H1", "H2"])
    departments = ["Operations", "Maintenance", "Engineering", "Finance", "Safety", "IT", "HR", "Procurement"]
    for number, department in enumerate(departments):
        budget = rng.integers(100, 900, 2) * 1000
        actual = (budget * rng.uniform(0.8, 1.2, 2)).round(2)
        summary.append([department, f"CC-{100 + number}", f"{budget[0]:,.2f}", f"${budget[1]:,.0f}",
                        float(actual[0]), f"{actual[1]:,.2f}"])
    summary.append(["Total", None, None, None, None, None])
    summary.append([])
    summary.append(["Figures unaudited."])
    items = book.create_sheet("Line items")
    items.append(["Date", "Department", "Category", "Vendor", "Amount"])
    for index in range(1500):
        items.append([(pd.Timestamp("2026-01-01") + pd.Timedelta(days=int(rng.integers(0, 360)))).date(),
                      departments[int(rng.integers(0, len(departments)))],
                      ["Labour", "Materials", "Services", "Travel"][int(rng.integers(0, 4))],
                      f"Vendor {int(rng.integers(1, 40)):02d}", round(float(rng.gamma(2, 800)), 2)])
    book.create_sheet("Notes")["A1"] = "Prepared by finance; amounts in USD."
    book.save(path)
    return path


def large_sensor_csv(path: Path) -> Path:
    """About 100 MB: the spec's performance case (950k rows)."""
    return sensor_csv(path, rows=950_000, seed=11)


GENERATORS = {"sensor_csv": sensor_csv, "budget_workbook": budget_workbook, "large_sensor_csv": large_sensor_csv}
