"""A dependency that is down (the database restarting, say) ends a request with 503 and a
message a person understands, never a traceback; the next request, once it is back, works."""
import logging

import sqlalchemy as sa
from flask import Flask, jsonify, render_template, request

from insight_dash.extensions import db

log = logging.getLogger(__name__)
DATABASE_DOWN = "The database is unavailable right now. Please try again in a moment."
DATABASE_ERRORS = (sa.exc.OperationalError, sa.exc.InterfaceError)


def install_outage_handlers(server: Flask) -> None:
    @server.errorhandler(sa.exc.OperationalError)
    @server.errorhandler(sa.exc.InterfaceError)
    def database_down(error):
        log.warning("database unavailable", extra={"event": "database_unavailable", "error": type(error).__name__})
        db.session.rollback()
        if request.method == "GET" and not request.path.startswith(("/_dash-", "/api/")):
            return render_template("error.html", title="Temporarily unavailable", message=DATABASE_DOWN), 503
        return jsonify(error=DATABASE_DOWN), 503
