"""One question through PandasAI's Agent and the sandbox, for any engine (no database involved).

The Agent sees each table by its SQL identifier with its first rows and its columns described
by the names people use (`previews`); the code runs in the sandbox over the Parquet files with
those identifiers (`TableFile`). Retries only repeat what can change the outcome: failing code
and a non-Plotly chart get one corrected attempt, everything else becomes an `AnalysisError`
with a message a person understands.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
import pandas as pd
import pandasai
import pandasai.core.prompts.base
import pyarrow.parquet as pq
from pandasai.agent.base import Agent
from pandasai.core.prompts.base import BasePrompt
from pandasai.data_loader.semantic_layer_schema import Column as SchemaColumn, SemanticLayerSchema, Source
from pandasai.exceptions import MaliciousQueryError
from pandasai.helpers.logger import Logger
from pandasai.llm.base import LLM

from insight_dash.sandbox.client import TableFile
from insight_dash.sandbox.pandasai_sandbox import InsightSandbox, SandboxRefusal
from insight_dash.services.catalogue import Catalogue, Table
from insight_dash.services.errors import ServiceError
from insight_dash.services.llm import LLMError
from insight_dash.settings import Settings

log = logging.getLogger(__name__)
PREVIEW_ROWS = 5  # what PandasAI shows the model of each table
CODE_RETRY_KINDS = ("execution", "not_plotly", "result")
SANDBOX_MESSAGES = {
    "refused": "The generated code was refused by the safety check ({detail}).",
    "timeout": "The analysis took too long and was stopped. Try a narrower question.",
    "memory": "The analysis needed more memory than allowed. Try a narrower question.",
    "output": "The analysis printed too much output and was stopped.",
    "too_large": "The result is too large to show. Ask for a summary or fewer rows.",
    "sql": "The generated query was refused: only reading the dataset's tables is allowed.",
    "import": "The generated code tried to use a module that is not allowed ({detail}).",
    "not_plotly": "The model drew the chart with a library Insight cannot show interactively.",
    "sandbox": "The analysis sandbox is not available right now. Please tell the administrators.",
}
SCHEMA_TYPES = {"text": "string", "datetime": "datetime", "boolean": "boolean"}


class AnalysisError(ServiceError):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class DatasetTables:
    """A dataset's tables for one question: the catalogue and each table's local Parquet file."""

    catalogue: Catalogue
    files: list[Path]

    def sandbox_files(self) -> list[TableFile]:
        return [TableFile(table.sql, path, tuple(c.sql for c in table.columns))
                for table, path in zip(self.catalogue.tables, self.files)]


@dataclass
class Answer:
    result: dict[str, Any]
    code: str = ""
    explanation: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    queries: list[dict[str, Any]] = field(default_factory=list)
    llm_seconds: float = 0.0
    exec_ms: float = 0.0
    retries: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


def run_agent(settings: Settings, llm: LLM, tables: DatasetTables, prompt: str) -> Answer:
    """The model's (or the offline engine's) code for `prompt`, run in the sandbox."""
    sandbox = InsightSandbox(settings, tables.sandbox_files())
    agent = InsightAgent(previews(tables), config={"llm": llm, "max_retries": 1, "save_logs": False,
                                                   "verbose": False}, sandbox=sandbox)
    result = agent.chat(prompt)
    stats = llm.stats
    return Answer(result=result, code=agent.last_code_executed or "", queries=sandbox.last_outcome.queries,
                  llm_seconds=stats.seconds, exec_ms=agent.exec_ms, retries=stats.retries + agent.code_retries,
                  input_tokens=stats.input_tokens, output_tokens=stats.output_tokens)


def previews(tables: DatasetTables) -> list[pandasai.DataFrame]:
    return [_preview(PreviewKey.of(table, path)) for table, path in zip(tables.catalogue.tables, tables.files)]


class PreviewColumn(NamedTuple):
    sql: str
    name: str
    kind: str
    integer: bool


class PreviewKey(NamedTuple):
    """All a table's preview is made of: its local Parquet file (one per dataset, version and
    table, never rewritten: the path names all three) and what the catalogue says of it."""

    path: Path
    sql: str
    name: str
    row_count: int
    columns: tuple[PreviewColumn, ...]

    @classmethod
    def of(cls, table: Table, path: Path) -> "PreviewKey":
        return cls(path, table.sql, table.name, table.row_count,
                   tuple(PreviewColumn(c.sql, c.name, c.kind, c.integer) for c in table.columns))


class TablePreview(pandasai.DataFrame):
    """A table's first rows, as PandasAI describes it to the model, with the whole table's size."""

    _metadata = [*pandasai.DataFrame._metadata, "total_rows"]

    @property
    def rows_count(self) -> int:
        return getattr(self, "total_rows", len(self))

    @functools.cached_property
    def _serialized(self) -> str:
        return super().serialize_dataframe()

    def serialize_dataframe(self) -> str:
        """What the prompt shows of the table: the same for every question, so made once."""
        return self._serialized


# Every question on a table version shows the model the same preview: read and described once
# per process (a few rows each, for the tables asked about lately). The key holds the dataset's
# id and version (in the path), so a preview is only ever shown for the data it was read from.
@functools.lru_cache(maxsize=64)
def _preview(key: PreviewKey) -> TablePreview:
    batches = pq.ParquetFile(key.path).iter_batches(batch_size=PREVIEW_ROWS)
    first = next(batches, None)
    frame = first.to_pandas() if first is not None else pd.DataFrame(columns=[c.name for c in key.columns])
    frame.columns = [column.sql for column in key.columns]
    schema = SemanticLayerSchema(
        name=key.sql, description=f"{key.name!r}, {key.row_count:,} rows",
        source=Source(type="parquet", path="data.parquet"),
        columns=[SchemaColumn(name=c.sql, type=_schema_type(c.kind, c.integer), description=repr(c.name))
                 for c in key.columns])
    preview = TablePreview(frame.head(PREVIEW_ROWS), schema=schema)
    preview.total_rows = key.row_count
    return preview


def _schema_type(kind: str, integer: bool) -> str | None:
    if kind == "number":
        return "integer" if integer else "float"
    return SCHEMA_TYPES.get(kind)


# PandasAI builds a new jinja Environment for every prompt, so each question compiled its
# templates again (and the included ones at every render): a quarter of an answer's CPU. One
# Environment for the process compiles each template once; they are files of the installed
# package, so nothing reloads them. Same loader and options otherwise: the same prompt text.
_PROMPT_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(pandasai.core.prompts.base.__file__).parent / "templates"),
    auto_reload=False)
_pandasai_prompt_init = BasePrompt.__init__


def _prompt_from_shared_templates(prompt: BasePrompt, **props: Any) -> None:
    if prompt.template or not prompt.template_path:
        _pandasai_prompt_init(prompt, **props)
        return
    prompt.props = props
    prompt.prompt = _PROMPT_TEMPLATES.get_template(prompt.template_path)
    prompt._resolved_prompt = None


BasePrompt.__init__ = _prompt_from_shared_templates


class AgentLog(Logger):
    """PandasAI's log without its in-memory copy of every line: that copy inspects the call
    stack for each line (a fifth of an answer's CPU), and nothing reads it. Lines still go to
    the "pandasai" logger, whose level the app sets."""

    def __init__(self) -> None:
        super().__init__(save_logs=False, verbose=False)

    def log(self, message: str, level: int = logging.INFO) -> None:
        self._logger.log(level, message)


class InsightAgent(Agent):
    """PandasAI's Agent with retries only where a new attempt can change the outcome."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._state.logger = AgentLog()
        self.exec_ms = 0.0
        self.code_retries = 0

    def generate_code_with_retries(self, query: str) -> str:
        return self._usable_code(self.generate_code, query)

    def _usable_code(self, generate, *args: Any) -> str:
        try:
            return generate(*args)
        except LLMError:
            raise  # throttling, timeouts, access: retried (or not) inside the model client
        except MaliciousQueryError as exc:  # SQL naming a table that is not the dataset's
            log.warning("model code queried an unknown table")
            raise AnalysisError("sql", SANDBOX_MESSAGES["sql"]) from exc
        except Exception as exc:  # no code, or code PandasAI's own validation rejects
            log.warning("model reply had no usable code", extra={"error": type(exc).__name__})
            raise AnalysisError("malformed", "The model's answer did not contain usable analysis code. "
                                             "Please rephrase the question and try again.") from exc

    def execute_with_retries(self, code: str) -> dict[str, Any]:
        """The sandbox's own JSON result (PandasAI's parser would demand a PNG path for charts)."""
        while True:
            try:
                self.execute_code(code)
                return self._sandbox.last_outcome.result
            except SandboxRefusal as refusal:
                outcome = refusal.outcome
                self.exec_ms += outcome.timing.get("total_ms", 0.0)
                if outcome.kind not in CODE_RETRY_KINDS or self.code_retries >= self._state.config.max_retries:
                    raise AnalysisError(outcome.kind, sandbox_message(outcome)) from refusal
                self.code_retries += 1
                code = self._usable_code(self._regenerate_code_after_error, code,
                                         RuntimeError(outcome.message + "\n" + outcome.traceback))

    def execute_code(self, code: str) -> dict:
        result = super().execute_code(code)
        self.exec_ms += self._sandbox.last_outcome.timing.get("total_ms", 0.0)
        return result


def sandbox_message(outcome) -> str:
    if outcome.kind == "execution":
        return f"The analysis code failed: {outcome.message[:300]}"
    template = SANDBOX_MESSAGES.get(outcome.kind, "The analysis could not be completed: {detail}")
    return template.format(detail=outcome.message[:200])
