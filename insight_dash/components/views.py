"""Views: the list of views, and one view as a read-only dashboard or its owner's editor."""
import dash_bootstrap_components as dbc
from dash import dcc, html

from insight_dash.components import ids
from insight_dash.components.answer import explanation_block, figure_graph
from insight_dash.services.formatting import human_time
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
        html.Div(view_figures(view, editable), id=ids.VIEW_FIGURES),
    ], className="view-page")


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
        dbc.Select(id=ids.ADD_FIGURE_SELECT, options=addable, placeholder="Add a pinned chart…"),
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


def _figure_card(pin: PinnedFigure, editable: bool) -> dbc.Card:
    remove = dbc.Button("Remove", id={"type": ids.REMOVE_FIGURE, "index": str(pin.id)}, color="link", size="sm",
                        className="no-print p-0", n_clicks=0) if editable else None
    return dbc.Card([
        dbc.CardHeader(html.Div([html.Span(pin.title, className="fw-semibold text-break"), remove],
                                className="d-flex justify-content-between gap-2")),
        dbc.CardBody([figure_graph(without_title(pin.figure_json), height="340px"),
                      explanation_block(pin.explanation, None) if pin.explanation else None,
                      html.Div(f"Asked: {pin.question}", className="small text-body-secondary mt-1 text-break"),
                      html.Div(f"Dataset: {pin.dataset.name}", className="small text-body-secondary")]),
    ], className="h-100")
