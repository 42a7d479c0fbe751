"""The Dash shell: pages, the navbar, and the background-callback manager."""
from pathlib import Path

import dash
import diskcache
from dash import Dash, DiskcacheManager, html
from flask import Flask
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from insight_dash.auth import identity  # noqa: F401  (registers the custom_data hook)
from insight_dash.components.navbar import navbar
from insight_dash.settings import Settings

PACKAGE_DIR = Path(__file__).resolve().parent
ASSETS_DIR = PACKAGE_DIR.parent / "assets"


def create_dash(server: Flask, settings: Settings) -> Dash:
    # An explicit folder, shared by every worker of this host: a poll may reach any worker.
    jobs = diskcache.Cache(str(settings.data_dir / "jobs"))
    app = Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(PACKAGE_DIR / "pages"),
        assets_folder=str(ASSETS_DIR),
        title="Insight",
        update_title=None,
        suppress_callback_exceptions=True,
        background_callback_manager=DiskcacheManager(jobs),
    )
    app.layout = shell
    return app


def shell() -> html.Div:
    """Served per page load behind the login guard; Dash also calls it once, unauthenticated,
    to validate the layout on the first request of the process."""
    username = current_user.username if current_user.is_authenticated else ""
    return html.Div([navbar(username, generate_csrf()), dash.page_container])
