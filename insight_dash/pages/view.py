"""One view: a dashboard of pinned answers, drawn from their stored results. Its owner adds and
removes them, shares, renames and deletes, and refreshes them on the data's current versions
(a background job, with progress); readers only see."""
import dash
from dash import ALL, MATCH, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from insight_dash.auth.identity import acting_user
from insight_dash.jobs.context import job_context
from insight_dash.callbacks.conversation import pattern_click
from insight_dash.components import ids
from insight_dash.components.not_found import not_found
from insight_dash.components.views import sharing_summary, view_figures, view_header, view_page
from insight_dash.services.errors import NotFound, ServiceError
from insight_dash.services.gallery import list_pins
from insight_dash.services.refresh import ask_again, refresh_view
from insight_dash.services.views import (add_figure, can_edit, colleagues, delete_view, get_view, remove_figure,
                                         rename_view, share_view)

dash.register_page(__name__, path_template="/views/<view_id>", title="View · Insight")


def layout(view_id: str | None = None, **_query):
    user = acting_user()
    try:
        view = get_view(user, view_id)
    except NotFound:
        return not_found()
    editable = can_edit(user, view)
    content = view_page(view, editable, list_pins(user) if editable else [], colleagues(user) if editable else [])
    return html.Div([content, dcc.Location(id="view-location", refresh=True)], className="container-fluid page-body")


def _refreshed(view):
    """The parts of the page that change when the owner edits the view."""
    return view_header(view, True), view_figures(view, True)


@callback(Output(ids.VIEW_HEADER, "children"), Output(ids.VIEW_FIGURES, "children"),
          Output(ids.ADD_FIGURE_SELECT, "options"), Output(ids.ADD_FIGURE_SELECT, "value"),
          Input(ids.ADD_FIGURE, "n_clicks"), State(ids.ADD_FIGURE_SELECT, "value"),
          State(ids.ADD_FIGURE_SELECT, "options"), State(ids.VIEW_ID, "data"), prevent_initial_call=True)
def add_to_view(_clicks, pin_id, options, view_id):
    if not pin_id:
        raise PreventUpdate
    view = add_figure(acting_user(), view_id, pin_id)
    # The choice is cleared with its option: a stale value would add the same answer again.
    return *_refreshed(view), [option for option in options or [] if option["value"] != pin_id], None


@callback(Output(ids.VIEW_HEADER, "children", allow_duplicate=True),
          Output(ids.VIEW_FIGURES, "children", allow_duplicate=True),
          Input({"type": ids.REMOVE_FIGURE, "index": ALL}, "n_clicks"), State(ids.VIEW_ID, "data"),
          prevent_initial_call=True)
def remove_from_view(_clicks, view_id):
    clicked = pattern_click()
    if clicked is None:
        raise PreventUpdate
    return _refreshed(remove_figure(acting_user(), view_id, clicked["index"]))


@callback(Output(ids.REFRESH_REQUEST, "data"), Input(ids.REFRESH_VIEW, "n_clicks"),
          Input({"type": ids.REFRESH_PIN, "index": ALL}, "n_clicks"),
          Input({"type": ids.ASK_AGAIN, "index": ALL}, "n_clicks"), prevent_initial_call=True)
def request_refresh(_all, _pins, _asks):
    """Which refresh was asked for; the cards' buttons also "fire" when the cards are redrawn,
    which must not start a job."""
    clicked = pattern_click()
    if clicked is None and ctx.triggered_id != ids.REFRESH_VIEW:
        raise PreventUpdate
    return {"kind": clicked["type"], "pin": clicked["index"]} if clicked else {"kind": ids.REFRESH_VIEW}


@callback(Output(ids.VIEW_FIGURES, "children", allow_duplicate=True), Output(ids.REFRESH_STATUS, "children"),
          Input(ids.REFRESH_REQUEST, "data"), State(ids.VIEW_ID, "data"),
          background=True, prevent_initial_call=True,
          progress=[Output(ids.REFRESH_PROGRESS, "value"), Output(ids.REFRESH_PROGRESS, "label")],
          running=[(Output(ids.REFRESH_VIEW, "disabled"), True, False),
                   (Output(ids.REFRESH_PROGRESS, "className"), "refresh-progress", "d-none refresh-progress"),
                   (Output(ids.VIEW_FIGURES, "className"), "view-busy", "")])
def refresh(set_progress, request, view_id):
    """Runs as a background job: every pin (or the one clicked) re-run on the current data, or
    one question asked again through the engine."""
    with job_context():
        user = acting_user()
        set_progress((0, "Starting…"))
        try:
            if request["kind"] == ids.ASK_AGAIN:
                pins = [ask_again(user, request["pin"])]
            else:
                only = [request["pin"]] if request["kind"] == ids.REFRESH_PIN else None
                pins = refresh_view(user, view_id, only,
                                    lambda done, total: set_progress((100 * done // total, f"{done} of {total}")))
        except ServiceError as exc:  # a job's exception reaches the page only as text, not as itself
            return no_update, exc.message
        stale = sum(1 for pin in pins if pin.stale_reason)
        summary = f"Refreshed {len(pins) - stale} of {len(pins)}" + (f"; {stale} stale (see why below)." if stale else ".")
        return view_figures(get_view(user, view_id), True), summary


@callback(Output(ids.SHARING_STATUS, "children"), Input(ids.SAVE_SHARING, "n_clicks"),
          State(ids.SHARE_USERS, "value"), State(ids.SHARE_EVERYONE, "value"), State(ids.VIEW_ID, "data"),
          prevent_initial_call=True)
def save_sharing(_clicks, usernames, everyone, view_id):
    view = share_view(acting_user(), view_id, usernames or [], bool(everyone))
    return f"Saved: {sharing_summary(view)}"


@callback(Output(ids.VIEW_HEADER, "children", allow_duplicate=True), Input(ids.RENAME_VIEW, "n_clicks"),
          State(ids.RENAME_VIEW_INPUT, "value"), State(ids.VIEW_ID, "data"), prevent_initial_call=True)
def rename(_clicks, name, view_id):
    return view_header(rename_view(acting_user(), view_id, name), True)


@callback(Output(ids.DELETE_VIEW_CONFIRM, "displayed"), Input(ids.DELETE_VIEW, "n_clicks"), prevent_initial_call=True)
def confirm_delete(_clicks):
    return True


@callback(Output("view-location", "href"), Input(ids.DELETE_VIEW_CONFIRM, "submit_n_clicks"),
          State(ids.VIEW_ID, "data"), prevent_initial_call=True)
def remove_view(_submitted, view_id):
    delete_view(acting_user(), view_id)
    return "/views"


# The newest result or the one before, swapped in the browser (both came with the page).
clientside_callback(
    "function (choice, results) { return results[choice]; }",
    Output({"type": ids.PIN_GRAPH, "index": MATCH}, "figure"),
    Output({"type": ids.PIN_AS_OF, "index": MATCH}, "children"),
    Input({"type": ids.PIN_VERSIONS, "index": MATCH}, "value"),
    State({"type": ids.PIN_RESULTS, "index": MATCH}, "data"), prevent_initial_call=True,
)

clientside_callback(
    "function (clicks) { if (clicks) { window.print(); } return window.dash_clientside.no_update; }",
    Output(ids.PRINT_BUTTON, "className"), Input(ids.PRINT_BUTTON, "n_clicks"), prevent_initial_call=True,
)
