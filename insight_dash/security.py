"""HTTP hardening: CSRF for every POST (Dash callbacks included), headers, HTTPS."""
from collections.abc import Callable

from flask import Flask, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError, generate_csrf

from insight_dash.auth.forms import LoginForm
from insight_dash.settings import Settings

# The Dash renderer copies this cookie into the X-CSRFToken header of every callback POST,
# which Flask-WTF checks; so callbacks get the same CSRF protection as forms.
DASH_CSRF_COOKIE = "_csrf_token"
HTTPS_EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})


def content_security_policy(inline_script_hashes: list[str]) -> str:
    """What pages may load and run. Scripts come from this origin or are Dash's own inline
    scripts (by hash), so injected markup cannot run code. 'unsafe-eval' stays because
    plotly.js and AG Grid's function strings compile code at runtime; inline styles stay
    because Plotly and AG Grid add style elements."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-eval'", *inline_script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def install_content_security_policy(server: Flask, inline_script_hashes: Callable[[], list[str]]) -> None:
    @server.after_request
    def add_content_security_policy(response):
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", content_security_policy(inline_script_hashes()))
        return response


def install_security(server: Flask, settings: Settings) -> None:
    @server.before_request
    def redirect_to_https():
        if settings.ssl_redirect and not request.is_secure and request.path not in HTTPS_EXEMPT_PATHS:
            return redirect(request.url.replace("http://", "https://", 1), code=301)
        return None

    @server.after_request
    def add_security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if settings.hsts_seconds and request.is_secure:
            headers.setdefault("Strict-Transport-Security", f"max-age={settings.hsts_seconds}")
        if response.mimetype == "text/html" and request.method == "GET":
            response.set_cookie(
                DASH_CSRF_COOKIE,
                generate_csrf(),
                secure=settings.secure_cookies,
                httponly=False,  # the renderer's JavaScript must read it
                samesite="Lax",
            )
        return response

    @server.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        if request.path == "/login":
            message = "The sign-in form expired. Please try again."
            return render_template("auth/login.html", form=LoginForm(), error=message), 400
        return jsonify(error="Your page is out of date. Reload it and try again."), 400
