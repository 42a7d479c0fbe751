"""Views: my views and views shared with me; create a new one."""
import dash
from dash import Input, Output, State, callback, html

from insight_dash.auth.identity import acting_user
from insight_dash.components import ids
from insight_dash.components.views import view_list
from insight_dash.services.views import create_view, list_views

dash.register_page(__name__, path="/views", title="Views · Insight")


def layout(**_query):
    return html.Div(view_list(*list_views(acting_user())), className="container page-body")


@callback(Output(ids.VIEW_REDIRECT, "href"), Input(ids.CREATE_VIEW, "n_clicks"), State(ids.VIEW_NAME_INPUT, "value"),
          prevent_initial_call=True)
def new_view(_clicks, name):
    return f"/views/{create_view(acting_user(), name).id}"
