"""Pinned figures: stored as checked JSON with their question and code, one per answer,
ordered by their owner, and kept when the conversation they came from is deleted."""
import pytest

from insight_dash.extensions import db
from insight_dash.models import Dataset, PinnedFigure, QueryLog
from insight_dash.services import gallery
from insight_dash.services.conversations import delete_session
from insight_dash.services.errors import InvalidInput, NotFound
from insight_dash.services.figures import InvalidFigure


def test_a_pin_keeps_the_figure_question_code_explanation_dataset_and_session(figure_answer, chat):
    alice, session = chat
    entry = figure_answer(session, "Mean temperature")
    pin = gallery.pin_answer(alice, entry.id)
    assert (pin.title, pin.question, pin.code) == ("Mean temperature", "Plot Mean temperature", "fig = px.bar(df)")
    assert pin.explanation == entry.explanation == "Summed the values for each unit: Mean temperature."
    assert (pin.dataset_id, pin.session_id, pin.query_id) == (session.dataset_id, session.id, entry.id)
    assert pin.figure_json["data"][0]["type"] == "bar"
    assert gallery.pin_answer(alice, entry.id).id == pin.id  # pinning twice keeps one
    assert db.session.query(PinnedFigure).count() == 1


def test_numbers_and_tables_are_pinned_as_figures_with_their_values(chat):
    alice, session = chat
    number = QueryLog(session_id=session.id, prompt="How many alarms?", status="success", result_kind="number",
                      response_text="1,234.5", explanation="Counted rows where status is alarm: 12 of 500 rows.")
    table = QueryLog(session_id=session.id, prompt="Alarms by unit", status="success", result_kind="table",
                     response_table_json={"columns": ["unit", "alarms"], "rows": [["U1", 3], ["U2", 4]], "row_count": 2},
                     explanation="Counted rows for each unit.")
    db.session.add_all([number, table])
    db.session.commit()
    pinned_number, pinned_table = gallery.pin_answer(alice, number.id), gallery.pin_answer(alice, table.id)
    assert (pinned_number.kind, pinned_number.value_json, pinned_number.title) == ("number", {"value": 1234.5},
                                                                                  "How many alarms?")
    assert pinned_number.figure_json["data"][0]["type"] == "indicator"
    assert pinned_table.kind == "table" and pinned_table.value_json["rows"] == [["U1", 3], ["U2", 4]]
    assert pinned_table.figure_json["data"][0]["cells"]["values"] == [["U1", "U2"], [3, 4]]


def test_only_charts_numbers_and_tables_within_the_size_cap_are_pinned(figure_answer, chat, monkeypatch):
    alice, session = chat
    text = QueryLog(session_id=session.id, prompt="Which unit?", status="success", result_kind="text",
                    response_text="U1", explanation="Took the most frequent unit: 12 of 500 rows.")
    db.session.add(text)
    db.session.commit()
    with pytest.raises(InvalidInput, match="Only a chart, a number or a table"):
        gallery.pin_answer(alice, text.id)
    forged = figure_answer(session, "forged", figure={"data": [{"type": "no-such-trace"}]})
    with pytest.raises(InvalidFigure, match="not a valid Plotly figure"):
        gallery.pin_answer(alice, forged.id)
    monkeypatch.setattr("insight_dash.services.figures.MAX_FIGURE_BYTES", 100)
    with pytest.raises(InvalidFigure, match="too large"):
        gallery.pin_answer(alice, figure_answer(session, "big").id)
    assert db.session.query(PinnedFigure).count() == 0


def test_reorder_and_unpin(figure_answer, chat):
    alice, session = chat
    pins = [gallery.pin_answer(alice, figure_answer(session, title).id) for title in ("A", "B", "C")]
    gallery.move_pin(alice, pins[2].id, -1)
    assert [p.title for p in gallery.list_pins(alice, session.dataset_id)] == ["A", "C", "B"]
    gallery.move_pin(alice, pins[0].id, +5)  # past the end stays at the end
    assert [p.title for p in gallery.list_pins(alice, session.dataset_id)] == ["C", "B", "A"]
    gallery.unpin(alice, pins[1].id)
    assert [p.title for p in gallery.list_pins(alice)] == ["C", "A"]
    assert gallery.pinned_query_ids(alice, session.dataset_id) == {pins[2].query_id, pins[0].query_id}


def test_pins_outlive_their_conversation_but_not_their_dataset(figure_answer, chat):
    alice, session = chat
    pin = gallery.pin_answer(alice, figure_answer(session, "Kept").id)
    delete_session(alice, session.id)
    db.session.expire_all()
    kept = gallery.get_pin(alice, pin.id)
    assert (kept.session_id, kept.query_id, kept.title) == (None, None, "Kept")
    db.session.delete(db.session.get(Dataset, session.dataset_id))
    db.session.commit()
    assert db.session.query(PinnedFigure).count() == 0


def test_someone_elses_answer_or_pin_is_not_found(figure_answer, chat, make_user):
    alice, session = chat
    entry = figure_answer(session, "Private")
    pin = gallery.pin_answer(alice, entry.id)
    bob = make_user("bob")
    for action in (lambda: gallery.pin_answer(bob, entry.id), lambda: gallery.unpin(bob, pin.id),
                   lambda: gallery.move_pin(bob, pin.id, 1), lambda: gallery.get_pin(bob, "not-a-uuid")):
        with pytest.raises(NotFound):
            action()
    assert gallery.list_pins(bob) == [] and gallery.list_pins(alice) == [pin]
