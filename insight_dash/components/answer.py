"""One question and its answer, rendered by kind: text, number, table or figure.

Renders what it is given: the QueryLog arrives with what it shows loaded (its follow-up's
question included, `services.conversations.session_history`); nothing here reads the database."""
import re
from collections.abc import Sequence
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from insight_dash.components import ids
from insight_dash.models import PIN_KINDS, QueryLog
from insight_dash.services.figures import figure_title
from insight_dash.services.formatting import format_number
from insight_dash.services.units import unit_for

GRAPH_CONFIG = {"displaylogo": False, "responsive": True,
                "toImageButtonOptions": {"format": "png", "filename": "insight-chart", "scale": 2}}
COMPACT_MARGIN = {"l": 56, "r": 16, "b": 48, "autoexpand": True}
# Just above the plot area, below the modebar (which takes the top 30 px on hover).
TITLE_ABOVE_PLOT = {"yref": "paper", "y": 1, "yanchor": "bottom", "pad": {"b": 12}}


def answer_card(entry: QueryLog, pinned: bool = False, columns: Sequence[str] = (), waiting: bool = False) -> html.Div:
    """`columns`: the dataset's column names, which a number's unit may come from; `waiting`:
    a running question answered by this page's job shows the job's place in line."""
    header = [html.Span(entry.prompt, className="fw-semibold text-break")]
    if entry.follow_up_of is not None:
        header.insert(0, html.Div(f"Follow-up to: {entry.follow_up_of.prompt}",
                                  className="small text-body-secondary text-truncate"))
    body = [_body(entry, columns)]
    if waiting and entry.status == "running":
        body.append(html.Div("", id=ids.WAITING_ID, className="job-waiting small text-body-secondary mt-1"))
    if entry.status == "success" and entry.explanation and entry.result_kind != "declined":
        body.append(explanation_block(entry.explanation, entry.explanation_facts))
    card = dbc.Card([
        dbc.CardHeader(header),
        dbc.CardBody(body),
        dbc.CardFooter([_actions(entry, pinned), *_footer(entry)], className="small text-body-secondary"),
    ])
    return html.Div(card, className="mb-3 answer-card",
                    **{"data-status": entry.status, "data-kind": entry.result_kind or ""})


def figure_graph(figure: dict[str, Any], height: str = "420px", config: dict[str, Any] = GRAPH_CONFIG) -> dcc.Graph:
    """A stored figure, drawn from its JSON (nothing is re-run)."""
    return dcc.Graph(figure=_compact(figure), config=config, style={"height": height})


def _compact(figure: dict[str, Any]) -> dict[str, Any]:
    """Plotly's default margins (80 px a side, 100 on top) left a fifth of a card in the
    conversation pane empty; axes still widen the margins for long labels (automargin). A
    title sits just above the plot, clear of the modebar. A figure with its own margins keeps them."""
    layout = figure.get("layout", {})
    if "margin" in layout:
        return figure
    if not figure_title(figure):
        return {**figure, "layout": {**layout, "margin": {**COMPACT_MARGIN, "t": 40}}}
    title = layout["title"] if isinstance(layout["title"], dict) else {"text": layout["title"]}
    title = {**TITLE_ABOVE_PLOT, **title} if not {"y", "yref", "yanchor"} & set(title) else title
    return {**figure, "layout": {**layout, "margin": {**COMPACT_MARGIN, "t": 72}, "title": title}}


def _body(entry: QueryLog, columns: Sequence[str]) -> Any:
    if entry.status == "running":
        # assets/ask.js counts the seconds from data-started.
        return html.Div([dbc.Spinner(size="sm"), html.Span(" Thinking… ", className="ms-2"),
                         html.Span("", className="elapsed text-body-secondary",
                                   **{"data-started": entry.created_at.isoformat()})], className="thinking")
    if entry.status == "error":
        return dbc.Alert(entry.error_message, color="danger", className="mb-0")
    if entry.result_kind == "figure":
        return figure_graph(entry.response_plot_json)
    if entry.result_kind == "table":
        return _table(entry.response_table_json, entry.id)
    if entry.result_kind == "list":
        return _list(entry.response_table_json, entry.id)
    if entry.result_kind == "declined":
        return _declined(entry)
    if entry.result_kind == "boolean":
        return html.Div(entry.response_text, className="display-6 answer-number answer-boolean")
    if entry.result_kind == "number":
        unit = (entry.explanation_facts or {}).get("unit") or unit_for(entry.prompt, list(columns))
        return html.Div([entry.response_text, html.Span(f" {unit}", className="answer-unit fs-4") if unit else None],
                        className="display-6 answer-number")
    # Dash escapes text children: model output and column names cannot inject markup.
    return dcc.Markdown(entry.response_text, className="mb-0 answer-text", link_target="_blank")


def explanation_block(sentence: str, facts: dict[str, Any] | None) -> html.Div:
    """"How this was computed": the sentence, and the facts behind it one click away."""
    rows = [(label, _fact(facts or {}, key)) for label, key in FACT_LABELS]
    rows = [(label, value) for label, value in rows if value]
    details = html.Details([html.Summary("Details"), html.Dl([part for label, value in rows for part in (
        html.Dt(label), html.Dd(value))], className="answer-facts mb-0")]) if rows else None
    return html.Div([html.Div([html.Span("How this was computed: ", className="fw-semibold"), sentence]), details],
                    className="answer-explanation small mt-2")


FACT_LABELS = [("Table", "table"), ("Columns", "columns"), ("Filters", "filters"), ("Grouping", "grouping"),
               ("Aggregation", "aggregation"), ("Rows used", "rows_used"), ("Checked", "checked"), ("Note", "note")]


def _fact(facts: dict[str, Any], key: str) -> str:
    value = facts.get(key)
    if key == "rows_used" and isinstance(value, int):
        total = facts.get("rows_total")
        return f"{value:,} of {total:,}" if isinstance(total, int) and total else f"{value:,}"
    if key == "checked" and facts.get("source") in ("model", "code"):
        return "Checked against the code it ran" if value else "Read from the SQL it ran"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "" if value is None or key == "checked" else str(value)


def _declined(entry: QueryLog) -> html.Div:
    """A decline says what was not understood and offers questions that can be answered."""
    rephrasings = (entry.explanation_facts or {}).get("rephrasings") or []
    offers = [dbc.Button(question, id={"type": ids.REPHRASE, "index": f"{entry.id}-{number}"}, color="secondary",
                         outline=True, size="sm", n_clicks=0, className="me-2 mb-2 rephrasing")
              for number, question in enumerate(rephrasings)]
    return dbc.Alert([html.Div(entry.response_text, className="mb-2" if offers else "mb-0"),
                      html.Div([html.Div("Try instead:", className="small mb-1"), *offers]) if offers else None],
                     color="warning", className="mb-0 answer-declined")


def _actions(entry: QueryLog, pinned: bool) -> html.Div:
    if entry.status == "running":
        return html.Div()
    buttons = []
    if entry.status == "error":
        buttons.append(dbc.Button("Retry", id={"type": ids.RETRY, "index": entry.id}, color="primary", size="sm",
                                  n_clicks=0))
    if entry.status == "success" and entry.result_kind in PIN_KINDS:
        buttons.append(dbc.Button("Pinned" if pinned else "Pin", id={"type": ids.PIN_ANSWER, "index": entry.id},
                                  color="secondary", outline=True, size="sm", n_clicks=0, disabled=pinned,
                                  title="Keep this answer in the gallery; a view can re-run it on new data"))
    if entry.status == "success" and entry.result_kind != "declined":
        buttons.append(dbc.Button("Ask a follow-up", id={"type": ids.FOLLOW_UP, "index": entry.id},
                                  color="secondary", outline=True, size="sm", n_clicks=0))
        buttons.append(dbc.Button("Export", href=f"/exports/answers/{entry.id}.html", external_link=True,
                                  color="link", size="sm", title="A standalone HTML file"))
    return html.Div(buttons, className="answer-actions d-flex flex-wrap gap-2 mb-1")


def _table(table: dict[str, Any], query_id: int) -> html.Div:
    columns = [str(name) for name in table["columns"]]
    records = [dict(zip(columns, row)) for row in table["rows"]]
    numeric = {c for c in columns if records and all(isinstance(r[c], (int, float)) or r[c] is None for r in records)}
    shown = len(records)
    note = f"{table['row_count']:,} rows" + (f" (showing the first {shown:,})" if shown < table["row_count"] else "")
    return html.Div([
        dag.AgGrid(rowData=records, columnDefs=[_column(c, c in numeric) for c in columns],
                   defaultColDef={"sortable": True, "resizable": True, "filter": True},
                   dashGridOptions={"suppressFieldDotNotation": True, "domLayout": "autoHeight"
                                    if shown <= 15 else "normal"},
                   style={"height": None if shown <= 15 else "360px"}, className="ag-theme-quartz"),
        html.Div([
            html.Span(note, className="small text-body-secondary"),
            dbc.Button("Download CSV", id={"type": ids.DOWNLOAD_TABLE, "index": query_id}, size="sm",
                       color="secondary", outline=True, n_clicks=0, className="ms-2"),
        ], className="mt-1"),
    ])


def _list(table: dict[str, Any], query_id: int) -> html.Div:
    items = [html.Li(" — ".join(_cell(value) for value in row)) for row in table["rows"]]
    more = table["row_count"] - len(items)
    return html.Div([
        html.Ol(items, className="answer-list mb-1"),
        html.Div([html.Span(f"{table['row_count']:,} in all" + (f" ({more:,} more in the CSV)" if more > 0 else ""),
                            className="small text-body-secondary"),
                  dbc.Button("Download CSV", id={"type": ids.DOWNLOAD_TABLE, "index": query_id}, size="sm",
                             color="secondary", outline=True, n_clicks=0, className="ms-2")]),
    ])


def _cell(value: Any) -> str:
    return format_number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def _column(name: str, numeric: bool) -> dict[str, Any]:
    column: dict[str, Any] = {"field": name, "headerName": name}
    if numeric:  # 156446.4999999999 reads as 156,446.5
        column.update(type="rightAligned", valueFormatter={"function": "params.value == null ? '' : "
                                                                      "d3.format(',.4~f')(params.value)"})
    return column


def _footer(entry: QueryLog) -> list[Any]:
    engine = "the offline engine" if entry.engine == "offline" else entry.engine
    said = {"running": f"Asked {engine}", "error": f"Not answered ({engine})"}.get(entry.status, f"Answered by {engine}")
    if entry.result_kind == "declined":
        said = f"Declined by {engine}"
    parts: list[Any] = [html.Span(said)]
    if entry.latency_ms is not None:
        parts.append(html.Span(f" in {entry.latency_ms:,} ms"))
    if entry.generated_code:
        parts.append(html.Details([html.Summary("Show code"), highlighted_code(entry.generated_code)],
                                  className="mt-1"))
    return parts


def highlighted_code(code: str) -> dcc.Markdown:
    """Python, syntax-highlighted by dcc.Markdown's highlight.js; the fence outgrows any in the code."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return dcc.Markdown(f"{fence}python\n{code}\n{fence}", className="answer-code mt-2 mb-0")
