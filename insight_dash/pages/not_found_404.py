import dash
import dash_bootstrap_components as dbc
from dash import html

dash.register_page(__name__, title="Not found · Insight")

layout = dbc.Container(
    [
        html.H1("Page not found", className="h3"),
        html.P("There is nothing at this address, or it is not yours to see."),
        dbc.Button("Back to your datasets", href="/", color="primary", outline=True),
    ],
    className="page-body",
)
