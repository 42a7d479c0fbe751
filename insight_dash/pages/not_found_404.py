import dash

from insight_dash.components.not_found import not_found

dash.register_page(__name__, title="Not found · Insight")

layout = not_found
