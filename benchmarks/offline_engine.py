"""How long the offline engine takes to plan and write code for a question (target < 50 ms).

    .venv/bin/python benchmarks/offline_engine.py

Plans every question of the shipped evaluation sets against a catalogue of the datasets'
columns (no data is read) 200 times and prints the median and p95 per question.
"""
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from insight_dash.eval.harness import load_set  # noqa: E402
from insight_dash.services.offline_engine import Column, Table, code_for  # noqa: E402

CATALOGUES = {
    "sensors": [Table("sensors", [Column("timestamp", "datetime"), Column("plant", "text", ["North", "South", "East"]),
                                  Column("unit", "text", ["U1", "U2", "U3", "U4"]), Column("temperature_c", "number"),
                                  Column("pressure_kpa", "number"), Column("flow_rate_m3h", "number"),
                                  Column("output_mwh", "number"), Column("status", "text", ["ok", "warning", "alarm"])])],
    "budget": [Table("summary_fy26", [Column("Department", "text", ["IT", "HR"]), Column("Cost center", "text"),
                                      Column("Budget H1", "number"), Column("Budget H2", "number"),
                                      Column("Actual H1", "number"), Column("Actual H2", "number")]),
               Table("line_items", [Column("Date", "datetime"), Column("Department", "text", ["IT", "HR"]),
                                    Column("Category", "text", ["Travel", "Labour"]),
                                    Column("Vendor", "text", ["Vendor 07"]), Column("Amount", "number")], 1500)],
}


def main() -> None:
    timings = []
    for name, catalogue in CATALOGUES.items():
        for item in load_set(name)["questions"]:
            runs = []
            for _ in range(200):
                started = time.perf_counter()
                code_for(item["question"], catalogue)
                runs.append((time.perf_counter() - started) * 1000)
            timings.append(statistics.median(runs))
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(f"offline engine, {len(timings)} questions x 200 plans: median {statistics.median(timings):.3f} ms, "
          f"p95 {p95:.3f} ms, max {timings[-1]:.3f} ms (target < 50 ms)")


if __name__ == "__main__":
    main()
