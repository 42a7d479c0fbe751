"""Security headers and production cookie settings."""
import base64
import hashlib
import re

from insight_dash.app import flask_config
from insight_dash.settings import Settings

PRODUCTION = Settings.from_env({
    "INSIGHT_ENV": "production",
    "SECRET_KEY": "p" * 40,
    "DATABASE_URL": "postgresql://insight:pw@db.internal/insight",
})


def test_security_headers_on_every_response(client):
    headers = client.get("/login").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert len(headers["X-Request-ID"]) == 32


def test_production_cookies_are_secure_and_http_only():
    config = flask_config(PRODUCTION)
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["PREFERRED_URL_SCHEME"] == "https"


def test_request_id_from_the_load_balancer_is_kept(client):
    assert client.get("/login", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    spoofed = client.get("/login", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"]
    assert spoofed != "<script>"


def test_every_inline_script_of_the_app_is_allowed_by_hash_and_no_other(client, make_user, sign_in):
    make_user("alice")
    sign_in(client, "alice")
    page = client.get("/datasets/00000000-0000-0000-0000-000000000000")  # the Dash index, any page
    policy = dict(part.strip().split(" ", 1) for part in page.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'" and "'unsafe-inline'" not in policy["script-src"]
    html = re.sub(r"<!--.*?-->", "", page.get_data(as_text=True), flags=re.S)  # IE-only blocks never run
    inline = re.findall(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>(.*?)</script>", html, re.S)
    executable = [body for body in inline if body.strip()]
    assert executable, "the Dash index has inline scripts"
    for body in executable:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["script-src"]
