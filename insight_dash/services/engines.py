"""Which engine answers a question, and how: the configured model through PandasAI, or the
offline engine when there is none. Either way the answer comes back with the names people
know and a checked explanation of what was computed."""
from __future__ import annotations

import logging

from insight_dash.models import QueryLog
from insight_dash.services import offline
from insight_dash.services.agent import Answer, DatasetTables, run_agent
from insight_dash.services.display_names import PeopleNames
from insight_dash.services.explanations import model_explanation
from insight_dash.services.llm import LLMError, QuestionLLM, model_client
from insight_dash.services.offline.explaining import answer_value, explain
from insight_dash.services.offline.writing import write_code
from insight_dash.services.prompting import compose_prompt
from insight_dash.settings import Settings

log = logging.getLogger(__name__)
DECLINED = "Nothing was computed: the offline engine did not understand the whole question."
MODEL_DECLINED = "Nothing was computed: the model said the question cannot be answered from this data."


def engine_name(settings: Settings) -> str:
    return settings.llm_model or offline.ENGINE


def answer(settings: Settings, tables: DatasetTables, question: str, history: list[QueryLog] = ()) -> Answer:
    """The answer to `question` about `tables`, given the conversation's earlier `history`."""
    if model_client(settings) is None:
        return offline_answer(settings, tables, question)
    return model_answer(settings, tables, question, list(history))


def offline_answer(settings: Settings, tables: DatasetTables, question: str) -> Answer:
    """The offline engine: handed the question itself, it plans, or declines by name."""
    plan = offline.plan_question(question, tables.catalogue)
    if isinstance(plan, offline.Decline):
        return Answer(result=plan.as_result(), explanation=DECLINED,
                      facts={"source": "plan", "not_understood": plan.not_understood,
                             "rephrasings": plan.rephrasings})
    done = run_agent(settings, offline.OfflineLLM(write_code(plan)), tables, question)
    done.explanation, done.facts = explain(plan, done.result)
    done.result = PeopleNames(tables.catalogue.people_names()).result(answer_value(plan, done.result))
    return done


def model_answer(settings: Settings, tables: DatasetTables, question: str, history: list[QueryLog]) -> Answer:
    """The model writes the code; a "too long" context is retried once with the older half dropped."""
    client = model_client(settings)
    for attempt in range(2):
        prompt = compose_prompt(question, history, settings.sandbox_allowed_imports)
        try:
            done = run_agent(settings, QuestionLLM(client), tables, prompt)
            break
        except LLMError as exc:
            if exc.kind != "context_length" or not history or attempt:
                raise
            history = history[len(history) // 2 + 1:]
            log.warning("context too long; retrying with a smaller window")
    if done.result.get("type") == "decline":
        done.explanation, done.facts = MODEL_DECLINED, {"source": "model"}
    else:
        done.explanation, done.facts = model_explanation(done.result, done.code, done.queries, tables.catalogue)
    done.result = PeopleNames(tables.catalogue.people_names()).result(done.result)
    return done
