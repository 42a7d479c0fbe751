"""Security headers and production cookie settings."""
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
