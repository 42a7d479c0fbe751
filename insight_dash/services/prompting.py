"""What the model is told beyond PandasAI's own prompt: the conversation so far, the rules its
code must follow (the allowed imports are the sandbox's own setting), and how to say how the
answer was computed, or that the question cannot be answered."""
from __future__ import annotations

from collections.abc import Iterable

from insight_dash.models import QueryLog
from insight_dash.services.figures import title_text

RULES = """Rules for the code you write:
- Tables and columns are named by SQL identifiers; each column's description gives the name people
  use for it. Use the identifiers in code and SQL, and the people's names in titles, labels and text.
- Charts: build them with plotly (import plotly.express as px, or plotly.graph_objects as go) and set
  result = {{"type": "plot", "value": fig}}. Never use matplotlib or seaborn, never save or show files.
- Give every chart a title and axis titles that name the columns and their units; make the hover
  show the category, the value and its column name.
- Tables: result = {{"type": "dataframe", "value": df}}; numbers: {{"type": "number", ...}};
  text: {{"type": "string", ...}}; yes/no: {{"type": "boolean", ...}}; lists: {{"type": "list", "value": [...]}}.
- Also set result["explanation"] to one plain sentence saying what was computed from which rows:
  the table, the columns, the filters, the grouping, the aggregation and how many rows went into
  it, e.g. "Counted rows of detail_fy25 where actual > budget: 404 of 720 rows". Set
  result["columns_used"] to the list of columns the code read and result["rows_used"] to that
  number of rows (an int computed by the code).
- If the question cannot be answered from these tables, or you are unsure what it means, do not
  guess: set result = {{"type": "decline", "value": "<what you did not understand>"}}.
- Import only {imports}. Do not read or write files or use the network."""


def rules(allowed_imports: Iterable[str]) -> str:
    return RULES.format(imports=_spoken_list(sorted(allowed_imports)))


def compose_prompt(question: str, history: list[QueryLog], allowed_imports: Iterable[str]) -> str:
    lines = []
    if history:
        lines.append("Earlier in this conversation (oldest first):")
        for number, entry in enumerate(history, start=1):
            lines.append(f"Q{number}: {entry.prompt}")
            lines.append(f"A{number}: {answer_digest(entry)}")
            if entry.explanation:
                lines.append(f"How A{number} was computed: {entry.explanation}")
            if entry.generated_code:
                lines.append(f"Code{number}:\n{entry.generated_code}")
        lines.append("")
    lines += [rules(allowed_imports), "", f"Question: {question}"]
    return "\n".join(lines)


def answer_digest(entry: QueryLog) -> str:
    """A line about a previous answer, so follow-ups ("now split that by unit") make sense."""
    if entry.result_kind == "figure" and entry.response_plot_json:
        layout = entry.response_plot_json.get("layout", {})
        kinds = sorted({trace.get("type", "scatter") for trace in entry.response_plot_json.get("data", [])})
        x_title = title_text(layout.get("xaxis", {})) or "x"
        y_title = title_text(layout.get("yaxis", {})) or "y"
        return f"a {'/'.join(kinds)} chart of {y_title} by {x_title} titled \"{title_text(layout)}\""
    if entry.result_kind in ("table", "list") and entry.response_table_json:
        table = entry.response_table_json
        return f"a {entry.result_kind} of {table['row_count']} rows with columns {', '.join(table['columns'][:12])}"
    return entry.response_text[:300]


def _spoken_list(names: list[str]) -> str:
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)
