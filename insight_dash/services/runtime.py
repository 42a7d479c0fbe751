"""The running app's settings and storage, for services called inside an app context."""
from flask import current_app

from insight_dash.services.storage import Storage
from insight_dash.settings import Settings


def current_settings() -> Settings:
    return current_app.extensions["insight_settings"]


def current_storage() -> Storage:
    return current_app.extensions["insight_storage"]
