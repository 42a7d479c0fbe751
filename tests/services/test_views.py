"""Views: the owner edits; named users or everyone signed in read; anyone else gets not found."""
import pytest

from insight_dash.extensions import db
from insight_dash.models import PinnedFigure, View
from insight_dash.services import gallery, views
from insight_dash.services.errors import InvalidInput, NotFound
from insight_dash.services.users import find_user


@pytest.fixture
def view(figure_answer, chat, make_user):
    alice, session = chat
    for name in ("bob", "carol"):
        make_user(name)
    pins = [gallery.pin_answer(alice, figure_answer(session, title).id) for title in ("Trend", "Breakdown")]
    view = views.create_view(alice, "  Unit review ")
    for pin in pins:
        views.add_figure(alice, view.id, pin.id)
    return alice, view, pins


def test_a_view_holds_pinned_figures_in_order(view):
    alice, unit_review, pins = view
    assert unit_review.name == "Unit review"
    views.add_figure(alice, unit_review.id, pins[0].id)  # once only
    assert [item.figure.title for item in views.get_view(alice, unit_review.id).items] == ["Trend", "Breakdown"]
    views.remove_figure(alice, unit_review.id, pins[0].id)
    gallery.unpin(alice, pins[1].id)  # an unpinned figure leaves the view too
    db.session.expire_all()
    assert views.get_view(alice, unit_review.id).items == []


def test_sharing_with_a_named_user_is_read_only(view):
    alice, unit_review, _ = view
    views.share_view(alice, unit_review.id, ["bob", "alice"], everyone=False)
    bob, carol = find_user("bob"), find_user("carol")
    assert views.get_view(bob, unit_review.id).id == unit_review.id
    assert not views.can_edit(bob, unit_review)
    assert views.list_views(bob) == ([], [unit_review]) and views.list_views(carol) == ([], [])
    for action in (lambda: views.rename_view(bob, unit_review.id, "Mine"),
                   lambda: views.share_view(bob, unit_review.id, ["carol"], True),
                   lambda: views.delete_view(bob, unit_review.id),
                   lambda: views.get_view(carol, unit_review.id)):
        with pytest.raises(NotFound, match="That view was not found."):
            action()
    assert [u.username for u in unit_review.shared_with] == ["bob"]  # never with oneself


def test_sharing_with_everyone_and_unsharing(view):
    alice, unit_review, _ = view
    views.share_view(alice, unit_review.id, [], everyone=True)
    assert views.get_view(find_user("carol"), unit_review.id).name == "Unit review"
    views.share_view(alice, unit_review.id, [], everyone=False)
    with pytest.raises(NotFound):
        views.get_view(find_user("carol"), unit_review.id)


def test_bad_names_and_unknown_users_are_refused(view):
    alice, unit_review, _ = view
    with pytest.raises(InvalidInput, match="No user is named mallory"):
        views.share_view(alice, unit_review.id, ["bob", "mallory"], everyone=False)
    with pytest.raises(InvalidInput, match="name"):
        views.create_view(alice, "   ")
    with pytest.raises(InvalidInput, match="200"):
        views.rename_view(alice, unit_review.id, "x" * 201)
    assert views.colleagues(alice) == ["bob", "carol"]


def test_only_the_owners_own_pins_go_into_a_view(view):
    alice, unit_review, pins = view
    bob = find_user("bob")
    bobs_view = views.create_view(bob, "Bob's")
    with pytest.raises(NotFound, match="figure"):
        views.add_figure(bob, bobs_view.id, pins[0].id)


def test_deleting_a_view_keeps_the_pins(view):
    alice, unit_review, _ = view
    views.delete_view(alice, unit_review.id)
    assert db.session.query(View).count() == 0 and db.session.query(PinnedFigure).count() == 2
