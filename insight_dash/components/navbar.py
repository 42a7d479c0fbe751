import dash_bootstrap_components as dbc
from dash import dcc, html

from insight_dash.components import ids


def navbar(username: str, csrf_token: str) -> dbc.Navbar:
    """The top bar: brand and navigation on the left, the user and sign-out on the right."""
    sign_out = html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=csrf_token),
            dbc.Button("Sign out", id=ids.LOGOUT_BUTTON, type="submit", color="light", size="sm",
                       outline=True),
        ],
        method="POST",
        action="/logout",
        className="d-flex m-0",
    )
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Insight", href="/", className="fw-bold"),
                dbc.Nav([dbc.NavItem(dbc.NavLink("Datasets", href="/", active="exact")),
                         dbc.NavItem(dbc.NavLink("Views", href="/views", active="partial"))], navbar=True,
                        className="me-auto"),
                html.Span(username, id=ids.NAVBAR_USER, className="navbar-text text-white me-3"),
                sign_out,
            ],
            fluid=True,
        ),
        id=ids.NAVBAR,
        color="primary",
        dark=True,
    )
