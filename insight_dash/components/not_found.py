import dash_bootstrap_components as dbc
from dash import html


def not_found() -> dbc.Container:
    """What a missing page, or someone else's object, looks like: the same thing."""
    return dbc.Container(
        [
            html.H1("Not found", className="h3"),
            html.P("There is nothing at this address, or it is not yours to see.", id="not-found"),
            dbc.Button("Back to your datasets", href="/", color="primary", outline=True),
        ],
        className="page-body",
    )
