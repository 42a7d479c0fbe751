"""Sign-in, sign-out, the login guard and CSRF, through real HTTP requests."""
import pytest
from tests.harness.clients import TEST_PASSWORD
from tests.harness.dash_protocol import CSRF_INPUT


@pytest.mark.parametrize("path", ["/", "/datasets/123", "/anything"])
def test_pages_redirect_anonymous_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/login?next={path}")


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/_dash-update-component"), ("GET", "/_dash-layout"), ("GET", "/_dash-dependencies"),
     ("POST", "/upload")],
)
def test_callbacks_and_apis_refuse_anonymous_calls_with_401(client, method, path):
    response = client.open(path, method=method, json={})
    assert response.status_code == 401
    assert response.get_json() == {"error": "Your session has ended. Please sign in again."}


@pytest.mark.parametrize("path", ["/login", "/healthz", "/readyz", "/assets/insight.css"])
def test_public_paths_stay_public(client, path):
    assert client.get(path).status_code == 200


def test_sign_in_and_out(client, make_user, sign_in):
    make_user("alice")
    response = sign_in(client, "alice")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    # Sign-out is a POST with the CSRF token, like every state change.
    token = client.get_cookie("_csrf_token").value
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_gets_a_generic_message(client, make_user, sign_in):
    make_user("alice")
    for username, password in (("alice", "wrong-password"), ("nobody", "wrong-password")):
        response = sign_in(client, username, password)
        assert response.status_code == 200
        assert "Invalid username or password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_sign_in_without_csrf_token_is_refused(client, make_user):
    make_user("alice")
    client.get("/login")
    response = client.post("/login", data={"username": "alice", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "The sign-in form expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_logout_without_csrf_token_is_refused(client, make_user, sign_in):
    make_user("alice")
    sign_in(client, "alice")
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "javascript:alert(1)"])
def test_sign_in_never_redirects_off_site(client, make_user, target):
    make_user("alice")
    page = client.get(f"/login?next={target}").get_data(as_text=True)
    token = CSRF_INPUT.search(page).group(1)
    response = client.post(f"/login?next={target}",
                           data={"username": "alice", "password": TEST_PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_dash_callbacks_require_the_csrf_header(client, make_user, sign_in, page):
    make_user("alice")
    sign_in(client, "alice")
    client.get("/")  # the page load sets the cookie the renderer copies into X-CSRFToken
    assert page(client, "/", csrf=False).status_code == 400
    assert page(client, "/", csrf=True).status_code == 200


def test_session_cookie_flags(client, make_user, sign_in):
    make_user("alice")
    response = sign_in(client, "alice")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development; production is covered in test_security


def test_passwords_never_reach_the_logs(client, make_user, sign_in, caplog):
    make_user("alice")
    with caplog.at_level("DEBUG"):
        sign_in(client, "alice", "a-wrong-secret-value")
    assert "a-wrong-secret-value" not in caplog.text
