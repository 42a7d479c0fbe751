import logging
from urllib.parse import urlsplit

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from insight_dash.auth import bp
from insight_dash.auth.forms import LoginForm
from insight_dash.services.users import authenticate

log = logging.getLogger(__name__)
INVALID_CREDENTIALS = "Invalid username or password."


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            session.clear()  # a fresh session on sign-in defeats session fixation
            login_user(user)
            session.permanent = True
            log.info("sign-in", extra={"event": "login", "user_id": user.id})
            return redirect(_safe_next(request.args.get("next")))
        log.warning("sign-in refused", extra={"event": "login_failed"})
        error = INVALID_CREDENTIALS
    elif request.method == "POST":
        error = INVALID_CREDENTIALS
    return render_template("auth/login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: '/datasets/x' yes, '//evil.example' or 'https://…' no."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target
