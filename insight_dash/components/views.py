"""Views: the list of views, and one view as a read-only dashboard or its owner's editor. Each
pinned answer says which dataset version it was computed on and when, what changed since the
previous version, and, when a refresh failed, why it is stale; only the owner gets controls."""
from datetime import datetime

import dash_bootstrap_components as dbc
from dash import dcc, html

from insight_dash.components import ids
from insight_dash.components.answer import explanation_block, figure_graph
from insight_dash.services.formatting import calendar_time, human_time
from insight_dash.models import PinnedFigure, View
from insight_dash.services.figures import without_title


def view_list(mine: list[View], shared: list[View]) -> html.Div:
    create = dbc.InputGroup([
        dbc.Input(id=ids.VIEW_NAME_INPUT, placeholder="Name a new view, e.g. Unit 2 weekly review", maxLength=200),
        dbc.Button("Create view", id=ids.CREATE_VIEW, color="primary", n_clicks=0),
    ], className="mb-4", style={"maxWidth": "36rem"})
    return html.Div([
        html.H1("Views", className="h4"),
        html.P("A view collects pinned charts into one page you can share, read-only, with colleagues.",
               className="text-body-secondary"),
        create,
        dcc.Location(id=ids.VIEW_REDIRECT, refresh=True),
        html.H2("My views", className="h6"),
        _table(mine, owner_column=False) if mine else html.P("You have no views yet.", className="text-body-secondary"),
        html.H2("Shared with me", className="h6 mt-4"),
        _table(shared, owner_column=True) if shared else html.P("Nothing has been shared with you yet.",
                                                                className="text-body-secondary"),
    ])


def _table(views: list[View], owner_column: bool) -> dbc.Table:
    head = ["Name", "Figures", "Updated", "Owner" if owner_column else "Shared with"]
    rows = [html.Tr([html.Td(dcc.Link(view.name, href=f"/views/{view.id}")), html.Td(figure_count(len(view.items))),
                     html.Td(human_time(view.updated_at)),
                     html.Td(view.owner.username if owner_column else sharing_summary(view))])
            for view in views]
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)], hover=True, size="sm",
                     className="view-table")


def figure_count(count: int) -> str:
    return f"{count} figure" if count == 1 else f"{count} figures"


def sharing_summary(view: View) -> str:
    if view.shared_with_everyone:
        return "Everyone signed in"
    return ", ".join(user.username for user in view.shared_with) or "Only me"


def view_page(view: View, editable: bool, pins: list[PinnedFigure] = (), colleagues: list[str] = ()) -> html.Div:
    """A view: its figures as a grid (from stored JSON), plus the owner's controls."""
    return html.Div([
        dcc.Store(id=ids.VIEW_ID, data=str(view.id)),
        html.Div(view_header(view, editable), id=ids.VIEW_HEADER),
        owner_tools(view, pins, colleagues) if editable else None,
        refresh_bar() if editable else None,
        html.Div(view_figures(view, editable), id=ids.VIEW_FIGURES),
    ], className="view-page")


def refresh_bar() -> html.Div:
    """Refresh all: every pin's code re-run on its dataset's current version, with progress."""
    return html.Div([
        dbc.Button("Refresh all", id=ids.REFRESH_VIEW, color="primary", outline=True, size="sm", n_clicks=0,
                   title="Re-run every chart's code on the current version of its data (no model is asked)"),
        dbc.Progress(id=ids.REFRESH_PROGRESS, value=0, striped=True, animated=True,
                     className="d-none refresh-progress", style={"minWidth": "12rem"}),
        html.Span(id=ids.REFRESH_STATUS, className="small text-body-secondary", role="status"),
        html.Span(id=ids.WAITING_ID, className="small text-body-secondary job-waiting"),  # in this host's line
        dcc.Store(id=ids.REFRESH_REQUEST),
    ], className="d-flex align-items-center gap-2 mb-3 no-print refresh-bar")


def view_header(view: View, editable: bool) -> html.Div:
    badge = dbc.Badge("Read-only", color="secondary", className="ms-2 read-only-badge") if not editable else None
    return html.Div([
        html.Div([html.H1([view.name, badge], className="h4 mb-1"),
                  html.Div(f"By {view.owner.username} · updated {human_time(view.updated_at)} · "
                           f"{figure_count(len(view.items))}", className="small text-body-secondary")]),
        html.Div([
            dbc.Button("Export HTML", href=f"/exports/views/{view.id}.html", external_link=True, color="secondary",
                       outline=True, size="sm", className="me-2"),
            dbc.Button("Print / Save as PDF", id=ids.PRINT_BUTTON, color="secondary", outline=True, size="sm",
                       n_clicks=0),
        ], className="no-print"),
    ], className="d-flex flex-wrap justify-content-between align-items-start gap-2 mb-3")


def owner_tools(view: View, pins: list[PinnedFigure], colleagues: list[str]) -> dbc.Card:
    in_view = {item.figure_id for item in view.items}
    addable = [{"label": f"{pin.title} ({pin.dataset.name})", "value": str(pin.id)}
               for pin in pins if pin.id not in in_view]
    add = dbc.InputGroup([
        dbc.Select(id=ids.ADD_FIGURE_SELECT, options=addable, placeholder="Add a pinned answer…"),
        dbc.Button("Add", id=ids.ADD_FIGURE, color="primary", n_clicks=0),
    ], size="sm")
    share = html.Div([
        dcc.Dropdown(id=ids.SHARE_USERS, options=colleagues, value=[user.username for user in view.shared_with],
                     multi=True, placeholder="Share with…", className="share-users"),
        dbc.Checkbox(id=ids.SHARE_EVERYONE, label="Everyone signed in", value=view.shared_with_everyone,
                     className="mt-1"),
        dbc.Button("Save sharing", id=ids.SAVE_SHARING, color="primary", outline=True, size="sm", n_clicks=0,
                   className="mt-1"),
        html.Span(sharing_summary(view), id=ids.SHARING_STATUS, className="small text-body-secondary ms-2"),
    ])
    rename = dbc.InputGroup([
        dbc.Input(id=ids.RENAME_VIEW_INPUT, value=view.name, maxLength=200),
        dbc.Button("Rename", id=ids.RENAME_VIEW, color="secondary", outline=True, n_clicks=0),
        dbc.Button("Delete view", id=ids.DELETE_VIEW, color="danger", outline=True, n_clicks=0),
    ], size="sm")
    return dbc.Card(dbc.CardBody(dbc.Row([
        dbc.Col([html.Label("Figures", className="small fw-semibold"), add], md=4),
        dbc.Col([html.Label("Sharing (read-only)", className="small fw-semibold"), share], md=4),
        dbc.Col([html.Label("This view", className="small fw-semibold"), rename,
                 dcc.ConfirmDialog(id=ids.DELETE_VIEW_CONFIRM,
                                   message="Delete this view? The pinned charts stay in your gallery.")], md=4),
    ], className="g-3")), className="mb-3 no-print owner-tools")


def view_figures(view: View, editable: bool) -> list:
    if not view.items:
        hint = "Add pinned charts above." if editable else "The owner has not added any charts yet."
        return [html.P(f"This view has no figures yet. {hint}", className="text-body-secondary")]
    return [dbc.Row([dbc.Col(_figure_card(item.figure, editable), lg=6, className="mb-3 view-item")
                     for item in view.items])]


def _figure_card(pin: PinnedFigure, editable: bool) -> html.Div:
    key = str(pin.id)
    controls = [
        dbc.Button("Refresh", id={"type": ids.REFRESH_PIN, "index": key}, color="link", size="sm",
                   className="no-print p-0", n_clicks=0, title="Re-run this answer's code on the current data"),
        dbc.Button("Remove", id={"type": ids.REMOVE_FIGURE, "index": key}, color="link", size="sm",
                   className="no-print p-0", n_clicks=0),
    ] if editable else []
    return html.Div(dbc.Card([
        dbc.CardHeader(html.Div([html.Span(pin.title, className="fw-semibold text-break"),
                                 html.Div(controls, className="d-flex gap-2")],
                                className="d-flex justify-content-between gap-2")),
        dbc.CardBody([_stale(pin, editable), _change(pin), *_results(pin),
                      explanation_block(pin.explanation, None) if pin.explanation else None,
                      html.Div(f"Asked: {pin.question}", className="small text-body-secondary mt-1 text-break"),
                      html.Div(f"Dataset: {pin.dataset.name}", className="small text-body-secondary")]),
    ], className="h-100"), className="h-100 pin-card" + (" pin-stale" if pin.stale_reason else ""),
        **{"data-pin": key})


def as_of(version: int, moment: datetime) -> str:
    return f"As of version {version}, {calendar_time(moment)}"


def _results(pin: PinnedFigure) -> list:
    """The newest result; the one before it (another version) one click away. One chart shows
    either (a chart drawn in a hidden tab would take the width of nothing)."""
    newest = figure_graph(without_title(pin.figure_json), height=_height(pin.kind))
    now = as_of(pin.dataset_version, pin.computed_at)
    previous = pin.previous
    if not previous:
        return [newest, html.Div(now, className="small as-of")]
    key = str(pin.id)
    newest.id = {"type": ids.PIN_GRAPH, "index": key}
    before = figure_graph(without_title(previous["figure_json"]), height=_height(pin.kind)).figure
    then = as_of(previous["dataset_version"], datetime.fromisoformat(previous["computed_at"]))
    choice = dbc.RadioItems(
        id={"type": ids.PIN_VERSIONS, "index": key}, value="newest", inline=True,
        options=[{"label": f"Version {pin.dataset_version}", "value": "newest"},
                 {"label": f"Before (version {previous['dataset_version']})", "value": "previous"}],
        className="pin-versions mb-1", inputClassName="btn-check",
        labelClassName="btn btn-outline-secondary btn-sm", labelCheckedClassName="active")
    return [choice, newest, html.Div(now, id={"type": ids.PIN_AS_OF, "index": key}, className="small as-of"),
            dcc.Store(id={"type": ids.PIN_RESULTS, "index": key},
                      data={"newest": [newest.figure, now], "previous": [before, then]})]


def _height(kind: str) -> str:
    return "160px" if kind == "number" else "340px"


def _stale(pin: PinnedFigure, editable: bool):
    if not pin.stale_reason:
        return None
    ask = dbc.Button("Ask again", id={"type": ids.ASK_AGAIN, "index": str(pin.id)}, color="warning", size="sm",
                     className="ms-2 no-print", n_clicks=0,
                     title="Ask the original question on the new data") if editable else None
    return dbc.Alert([html.Span("Stale: ", className="fw-semibold"), html.Span(pin.stale_reason), ask,
                      html.Div("Showing the last good result.", className="small")],
                     color="warning", className="py-2 px-3 small stale-reason")


def _change(pin: PinnedFigure):
    if not pin.change:
        return None
    return html.Div([html.Span("What changed: ", className="fw-semibold"), pin.change,
                     html.Span(f" (since version {pin.previous['dataset_version']})" if pin.previous else "")],
                    className="small mb-1 pin-change")
