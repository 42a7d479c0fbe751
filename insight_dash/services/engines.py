"""Which engine answers: the configured model, or the offline engine when there is none."""
from __future__ import annotations

from pandasai.llm.base import LLM

from insight_dash.services.llm import BedrockLLM, model_client
from insight_dash.services.offline_engine import ENGINE as OFFLINE, OfflineLLM, Table
from insight_dash.settings import Settings


def llm_for(settings: Settings, catalogue: list[Table]) -> LLM:
    """The one place the analysis engine gets its model, fresh for each question (it carries
    that question's statistics): the process's cached model client, or the offline engine."""
    client = model_client(settings)
    return BedrockLLM(client) if client else OfflineLLM(catalogue)


def engine_name(settings: Settings) -> str:
    return settings.llm_model or OFFLINE
