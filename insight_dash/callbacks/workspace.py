"""What the workspace callbacks share: the chosen conversation and its rendered answers."""
from dash import html

from insight_dash.components.dataset_view import Conversation, answer_cards
from insight_dash.models import AnalysisSession, Dataset, User
from insight_dash.services.conversations import get_session, latest_session, list_sessions, session_history
from insight_dash.services.datasets import column_names, get_dataset
from insight_dash.services.errors import NotFound
from insight_dash.services.gallery import list_pins, pinned_query_ids
from insight_dash.services.suggestions import suggest_questions


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
