"""Home: the signed-in user's datasets."""
import dash
import dash_bootstrap_components as dbc
from dash import html

from insight_dash.auth.identity import acting_user
from insight_dash.components.dataset_list import dataset_list
from insight_dash.services.datasets import list_datasets

dash.register_page(__name__, path="/", title="Datasets · Insight", name="Datasets")


def layout(**_query) -> dbc.Container:
    user = acting_user()
    return dbc.Container(
        [
            html.H1("Datasets", className="h3 mb-3"),
            dataset_list(list_datasets(user)),
        ],
        className="page-body",
        fluid="lg",
    )
