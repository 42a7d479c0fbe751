"""Components build layouts from what the services loaded: no SQL runs while they render
(a lazy relation walked in a component is a query per card, hidden in the layout code)."""
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from insight_dash.components.dataset_view import answer_cards
from insight_dash.components.views import owner_tools, view_figures, view_header, view_list
from insight_dash.extensions import db
from insight_dash.models import QueryLog
from insight_dash.services import conversations, gallery, views


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements sent while the block runs."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def shared_view(figure_answer, chat, make_user):
    """Alice's conversation (a chart, then a follow-up to it), the chart pinned into a view she
    shares with Bob."""
    alice, session = chat
    bob = make_user("bob")
    chart = figure_answer(session, "Temperature by unit")
    db.session.add(QueryLog(session_id=session.id, prompt="And pressure?", status="success", result_kind="number",
                            response_text="12.5", explanation="Averaged pressure_kpa over all 2 rows.",
                            follow_up_of_id=chart.id))
    db.session.commit()
    pin = gallery.pin_answer(alice, chart.id)
    view = views.create_view(alice, "Unit review")
    views.add_figure(alice, view.id, pin.id)
    views.share_view(alice, view.id, ["bob"], everyone=False)
    db.session.expire_all()  # a fresh request: nothing loaded yet
    return alice, bob, session, view


def test_answer_cards_render_from_the_loaded_history(shared_view):
    alice, _, session, _ = shared_view
    history = conversations.session_history(alice, session.id)
    pinned = gallery.pinned_query_ids(alice, session.dataset_id)
    with statements() as sent:
        cards = answer_cards(history, pinned, ["temperature_c", "pressure_kpa"])
    assert sent == []
    assert "Follow-up to: Plot Temperature by unit" in str(cards[0].to_plotly_json())


def test_views_render_from_the_loaded_view(shared_view):
    alice, bob, _, view = shared_view
    mine, _ = views.list_views(alice)
    _, shared = views.list_views(bob)
    readable = views.get_view(bob, view.id)
    owned = views.get_view(alice, view.id)
    pins = gallery.list_pins(alice)
    with statements() as sent:
        view_list(mine, shared)
        view_header(readable, editable=False)
        view_figures(readable, editable=False)
        owner_tools(owned, pins, ["bob"])
    assert sent == []


def test_a_changed_view_comes_back_loaded(shared_view):
    alice, _, _, view = shared_view
    renamed = views.rename_view(alice, view.id, "Unit 2 review")
    with statements() as sent:
        header = view_header(renamed, editable=True)
        view_figures(renamed, editable=True)
    assert sent == []
    assert "Unit 2 review" in str(header.to_plotly_json())
