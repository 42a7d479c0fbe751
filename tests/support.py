"""Helpers shared by tests (fixtures live in conftest.py)."""
import re
import socket

from flask.testing import FlaskClient

TEST_PASSWORD = "correct-horse-battery"
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def render_page(client: FlaskClient, pathname: str, csrf: bool = True):
    """POST the Dash Pages routing callback the way the browser renderer does."""
    headers = {"X-CSRFToken": client.get_cookie("_csrf_token").value} if csrf else {}
    payload = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                   {"id": "_pages_location", "property": "search", "value": ""}],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
    return client.post("/_dash-update-component", json=payload, headers=headers)
