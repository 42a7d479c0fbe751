"""Model output and column names are data, never markup: answers, pins, views and exports
show them as text."""
import plotly.graph_objects as go

from insight_dash.components.answer import answer_card
from insight_dash.extensions import db
from insight_dash.models import QueryLog
from insight_dash.services import exports, gallery, views

HOSTILE = "<script>alert('owned')</script><img src=x onerror=alert(1)>"


def test_text_answers_render_markdown_without_html(chat):
    alice, session = chat
    entry = QueryLog(session_id=session.id, prompt=HOSTILE, status="success", result_kind="text",
                     response_text=f"**Bold** and {HOSTILE}", explanation=f"Counted {HOSTILE}.")
    db.session.add(entry)
    db.session.commit()
    markdown = next(node for node in answer_card(entry)._traverse() if type(node).__name__ == "Markdown")
    assert not getattr(markdown, "dangerously_allow_html", False)
    name, html = exports.answer_html(alice, entry.id)
    assert "<script>alert('owned')" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in html
    assert "How this was computed: Counted &lt;script&gt;" in html  # the explanation is escaped too
    assert name.endswith(".html") and "<" not in name


def test_figure_titles_and_view_names_cannot_close_the_script(figure_answer, chat):
    alice, session = chat
    figure = go.Figure(go.Bar(x=[f"</script>{HOSTILE}"], y=[1]), layout={"title": {"text": HOSTILE}})
    pin = gallery.pin_answer(alice, figure_answer(session, "x", figure=figure.to_plotly_json()).id)
    view = views.create_view(alice, HOSTILE)
    views.add_figure(alice, view.id, pin.id)
    _, html = exports.view_html(alice, view.id)
    assert "<script>alert('owned')" not in html and "</script><script>" not in html.replace(" ", "")
