"""Download routes for standalone HTML exports; the services check who may read what."""
from flask import Blueprint, Response, render_template
from flask_login import current_user

from insight_dash.services.errors import ServiceError
from insight_dash.services.exports import answer_html, view_html

bp = Blueprint("exports", __name__, url_prefix="/exports")


@bp.route("/views/<view_id>.html")
def view_export(view_id: str) -> Response:
    return _download(view_html, view_id)


@bp.route("/answers/<query_id>.html")
def answer_export(query_id: str) -> Response:
    return _download(answer_html, query_id)


def _download(render, object_id: str) -> Response:
    try:
        name, html = render(current_user, object_id)
    except ServiceError:  # someone else's view or answer looks exactly like a missing one
        message = "There is nothing at this address, or it is not yours to see."
        return Response(render_template("error.html", title="Not found", message=message), status=404)
    return Response(html, mimetype="text/html",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
