"""Sign-in, sign-out and the guard that keeps every other route behind them."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from insight_dash.auth import routes  # noqa: E402,F401  (routes attach themselves to bp)
