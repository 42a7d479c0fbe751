"""What the workspace callbacks share: the chosen conversation and its rendered answers."""
from dash import html

from insight_dash.components.dataset_view import Conversation, Versions, answer_cards, dataset_view
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


def rendered_answers(user: User, session: AnalysisSession) -> tuple[list[html.Div], bool]:
    """The conversation's answer cards, newest first, and whether nothing is running."""
    history = session_history(user, session.id)
    columns = column_names(get_dataset(user, session.dataset_id))
    cards = answer_cards(history, pinned_query_ids(user, session.dataset_id), columns)
    return cards, not any(entry.status == "running" for entry in history)


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
