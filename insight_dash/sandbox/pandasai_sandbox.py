"""Layer 7: PandasAI's own `execute_code` goes through the sandbox.

PandasAI 3 would `exec()` generated code in the calling process; handing an `InsightSandbox`
to its Agent makes it call `_exec_code` instead, which sends the code to the zygote with
the dataset's Parquet tables. Nothing generated ever runs in the web or job process.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pandasai.agent.state
from pandasai.sandbox import Sandbox

from insight_dash.sandbox.client import SandboxResult, ensure_zygote, run_code
from insight_dash.settings import Settings


class SandboxRefusal(Exception):
    """The sandbox refused or stopped the code; `outcome` says how and why."""

    def __init__(self, outcome: SandboxResult):
        super().__init__(f"{outcome.kind}: {outcome.message}")
        self.outcome = outcome


class InsightSandbox(Sandbox):
    def __init__(self, settings: Settings, tables: list[tuple[str, Path]]):
        super().__init__()
        self.settings = settings
        self.tables = tables
        self.last_outcome: SandboxResult | None = None
        keep_pandasai_files_in(settings.data_dir)

    def start(self) -> None:
        ensure_zygote(self.settings)
        self._started = True

    def stop(self) -> None:
        self._started = False

    def _exec_code(self, code: str, environment: dict) -> dict:
        # `environment` holds PandasAI's in-process objects (frames, its own SQL function);
        # the sandbox has its own, built from the Parquet tables.
        outcome = run_code(self.settings, code, self.tables)
        self.last_outcome = outcome
        if not outcome.ok:
            raise SandboxRefusal(outcome)
        return as_pandasai_result(outcome.result)

    def transfer_file(self, csv_data: Any, filename: str = "file.csv") -> None:
        raise NotImplementedError("Data reaches the sandbox as Parquet file descriptors, not files.")


def as_pandasai_result(result: dict[str, Any]) -> dict[str, Any]:
    """The sandbox's JSON result in the shape PandasAI's response parser expects."""
    if result["type"] == "dataframe":
        table = result["value"]
        return {"type": "dataframe", "value": pd.DataFrame(table["rows"], columns=table["columns"])}
    return result


def keep_pandasai_files_in(data_dir: Path) -> None:
    """PandasAI creates a chart folder at the "project root" (the repo) for every Agent; point
    it into the data folder instead (charts are Plotly JSON here, so it stays empty)."""
    pandasai.agent.state.DEFAULT_CHART_DIRECTORY = str(data_dir / "pandasai" / "charts")
