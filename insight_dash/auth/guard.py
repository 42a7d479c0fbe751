"""One guard for every route: pages redirect to sign-in, API and callback calls get 401.

Dash routes, the upload route and anything added later are covered because the guard runs
before every request; only the paths listed in PUBLIC_PREFIXES skip it.
"""
from flask import Flask, jsonify, redirect, request, url_for
from flask_login import current_user

PUBLIC_PATHS = frozenset({"/login", "/healthz", "/readyz", "/_favicon.ico"})
# Static CSS/JS only: nothing under it depends on who asks.
PUBLIC_PREFIXES = ("/assets/",)
API_PREFIXES = ("/_dash-", "/api/", "/upload")


def install_login_guard(server: Flask) -> None:
    @server.before_request
    def require_login():
        path = request.path
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            return None
        if current_user.is_authenticated:
            return None
        if path.startswith(API_PREFIXES) or request.method != "GET":
            return jsonify(error="Your session has ended. Please sign in again."), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
