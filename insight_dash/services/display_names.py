"""Answers in the names people know: a table's headers, a chart's titles, axes, legend and
hover, and text that mention an identifier code used (`temp_f`) show its name (`Temp. (F)`)."""
from __future__ import annotations

import re
from typing import Any

_PLACEHOLDER = re.compile(r"(%\{[^}]*\})")
# How models name a computed column: "total_net_mw" is the total of net_mw.
AGGREGATE_PREFIXES = ("total", "sum", "avg", "average", "mean", "min", "max", "median", "count")


class PeopleNames:
    """Identifier -> name, for every table and column whose identifier differs from its name."""

    def __init__(self, names: dict[str, str]):
        self.names = names
        # In running text, identifiers too short to be told from ordinary words ("a" for a
        # column "A", "id") stay as they are; "temp_f" becomes "Temp. (F)", "unit" "Unit".
        wordy = sorted((sql for sql in names if len(sql) >= 4 or (len(sql) == 3 and not sql.isalpha())),
                       key=len, reverse=True)
        self._in_text = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, wordy)) + r")(?![\w])") if wordy else None

    def whole(self, text: Any) -> Any:
        """A name standing alone: a header, an axis title, a legend entry."""
        if not isinstance(text, str) or text in self.names:
            return self.names.get(text, text)
        prefix, _, rest = text.partition("_")
        if prefix.lower() in AGGREGATE_PREFIXES and rest in self.names:
            return f"{prefix.capitalize()} {self.names[rest]}"
        return text

    def text(self, text: Any) -> Any:
        """Running text: a title, a sentence, a hover template (its %{...} fields untouched)."""
        alone = self.whole(text)
        if alone is not text or not isinstance(text, str) or self._in_text is None:
            return alone
        parts = _PLACEHOLDER.split(text)
        return "".join(part if _PLACEHOLDER.fullmatch(part) else self._in_text.sub(lambda m: self.names[m.group(1)], part)
                       for part in parts)

    def result(self, result: dict[str, Any]) -> dict[str, Any]:
        kind, value = result.get("type"), result.get("value")
        if kind in ("dataframe", "list") and isinstance(value, dict):
            value = {**value, "columns": [self.whole(column) for column in value.get("columns", [])]}
        elif kind == "plot" and isinstance(value, dict):
            value = self.figure(value)
        elif kind in ("string", "decline"):
            value = self.text(value)
        return {**result, "value": value}

    def figure(self, figure: dict[str, Any]) -> dict[str, Any]:
        layout = {key: self._layout_part(key, part) for key, part in figure.get("layout", {}).items()}
        traces = [self._trace(trace) for trace in figure.get("data", [])]
        return {**figure, "data": traces, "layout": layout}

    def _layout_part(self, key: str, part: Any) -> Any:
        if key == "title":
            return self._title(part)
        if key.startswith(("xaxis", "yaxis", "legend", "coloraxis")) and isinstance(part, dict):
            part = {**part, "title": self._title(part["title"])} if "title" in part else part
            if isinstance(part.get("colorbar"), dict) and "title" in part["colorbar"]:
                part = {**part, "colorbar": {**part["colorbar"], "title": self._title(part["colorbar"]["title"])}}
            return part
        if key == "annotations" and isinstance(part, list):
            return [{**note, "text": self.text(note.get("text"))} if isinstance(note, dict) else note for note in part]
        return part

    def _title(self, title: Any) -> Any:
        if isinstance(title, dict):
            return {**title, "text": self.text(title.get("text"))} if "text" in title else title
        return self.text(title)

    def _trace(self, trace: Any) -> Any:
        if not isinstance(trace, dict):
            return trace
        changed = dict(trace)
        for key in ("name", "legendgroup"):
            if key in changed:
                changed[key] = self.whole(changed[key])
        if isinstance(changed.get("hovertemplate"), str):
            changed["hovertemplate"] = "<br>".join(self._hover_line(line)
                                                   for line in changed["hovertemplate"].split("<br>"))
        return changed

    def _hover_line(self, line: str) -> str:
        """Plotly Express writes "temp_f=%{y}": the label is a whole name."""
        label, equals, rest = line.partition("=")
        if equals and rest.startswith("%{"):
            return f"{self.whole(label)}={rest}"
        return self.text(line)
