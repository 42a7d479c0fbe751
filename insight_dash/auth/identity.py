"""Who is acting inside a Dash callback, including background callbacks.

Background jobs run without a Flask request, so `current_user` is empty there. The user id
is attached to every callback's context by a `dash.hooks.custom_data` hook while the request
is still alive; callbacks read it from `ctx.custom_data`, never from a browser-supplied value.
"""
import dash
from dash.exceptions import PreventUpdate
from flask_login import current_user

from insight_dash.models import User
from insight_dash.services.users import get_user

NAMESPACE = "insight_user_id"


@dash.hooks.custom_data(NAMESPACE)
def _attach_user_id(_context) -> int | None:
    return current_user.id if current_user.is_authenticated else None


def acting_user() -> User:
    """The signed-in user behind the running callback; stops the callback if there is none."""
    user = get_user(dash.ctx.custom_data.get(NAMESPACE))
    if user is None:
        raise PreventUpdate
    return user
