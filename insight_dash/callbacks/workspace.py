"""What the workspace callbacks share: the chosen conversation and its rendered answers."""
from typing import Any

from dash import Patch, html

from insight_dash.components.dataset_view import Conversation, Versions, answer_cards, dataset_view, shown_answers
from insight_dash.models import AnalysisSession, Dataset, User
from insight_dash.services.conversations import get_session, latest_session, list_sessions, session_history
from insight_dash.services.datasets import column_names, get_dataset
from insight_dash.services.errors import NotFound
from insight_dash.services.gallery import list_pins, pinned_query_ids
from insight_dash.services.runtime import current_settings
from insight_dash.services.suggestions import suggest_questions
from insight_dash.services.versions import list_versions, waiting_version


def conversation_of(user: User, dataset_id: str, session_id: str) -> AnalysisSession:
    """The chosen session, checked to belong to this user and this dataset."""
    session = get_session(user, session_id)
    if str(session.dataset_id) != str(dataset_id):
        raise NotFound("session")
    return session


def answers_update(user: User, session: AnalysisSession, shown: dict[str, Any] | None,
                   asking: int | None) -> tuple[Patch | list[html.Div], dict[str, Any]]:
    """The conversation's answer cards (newest first) brought up to date from what the page
    shows (`shown`, ids.ANSWERS_SHOWN): a patch that adds the new cards and redraws the ones
    whose status changed, so an answer does not send every earlier answer and figure again; the
    whole list when the page shows another conversation. Returns it and the new `shown`."""
    history = session_history(user, session.id)
    now = shown_answers(session, history)
    pinned, columns = pinned_query_ids(user, session.dataset_id), column_names(get_dataset(user, session.dataset_id))
    before = shown.get("cards") if isinstance(shown, dict) and shown.get("session") == now["session"] else None
    added = len(now["cards"]) - len(before or [])
    if before is None or added < 0 or [card[0] for card in now["cards"][added:]] != [card[0] for card in before]:
        return answer_cards(history, pinned, columns, asking), now
    patch = Patch()
    for position, (card, entry) in enumerate(zip(before, history[added:])):
        if card[1] != entry.status:
            patch[position] = answer_cards([entry], pinned, columns, asking)[0]
    for entry in reversed(history[:added]):
        patch.prepend(answer_cards([entry], pinned, columns, asking)[0])
    return patch, now



def workspace_state(user: User, dataset: Dataset) -> tuple[Conversation, list]:
    """The latest conversation on a ready dataset and its gallery, for a full page render."""
    current = latest_session(user, dataset.id)
    conversation = Conversation(sessions=list_sessions(user, dataset.id), current=current,
                                history=session_history(user, current.id), suggestions=suggest_questions(dataset),
                                pinned=pinned_query_ids(user, dataset.id), columns=column_names(dataset))
    return conversation, list_pins(user, dataset.id)


def version_state(user: User, dataset: Dataset) -> Versions:
    """The dataset's versions and the one waiting for review, for its Versions tab and review card."""
    history = list_versions(user, dataset.id)
    return Versions(history, waiting_version(history), current_settings().max_upload_mb)


def full_view(user: User, dataset: Dataset) -> html.Div:
    """The dataset view with, once it is ready, its latest conversation, its gallery and its versions."""
    if dataset.status != "ready":
        return dataset_view(dataset)
    return dataset_view(dataset, *workspace_state(user, dataset), version_state(user, dataset))
