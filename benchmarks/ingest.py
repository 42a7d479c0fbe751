"""Ingest benchmark: how fast and how lean is the upload pipeline on big files?

Run it from the repository root:

    .venv/bin/python benchmarks/ingest.py              # ~100 MB CSV, ~40 MB XLSX
    .venv/bin/python benchmarks/ingest.py --small      # files ~10x smaller, for a quick check
    .venv/bin/python benchmarks/ingest.py --repeat 3   # each measurement 3 times, median kept

On 2 cores the full run takes about 40 s, plus about 50 s the first time to write the XLSX.

What it does:

1. Generates, with a fixed seed, a "sensor" CSV (timestamp, plant, unit, 10 sensors, status)
   and a multi-sheet XLSX (a big production sheet, a smaller targets sheet, a notes sheet)
   under `benchmarks/output/`. Generated files are cached: a file is reused while it still
   matches the manifest written next to it (`--regenerate` forces new ones). The XLSX is
   written with xlsxwriter when it happens to be installed (it is not a project dependency),
   else with openpyxl in write-only mode.
2. Measures, each in a fresh subprocess so that peak RSS (`ru_maxrss`, cross-checked with
   /proc's VmHWM) belongs to one measurement; the parent stays small on purpose, since a
   child's `ru_maxrss` starts from its parent's peak:
   - references: the raw pyarrow CSV parse and the raw calamine (fastexcel) sheet read,
     plus pandas `read_excel(engine="calamine")` for comparison;
   - the app's full ingest (inspect, parse, profile, Parquet write) stage by stage;
   - reloading the Parquet copy, and hits on the app's in-memory `ByteBoundedCache`.
3. Prints a table of seconds and peak RSS, then the targets marked PASS or FAIL, and
   writes everything to `benchmarks/output/ingest.json`.

It reports; it never asserts. The exit code is 0 whatever the figures are.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT_DIR = REPO_ROOT / "benchmarks" / "output"
RESULTS_FILE = OUTPUT_DIR / "ingest.json"
SEED = 42
GENERATOR_VERSION = 1  # bump when the generators change, so cached files are rebuilt
MIB = 1024 * 1024
RESULT_MARKER = "BENCHMARK-RESULT:"
CACHE_HITS = 1000
PACKAGES = ("pandas", "pyarrow", "numpy", "fastexcel", "python-calamine", "openpyxl", "xlsxwriter")

# Targets (see `evaluate`).
CSV_INGEST_MAX_RATIO = 2.0  # issue 13 (was 3.0): read + Parquet write is the floor, the rest overlaps
XLSX_INGEST_MAX_RATIO = 2.0
CSV_INGEST_MAX_RSS_MIB = 1.5 * 1024  # "1.5 GB", in the app's own MB = MiB convention
CACHE_HIT_MAX_MS = 5.0
PARQUET_MIN_SPEEDUP = 3.0  # issue 13 (was 2.5)


@dataclass(frozen=True)
class Sizes:
    csv_rows: int
    xlsx_rows: int
    xlsx_second_rows: int


FULL_SIZES = Sizes(csv_rows=950_000, xlsx_rows=500_000, xlsx_second_rows=50_000)
SMALL_SIZES = Sizes(csv_rows=95_000, xlsx_rows=50_000, xlsx_second_rows=5_000)


# --------------------------------------------------------------------------------------
# Generating the input files
# --------------------------------------------------------------------------------------

def generate_csv(path: Path, params: dict[str, Any]) -> None:
    """Sensor readings at 1-second steps: 14 columns, ~105 bytes a row."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rows = params["rows"]
    rng = np.random.default_rng(SEED)
    plants = np.array(["North", "South", "East", "West", "Central"])
    statuses = np.array(["OK", "OK", "OK", "OK", "WARN", "ALARM", "MAINTENANCE"])
    columns: dict[str, pa.Array] = {
        "timestamp": pa.array(np.datetime64("2024-01-01T00:00:00", "s") + np.arange(rows)),
        "plant": pa.array(plants[rng.integers(0, len(plants), rows)]),
        "unit": pa.array(np.char.add("U-", rng.integers(1, 40, rows).astype(str))),
    }
    for index in range(10):
        values = np.round(rng.normal(50 + 10 * index, 5 + index, rows), 2)
        columns[f"sensor_{index + 1:02d}"] = pa.array(values, mask=rng.random(rows) < 0.002)
    columns["status"] = pa.array(statuses[rng.integers(0, len(statuses), rows)])
    pacsv.write_csv(pa.table(columns), path)


def generate_xlsx(path: Path, params: dict[str, Any]) -> None:
    """A production sheet (13 columns), a targets sheet (6 columns) and a notes sheet."""
    write_workbook = _write_with_xlsxwriter if params["writer"] == "xlsxwriter" else _write_with_openpyxl
    write_workbook(path, [("Production", *_production_sheet(params["rows"])),
                          ("Targets", *_targets_sheet(params["second_rows"])),
                          ("Notes", *_notes_sheet())])


SheetData = tuple[list[str], list[list[Any]]]  # header, columns (each a list of cell values)


def _production_sheet(rows: int) -> SheetData:
    import numpy as np

    rng = np.random.default_rng(SEED)
    sites = np.array(["Hamburg", "Lyon", "Turin", "Porto", "Gdansk"])
    statuses = np.array(["Released", "Released", "Released", "Hold", "Rework", "Scrap"])
    minutes = np.datetime64("2023-01-01T00:00", "m") + np.arange(rows)
    columns: list[list[Any]] = [
        minutes.astype(object).tolist(),
        sites[rng.integers(0, len(sites), rows)].tolist(),
        rng.integers(1, 13, rows).tolist(),
        np.char.add("P-", rng.integers(100, 400, rows).astype(str)).tolist(),
        [f"B{n:07d}" for n in range(rows)],
        rng.integers(1, 5000, rows).tolist(),
    ]
    for index in range(6):
        values = np.round(rng.normal(100 + 5 * index, 20, rows), 2).astype(object)
        values[rng.random(rows) < 0.002] = None
        columns.append(values.tolist())
    columns.append(statuses[rng.integers(0, len(statuses), rows)].tolist())
    header = ["Date", "Site", "Line", "Product", "Batch", "Quantity",
              *(f"Metric {n}" for n in range(1, 7)), "Status"]
    return header, columns


def _targets_sheet(rows: int) -> SheetData:
    import numpy as np

    rng = np.random.default_rng(SEED + 1)
    months = np.datetime64("2020-01", "M") + rng.integers(0, 72, rows)
    columns: list[list[Any]] = [
        np.char.add("P-", rng.integers(100, 400, rows).astype(str)).tolist(),
        np.array(["Hamburg", "Lyon", "Turin", "Porto", "Gdansk"])[rng.integers(0, 5, rows)].tolist(),
        months.astype("datetime64[D]").astype("datetime64[s]").astype(object).tolist(),
        rng.integers(100, 100_000, rows).tolist(),
        np.round(rng.uniform(0.8, 1.0, rows), 4).tolist(),
        np.array(["Ana", "Ben", "Chloé", "Dmitri", "Eun-ji"])[rng.integers(0, 5, rows)].tolist(),
    ]
    return ["Product", "Site", "Month", "Target quantity", "Target yield", "Owner"], columns


def _notes_sheet() -> SheetData:
    lines = ["Synthetic workbook generated by benchmarks/ingest.py.",
             f"Seed {SEED}; every value is random.",
             "Production: one row a minute. Targets: monthly targets per product and site."]
    return ["Notes"], [lines]


def _write_with_openpyxl(path: Path, sheets: list[tuple[str, list[str], list[list[Any]]]]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for name, header, columns in sheets:
        sheet = workbook.create_sheet(name)
        sheet.append(header)
        for row in zip(*columns):
            sheet.append(row)
    workbook.save(path)


def _write_with_xlsxwriter(path: Path, sheets: list[tuple[str, list[str], list[list[Any]]]]) -> None:
    import xlsxwriter

    with xlsxwriter.Workbook(path, {"constant_memory": True}) as workbook:
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        for name, header, columns in sheets:
            sheet = workbook.add_worksheet(name)
            sheet.write_row(0, 0, header)
            for row_index, row in enumerate(zip(*columns), start=1):
                for column_index, value in enumerate(row):
                    if value is None:
                        continue
                    if hasattr(value, "year"):
                        sheet.write_datetime(row_index, column_index, value, date_format)
                    else:
                        sheet.write(row_index, column_index, value)


GENERATORS: dict[str, Callable[[Path, dict[str, Any]], None]] = {"csv": generate_csv, "xlsx": generate_xlsx}


def ensure_file(path: Path, kind: str, params: dict[str, Any]) -> bool:
    """Generate `path` unless a cached copy matches its manifest. True when generated.

    Generation runs in a child process: the parent must stay small, because a child
    started from it inherits its peak RSS as the starting value of `ru_maxrss`.
    """
    manifest = path.with_name(path.name + ".manifest.json")
    if path.exists() and manifest.exists():
        recorded = json.loads(manifest.read_text())
        if recorded.get("params") == params and recorded.get("size") == path.stat().st_size:
            return False
    partial = path.with_name(path.stem + ".partial" + path.suffix)
    command = [sys.executable, str(Path(__file__).resolve()), "--generate", kind,
               "--params", json.dumps({**params, "path": str(partial)})]
    subprocess.run(command, check=True, cwd=REPO_ROOT)
    os.replace(partial, path)
    manifest.write_text(json.dumps({"params": params, "size": path.stat().st_size}))
    return True


def prepare_inputs(sizes: Sizes, suffix: str, regenerate: bool) -> dict[str, Path]:
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    paths = {"csv": OUTPUT_DIR / f"sensors{suffix}.csv", "xlsx": OUTPUT_DIR / f"production{suffix}.xlsx"}
    base = {"seed": SEED, "version": GENERATOR_VERSION}
    writer = "xlsxwriter" if importlib.util.find_spec("xlsxwriter") else "openpyxl"
    params = {"csv": {**base, "rows": sizes.csv_rows},
              "xlsx": {**base, "rows": sizes.xlsx_rows, "second_rows": sizes.xlsx_second_rows, "writer": writer}}
    for kind, path in paths.items():
        if regenerate:
            path.unlink(missing_ok=True)
        started = time.perf_counter()
        generated = ensure_file(path, kind, params[kind])
        state = f"generated in {time.perf_counter() - started:.1f} s" if generated else "cached"
        print(f"  {path.relative_to(REPO_ROOT)}: {path.stat().st_size / MIB:.1f} MiB ({state})", flush=True)
    return paths


# --------------------------------------------------------------------------------------
# Measurements (each runs in its own child process)
# --------------------------------------------------------------------------------------

def peak_rss_mib() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def vm_hwm_mib() -> float | None:
    """The kernel's own high-water mark of this process's memory, a cross-check of ru_maxrss
    (which starts from the parent's peak at fork time, VmHWM from zero at exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class Recorder:
    """Times named stages and notes the peak RSS after each; `extra` holds anything else."""

    def __init__(self) -> None:
        self.stages: dict[str, dict[str, float]] = {}
        self.extra: dict[str, Any] = {}
        self.rss_after_imports_mib = 0.0
        self._lap = time.perf_counter()

    def imports_done(self) -> None:
        self.rss_after_imports_mib = peak_rss_mib()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.stages[name] = {"seconds": time.perf_counter() - started, "peak_rss_mib": peak_rss_mib()}
        self._lap = time.perf_counter()

    def lap(self, name: str) -> None:
        """A stage that ends now and began where the last one ended (for work done in one call)."""
        now = time.perf_counter()
        self.stages[name] = {"seconds": now - self._lap, "peak_rss_mib": peak_rss_mib()}
        self._lap = now

    def result(self) -> dict[str, Any]:
        return {
            "seconds": sum(stage["seconds"] for stage in self.stages.values()),
            "peak_rss_mib": peak_rss_mib(),
            "vm_hwm_mib": vm_hwm_mib(),
            "rss_after_imports_mib": self.rss_after_imports_mib,
            "stages": self.stages,
            **self.extra,
        }


def measure_csv_pyarrow(rec: Recorder, params: dict[str, Any]) -> None:
    import pandas as pd
    import pyarrow.csv as pacsv

    rec.imports_done()
    with rec.stage("read"):
        frame = pacsv.read_csv(params["path"]).to_pandas(types_mapper=pd.ArrowDtype)
    rec.extra["rows"], rec.extra["columns"] = frame.shape


def measure_xlsx_calamine(rec: Recorder, params: dict[str, Any]) -> None:
    import fastexcel

    rec.imports_done()
    with rec.stage("read"):
        batch = fastexcel.read_excel(params["path"]).load_sheet(0).to_arrow()
    rec.extra["rows"], rec.extra["columns"] = batch.num_rows, batch.num_columns


def measure_xlsx_calamine_head(rec: Recorder, params: dict[str, Any]) -> None:
    """Diagnostic: what the parser's 30-row header scan of the main sheet costs on its own."""
    import fastexcel

    rec.imports_done()
    with rec.stage("read"):
        batch = fastexcel.read_excel(params["path"]).load_sheet(0, header_row=None, n_rows=30).to_arrow()
    rec.extra["rows"], rec.extra["columns"] = batch.num_rows, batch.num_columns


def measure_xlsx_pandas(rec: Recorder, params: dict[str, Any]) -> None:
    import pandas as pd

    rec.imports_done()
    with rec.stage("read"):
        frame = pd.read_excel(params["path"], sheet_name=0, engine="calamine")
    rec.extra["rows"], rec.extra["columns"] = frame.shape


def measure_full_ingest(rec: Recorder, params: dict[str, Any]) -> None:
    """The app's own upload pipeline, without web server or database."""
    from insight_dash.services.ingest import parse_and_profile
    from insight_dash.services.inspection import inspect_upload

    rec.imports_done()
    path, out = Path(params["path"]), Path(params["parquet_dir"])
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.parquet"):
        old.unlink()
    with rec.stage("inspect"):
        inspection = inspect_upload(path, path.name, 2 * 1024**3)
    # One call, as the app makes it: the Parquet copy is written while the fixer and profiler work.
    tables, profiled = parse_and_profile(path, inspection, path.stem, out, lambda: rec.lap("parse"))
    rec.lap("profile_and_parquet")
    profiles = [profile for profile, _ in profiled]
    rec.extra["inspection"] = {"kind": inspection.kind, "encoding": inspection.encoding,
                               "delimiter": inspection.delimiter}
    rec.extra["tables"] = [
        {"name": table.name, "rows": len(table.frame), "columns": table.frame.shape[1],
         "profiled_rows": profile["row_count"], "warnings": table.warnings,
         "dtypes": {str(name): str(dtype) for name, dtype in table.frame.dtypes.items()},
         "parquet_mib": (out / f"{index}.parquet").stat().st_size / MIB}
        for index, (table, profile) in enumerate(zip(tables, profiles))
    ]


def measure_parquet_reload(rec: Recorder, params: dict[str, Any]) -> None:
    import pandas as pd
    import pyarrow.parquet as pq

    rec.imports_done()
    with rec.stage("read"):
        frame = pq.read_table(params["path"]).to_pandas(types_mapper=pd.ArrowDtype)
    rec.extra["rows"], rec.extra["columns"] = frame.shape


def measure_cache_hits(rec: Recorder, params: dict[str, Any]) -> None:
    """One miss through the app's ByteBoundedCache (a Parquet load), then timed hits."""
    import uuid

    import pandas as pd
    import pyarrow.parquet as pq

    from insight_dash.services.frames import ByteBoundedCache

    rec.imports_done()

    def load() -> tuple[pd.DataFrame, int]:  # the same shape as the app's `_read_frame`
        table = pq.read_table(params["path"])
        return table.to_pandas(types_mapper=pd.ArrowDtype), table.nbytes

    cache, key = ByteBoundedCache(8 * 1024**3), (uuid.UUID(int=SEED), 0)
    with rec.stage("miss"):
        frame = cache.get_or_load(key, load)
    timings_ms = []
    for _ in range(CACHE_HITS):
        started = time.perf_counter_ns()
        hit = cache.get_or_load(key, load)
        timings_ms.append((time.perf_counter_ns() - started) / 1e6)
        assert hit is frame  # a hit must hand back the cached object, not a fresh load
    timings_ms.sort()
    rec.extra["hits"] = CACHE_HITS
    rec.extra["hit_median_ms"] = statistics.median(timings_ms)
    rec.extra["hit_p99_ms"] = timings_ms[int(len(timings_ms) * 0.99) - 1]
    rec.extra["hit_max_ms"] = timings_ms[-1]
    rec.extra["cached_mib"] = cache.total_bytes / MIB
    rec.extra["rows"], rec.extra["columns"] = frame.shape


MEASUREMENTS: dict[str, Callable[[Recorder, dict[str, Any]], None]] = {
    "csv_pyarrow": measure_csv_pyarrow,
    "xlsx_calamine": measure_xlsx_calamine,
    "xlsx_calamine_head": measure_xlsx_calamine_head,
    "xlsx_pandas": measure_xlsx_pandas,
    "full_ingest": measure_full_ingest,
    "parquet_reload": measure_parquet_reload,
    "cache_hits": measure_cache_hits,
}


def child_main(kind: str, params: dict[str, Any]) -> None:
    """Entry point of a child process: run one measurement, print its result as JSON."""
    sys.path.insert(0, str(REPO_ROOT))
    recorder = Recorder()
    MEASUREMENTS[kind](recorder, params)
    print(RESULT_MARKER + json.dumps(recorder.result()), flush=True)


def run_child(kind: str, params: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; failures come back as {"error": ...}."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--params", json.dumps(params)]
    # The raw readers get the app's Arrow allocator too (insight_dash/__init__.py sets it when
    # the app is imported), so that references and ingest are compared like for like.
    env = {**os.environ, "ARROW_DEFAULT_MEMORY_POOL": os.environ.get("ARROW_DEFAULT_MEMORY_POOL", "system")}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            return json.loads(line[len(RESULT_MARKER):])
    tail = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
    return {"error": tail[:300]}


# --------------------------------------------------------------------------------------
# The plan, the targets and the report
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    name: str  # the key in the results
    label: str  # what the table calls it
    kind: str  # the measurement to run
    params: dict[str, Any]


def plan(inputs: dict[str, Path]) -> list[Step]:
    parquet = OUTPUT_DIR / "ingest-parquet"
    csv, xlsx = str(inputs["csv"]), str(inputs["xlsx"])
    return [
        Step("csv_pyarrow", "CSV  raw pyarrow read_csv + to_pandas", "csv_pyarrow", {"path": csv}),
        Step("csv_ingest", "CSV  full ingest (app)", "full_ingest",
             {"path": csv, "parquet_dir": str(parquet / "csv")}),
        Step("csv_parquet_reload", "CSV  Parquet reload", "parquet_reload", {"path": str(parquet / "csv" / "0.parquet")}),
        Step("csv_cache", "CSV  ByteBoundedCache miss (Parquet load)", "cache_hits",
             {"path": str(parquet / "csv" / "0.parquet")}),
        Step("xlsx_calamine", "XLSX raw fastexcel load_sheet(0).to_arrow", "xlsx_calamine", {"path": xlsx}),
        Step("xlsx_calamine_head", "XLSX fastexcel first 30 rows only (diag.)", "xlsx_calamine_head", {"path": xlsx}),
        Step("xlsx_pandas", "XLSX pandas read_excel(engine=calamine)", "xlsx_pandas", {"path": xlsx}),
        Step("xlsx_ingest", "XLSX full ingest (app)", "full_ingest",
             {"path": xlsx, "parquet_dir": str(parquet / "xlsx")}),
        Step("xlsx_parquet_reload", "XLSX Parquet reload (main sheet)", "parquet_reload",
             {"path": str(parquet / "xlsx" / "0.parquet")}),
    ]


def run_plan(steps: list[Step], repeat: int, timeout: float) -> dict[str, dict[str, Any]]:
    """Each step `repeat` times; keeps the run with the median time (all times are listed)."""
    results: dict[str, dict[str, Any]] = {}
    for step in steps:
        runs = [run_child(step.kind, step.params, timeout) for _ in range(repeat)]
        good = sorted((run for run in runs if "error" not in run), key=lambda run: run["seconds"])
        if not good:
            results[step.name] = runs[0]
        else:
            results[step.name] = {**good[(len(good) - 1) // 2], "all_seconds": [run["seconds"] for run in good],
                                  "max_peak_rss_mib": max(run["peak_rss_mib"] for run in good)}
        print(f"  {step.label:<45} {_short(results[step.name])}", flush=True)
    return results


def _short(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"ERROR: {result['error']}"
    return f"{result['seconds']:8.2f} s  {result['peak_rss_mib']:8.0f} MiB"


@dataclass
class Check:
    name: str
    value: float | None
    target: str
    ratio: float | None  # how far along the limit the value is: below 1 is the good side
    passed: bool | None  # None: could not be measured


def evaluate(results: dict[str, dict[str, Any]]) -> list[Check]:
    def seconds(name: str) -> float | None:
        return results.get(name, {}).get("seconds")

    def divide(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b else None  # None when either side is missing

    csv_ratio = divide(seconds("csv_ingest"), seconds("csv_pyarrow"))
    xlsx_ratio = divide(seconds("xlsx_ingest"), seconds("xlsx_calamine"))
    rss = results.get("csv_ingest", {}).get("peak_rss_mib")
    hit_p99 = results.get("csv_cache", {}).get("hit_p99_ms")
    speedup = divide(seconds("csv_pyarrow"), seconds("csv_parquet_reload"))
    return [
        _check("CSV full ingest / raw pyarrow parse (x)", csv_ratio, "<=", CSV_INGEST_MAX_RATIO),
        _check("XLSX full ingest / raw calamine read (x)", xlsx_ratio, "<=", XLSX_INGEST_MAX_RATIO),
        _check("CSV full ingest peak RSS (MiB)", rss, "<", CSV_INGEST_MAX_RSS_MIB),
        _check("Cache hit p99 (ms)", hit_p99, "<", CACHE_HIT_MAX_MS),
        _check("Parquet reload speed-up vs pyarrow CSV (x)", speedup, ">=", PARQUET_MIN_SPEEDUP),
    ]


def _check(name: str, value: float | None, operator: str, limit: float) -> Check:
    """`ratio` is oriented so that below 1 is always the good side of the limit."""
    target = f"{operator} {limit:g}"
    if value is None:
        return Check(name, None, target, None, None)
    ratio = limit / value if operator == ">=" else value / limit
    passed = {"<=": value <= limit, "<": value < limit, ">=": value >= limit}[operator]
    return Check(name, value, target, ratio, passed)


def machine_info() -> dict[str, Any]:
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1),
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def file_info(inputs: dict[str, Path]) -> dict[str, Any]:
    info = {}
    for kind, path in inputs.items():
        manifest = json.loads(path.with_name(path.name + ".manifest.json").read_text())
        info[kind] = {"path": str(path.relative_to(REPO_ROOT)), "mib": path.stat().st_size / MIB,
                      "generated_rows": {key: value for key, value in manifest["params"].items() if "rows" in key},
                      "writer": manifest["params"].get("writer")}
    return info


def warm_page_cache(paths: list[Path]) -> None:
    """Read the inputs once, so the first measurement does not pay for the disk alone."""
    for path in paths:
        with open(path, "rb") as handle:
            while handle.read(16 * MIB):
                pass


def print_report(report: dict[str, Any], steps: list[Step]) -> None:
    machine = report["machine"]
    print("\n=== Machine")
    print(f"  {machine['nproc']} CPU(s) usable ({machine['cpu']}), {machine['memory_gib']} GiB RAM, {machine['platform']}")
    print(f"  Python {machine['python']}; " + ", ".join(f"{k} {v}" for k, v in machine["packages"].items() if v)
          + "; not installed: " + (", ".join(k for k, v in machine["packages"].items() if not v) or "-"))
    print(f"\n=== Files ({report['mode']})")
    for kind, info in report["files"].items():
        rows = ", ".join(f"{key} {value:,}" for key, value in info["generated_rows"].items())
        writer = f", written by {info['writer']}" if info["writer"] else ""
        print(f"  {kind.upper():<5} {info['path']:<42} {info['mib']:7.1f} MiB  ({rows}{writer})")
    print("\n=== Measurements (each in a fresh process; peak RSS includes the interpreter and imports)")
    print(f"  {'measurement':<45} {'seconds':>9} {'peak MiB':>9} {'VmHWM MiB':>10} {'imports MiB':>12}  rows x cols")
    for step in steps:
        _print_measurement(step.label, report["results"][step.name])
    for name in ("csv_ingest", "xlsx_ingest"):
        _print_ingest_details(name, report["results"][name])
    cache = report["results"]["csv_cache"]
    if "error" not in cache:
        print(f"\n=== Cache hits ({cache['hits']} on a {cache['cached_mib']:.0f} MiB frame)")
        print(f"  median {cache['hit_median_ms']:.4f} ms, p99 {cache['hit_p99_ms']:.4f} ms, "
              f"max {cache['hit_max_ms']:.4f} ms")
    print("\n=== Targets")
    print(f"  {'check':<45} {'value':>10} {'target':>9} {'of limit':>10}  result")
    for check in report["checks"]:
        value = "-" if check["value"] is None else f"{check['value']:.4g}"
        ratio = "-" if check["ratio"] is None else f"{check['ratio'] * 100:.0f}%"
        verdict = {True: "PASS", False: "FAIL", None: "N/A"}[check["passed"]]
        print(f"  {check['name']:<45} {value:>10} {check['target']:>9} {ratio:>10}  {verdict}")
    print("  (of limit: the share of the allowed budget used, under 100% is inside the target;"
          " for the speed-up it is target / measured)")
    print(f"\nResults written to {RESULTS_FILE.relative_to(REPO_ROOT)}")


def _print_measurement(label: str, result: dict[str, Any]) -> None:
    if "error" in result:
        print(f"  {label:<45} ERROR: {result['error']}")
        return
    shape = f"{result['rows']} x {result['columns']}" if "rows" in result else \
        " + ".join(f"{t['rows']} x {t['columns']}" for t in result.get("tables", []))
    hwm = "-" if result.get("vm_hwm_mib") is None else f"{result['vm_hwm_mib']:.0f}"
    print(f"  {label:<45} {result['seconds']:9.2f} {result['peak_rss_mib']:9.0f} {hwm:>10} "
          f"{result['rss_after_imports_mib']:12.0f}  {shape}")


def _print_ingest_details(name: str, result: dict[str, Any]) -> None:
    if "error" in result:
        return
    print(f"\n=== {name.split('_')[0].upper()} full ingest by stage")
    for stage, figures in result["stages"].items():
        share = figures["seconds"] / result["seconds"] * 100 if result["seconds"] else 0
        print(f"  {stage:<15} {figures['seconds']:8.2f} s  {share:5.1f}%   peak so far {figures['peak_rss_mib']:7.0f} MiB")
    for table in result["tables"]:
        print(f"  table {table['name']!r}: {table['rows']} rows x {table['columns']} columns, "
              f"Parquet {table['parquet_mib']:.1f} MiB")
        for warning in table["warnings"]:
            print(f"    warning: {warning}")


# --------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="files ~10x smaller, for a quick run")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement (median kept)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed to one measurement")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the input files even if cached")
    parser.add_argument("--child", choices=sorted(MEASUREMENTS), help=argparse.SUPPRESS)
    parser.add_argument("--generate", choices=sorted(GENERATORS), help=argparse.SUPPRESS)
    parser.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        child_main(args.child, json.loads(args.params))
        return 0
    if args.generate:
        params = json.loads(args.params)
        GENERATORS[args.generate](Path(params["path"]), params)
        return 0
    mode = "small" if args.small else "full"
    print(f"=== Inputs ({mode})", flush=True)
    inputs = prepare_inputs(SMALL_SIZES if args.small else FULL_SIZES, "-small" if args.small else "", args.regenerate)
    warm_page_cache(list(inputs.values()))
    steps = plan(inputs)
    print("\n=== Running measurements", flush=True)
    results = run_plan(steps, max(1, args.repeat), args.timeout)
    report = {"mode": mode, "machine": machine_info(), "files": file_info(inputs), "results": results,
              "checks": [asdict(check) for check in evaluate(results)]}
    RESULTS_FILE.write_text(json.dumps(report, indent=2, default=str))
    print_report(report, steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
