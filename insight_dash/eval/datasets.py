"""The evaluation datasets, generated with a fixed seed so every run asks about the same data."""
from __future__ import annotations

from pathlib import Path
from typing import Any

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
    rng = np.random.default_rng(seed)
    book, summary = _titled_workbook("Summary FY26", "Acme Power — Budget vs Actual FY2026 (USD)")
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


def plant_ops_csv(path: Path, days: int = 60, seed: int = 23) -> Path:
    """An hourly plant-operations export as a SCADA historian writes it: names with spaces,
    dots, parentheses and a percent sign, a unit status, and steam temperatures that drop out."""
    rng = np.random.default_rng(seed)
    hours = pd.date_range("2026-03-01", periods=days * 24, freq="h")
    frames = []
    for unit, capacity in (("U1", 320.0), ("U2", 280.0), ("U3", 350.0)):
        status = rng.choice(["Online", "Derate", "Offline"], len(hours), p=[0.8, 0.13, 0.07])
        load = np.where(status == "Online", rng.uniform(0.75, 0.98, len(hours)),
                        np.where(status == "Derate", rng.uniform(0.4, 0.7, len(hours)), 0.0))
        gross = (capacity * load).round(1)
        aux = np.where(gross > 0, rng.uniform(4.0, 7.0, len(hours)), 0.0)
        steam = np.where(gross > 0, rng.normal(1005, 12, len(hours)), rng.normal(420, 30, len(hours))).round(1)
        frames.append(pd.DataFrame({
            "Timestamp": hours, "Unit": unit, "Status": status, "Gross MW": gross,
            "Net MW": (gross * (1 - aux / 100)).round(1), "Aux. load %": aux.round(2),
            "Steam Temp. (F)": np.where(rng.random(len(hours)) < 0.04, np.nan, steam),
        }))
    pd.concat(frames).sort_values(["Timestamp", "Unit"]).to_csv(path, index=False)
    return path


def vendor_budget_workbook(path: Path, lines: int = 720, seed: int = 31) -> Path:
    """A budget-versus-actual detail sheet under a title row, one line per purchase order."""
    rng = np.random.default_rng(seed)
    book, sheet = _titled_workbook("Detail FY25", "Detail FY25 — budget vs actual by line (USD)")
    sheet.append(["Line #", "Vendor", "Department", "Account", "Budget", "Actual"])
    departments = ["Operations", "Maintenance", "Engineering", "Safety", "IT"]
    accounts = ["Contract services", "Spare parts", "Consumables", "Software"]
    vendors = [f"Vendor {chr(65 + n // 26)}{chr(65 + n % 26)}" for n in range(30)]
    for number in range(1, lines + 1):
        budget = float(rng.integers(5, 200) * 100)
        actual = round(budget * float(rng.normal(1.02, 0.12)), 2)
        sheet.append([number, vendors[int(rng.integers(0, len(vendors)))],
                      departments[int(rng.integers(0, len(departments)))],
                      accounts[int(rng.integers(0, len(accounts)))], budget, actual])
    book.create_sheet("Notes")["A1"] = "Actuals through 30 June; budget as approved."
    book.save(path)
    return path


def passengers_csv(path: Path, rows: int = 891, seed: int = 1912) -> Path:
    """A Titanic-like passenger list: the public table-QA benchmarks' favourite table, with its
    terse column names, missing ages and mostly missing cabins."""
    rng = np.random.default_rng(seed)
    pclass = rng.choice([1, 2, 3], rows, p=[0.24, 0.21, 0.55])
    sex = rng.choice(["male", "female"], rows, p=[0.65, 0.35])
    age = np.where(rng.random(rows) < 0.2, np.nan, np.clip(rng.normal(30, 14, rows), 0.4, 74).round(0))
    age[:3] = [80.0, 77.0, 76.0]  # the three oldest passengers, in that order
    survived = (rng.random(rows) < np.where(sex == "female", 0.74, 0.19) + (pclass == 1) * 0.15).astype(int)
    fare = np.where(pclass == 1, rng.gamma(3, 28, rows), np.where(pclass == 2, rng.gamma(4, 5, rows),
                                                                   rng.gamma(3, 4, rows))).round(4)
    decks = [f"{deck}{n}" for deck in "BCDE" for n in range(10, 40)]
    cabin = np.where((pclass == 1) & (rng.random(rows) < 0.8), rng.choice(decks, rows), None)
    cabin[3:6] = "C23"  # the one cabin shared by three passengers
    embarked = rng.choice(["S", "C", "Q"], rows, p=[0.72, 0.19, 0.09]).astype(object)
    embarked[[61, 829]] = None
    first = ["John", "William", "Mary", "Anna", "James", "Elizabeth", "Thomas", "Margaret", "George", "Helen"]
    last = ["Smith", "Brown", "Johnson", "Andersson", "Kelly", "Sage", "Goodwin", "Carter", "Baxter", "Ryan"]
    names = [f"{last[int(rng.integers(0, 10))]}, {'Mr.' if s == 'male' else 'Mrs.'} "
             f"{first[int(rng.integers(0, 10))]} {chr(65 + n % 26)}." for n, s in enumerate(sex)]
    pd.DataFrame({
        "PassengerId": np.arange(1, rows + 1), "Survived": survived, "Pclass": pclass, "Name": names, "Sex": sex,
        "Age": age, "SibSp": rng.choice([0, 1, 2, 3, 4], rows, p=[0.68, 0.23, 0.04, 0.03, 0.02]),
        "Parch": rng.choice([0, 1, 2], rows, p=[0.76, 0.13, 0.11]), "Ticket": [f"A/{n}" for n in rng.integers(1000, 9999, rows)],
        "Fare": fare, "Cabin": cabin, "Embarked": embarked,
    }).to_csv(path, index=False)
    return path


GENERATORS.update(plant_ops_csv=plant_ops_csv, vendor_budget_workbook=vendor_budget_workbook,
                  passengers_csv=passengers_csv)


def _titled_workbook(sheet_name: str, title: str) -> tuple[Any, Any]:
    """A workbook whose first sheet opens with a title row and a blank row, as reports do."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = sheet_name
    sheet["A1"] = title
    sheet.append([])
    return book, sheet
