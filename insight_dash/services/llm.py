"""The language model behind the analysis engine: Claude on Bedrock (or any litellm model).

One client per process and settings (`model_client`). litellm is always called with an explicit region and
timeout (its default is 6000 s) and `num_retries=0`: throttling and transient failures are
retried here, with exponential backoff and jitter inside a time budget, and every failure
ends as an `LLMError` whose message a person can act on. Credentials come only from the
AWS default chain (the Fargate task role); a VPC endpoint is `INSIGHT_LLM_ENDPOINT_URL`.
"""
from __future__ import annotations

import functools
import logging
import random
import time
from dataclasses import dataclass
from typing import Any

import litellm
from pandasai.llm.base import LLM

from insight_dash.services.errors import ServiceError
from insight_dash.settings import Settings

log = logging.getLogger(__name__)
BUDGET_S = 100  # below Gunicorn's 120 s and the ALB's idle timeout
_TRANSIENT = (litellm.RateLimitError, litellm.Timeout, litellm.APIConnectionError,
              litellm.ServiceUnavailableError, litellm.InternalServerError)


class LLMError(ServiceError):
    """The model could not answer; `kind` names why (throttled, timeout, context_length, ...)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class CallStats:
    """What the calls for one question cost."""

    calls: int = 0
    retries: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class ModelClient:
    """Everything needed to call the configured model; one per process and settings."""

    model: str
    options: tuple[tuple[str, Any], ...]
    max_retries: int
    timeout_s: int

    def complete(self, messages: list[dict[str, str]], stats: CallStats) -> str:
        deadline = time.monotonic() + BUDGET_S
        for attempt in range(self.max_retries + 1):
            started = time.monotonic()
            try:
                timeout = max(1.0, min(self.timeout_s, deadline - started))
                response = litellm.completion(model=self.model, messages=messages, timeout=timeout,
                                              num_retries=0, **dict(self.options))
                return _answer_text(response, started, stats)
            except _TRANSIENT as exc:
                stats.seconds += time.monotonic() - started
                pause = min(20.0, 2 ** attempt) * random.uniform(0.5, 1.0)
                if attempt == self.max_retries or time.monotonic() + pause > deadline:
                    raise as_llm_error(exc) from exc
                stats.retries += 1
                log.warning("model call failed, retrying", extra={"error": type(exc).__name__,
                                                                  "attempt": attempt + 1, "pause_s": round(pause, 2)})
                time.sleep(pause)
            except LLMError:
                raise
            except Exception as exc:  # litellm's other errors: retrying would get the same answer
                stats.seconds += time.monotonic() - started
                raise as_llm_error(exc) from exc
        raise AssertionError("unreachable")


class QuestionLLM(LLM):
    """The configured model (Bedrock, or whichever litellm model INSIGHT_LLM_MODEL names) as
    PandasAI's Agent sees it for one question: the shared client plus that question's call
    statistics (tokens, time, retries)."""

    def __init__(self, client: ModelClient):
        super().__init__()
        self.client = client
        self.stats = CallStats()

    @property
    def type(self) -> str:
        return "litellm"

    def call(self, instruction: Any, context: Any = None) -> str:
        prompt = instruction.to_string() if hasattr(instruction, "to_string") else str(instruction)
        return self.client.complete([{"role": "user", "content": prompt}], self.stats)


def _answer_text(response: Any, started: float, stats: CallStats) -> str:
    stats.calls += 1
    stats.seconds += time.monotonic() - started
    usage = getattr(response, "usage", None)
    stats.input_tokens += getattr(usage, "prompt_tokens", 0) or 0
    stats.output_tokens += getattr(usage, "completion_tokens", 0) or 0
    try:
        text = response.choices[0].message.content
    except (AttributeError, IndexError):
        text = None
    if not text or not text.strip():
        raise LLMError("malformed", "The model sent an empty answer. Please try again.")
    return text


def completion_options(settings: Settings) -> dict[str, Any]:
    """litellm keyword arguments for the configured model (region and endpoint for Bedrock)."""
    options: dict[str, Any] = {"temperature": 0, "max_tokens": 4096}
    if settings.llm_model and settings.llm_model.startswith("bedrock/"):
        if settings.llm_region:
            options["aws_region_name"] = settings.llm_region
        if settings.llm_endpoint_url:
            options["aws_bedrock_runtime_endpoint"] = settings.llm_endpoint_url
    elif settings.llm_endpoint_url:
        options["api_base"] = settings.llm_endpoint_url
    return options


def as_llm_error(exc: Exception) -> LLMError:
    """The friendly form of a litellm failure; the technical detail goes to the log."""
    log.warning("model call failed", extra={"error": type(exc).__name__, "detail": str(exc)[:300]})
    if isinstance(exc, litellm.ContextWindowExceededError):
        return LLMError("context_length", "The question and its conversation are too long for the model.")
    if isinstance(exc, litellm.RateLimitError):
        return LLMError("throttled", "The model is busy right now (too many requests). Please try again in a minute.")
    if isinstance(exc, litellm.Timeout):
        return LLMError("timeout", "The model took too long to answer. Please try again, or ask a simpler question.")
    if isinstance(exc, (litellm.AuthenticationError, litellm.PermissionDeniedError)):
        return LLMError("access_denied", "Insight is not allowed to use the model (credentials or access). "
                                          "Please tell the administrators.")
    if isinstance(exc, litellm.APIConnectionError):
        if "Unable to locate credentials" in str(exc) or "NoCredentials" in str(exc):
            return LLMError("access_denied", "Insight has no credentials for the model. Please tell the administrators.")
        return LLMError("connection", "The model service cannot be reached right now. Please try again shortly.")
    if isinstance(exc, litellm.NotFoundError):
        return LLMError("access_denied", "The configured model does not exist in this region. "
                                          "Please tell the administrators.")
    return LLMError("malformed", "The model's answer could not be read. Please try again.")


@functools.lru_cache(maxsize=4)
def model_client(settings: Settings) -> ModelClient | None:
    if not settings.llm_model:
        return None
    return ModelClient(model=settings.llm_model, options=tuple(sorted(completion_options(settings).items())),
                       max_retries=settings.llm_max_retries, timeout_s=settings.llm_timeout_s)
