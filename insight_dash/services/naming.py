"""Names code can use for tables and columns named the way people name them.

Sheets and columns are called anything: `Plant_ Ops 2026`, `Temp. (F)`, `2019`, `温度`,
`select`, two columns that differ only in case. Code written by the model (and checked by
PandasAI, which accepts only `[a-z0-9]` words joined by single underscores for tables)
uses safe identifiers instead; people see the original names everywhere. The identifiers are
a pure function of the names in order, so the same table always gets the same ones: code
stored with an answer keeps working.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

MAX_LENGTH = 60
PREFIX = {"table": "t", "column": "c"}
# DuckDB's reserved words (duckdb_keywords(), category "reserved") and a few that SQL parsers
# treat as keywords: as bare identifiers they break queries the model writes without quotes.
RESERVED = frozenset("""
all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create
default deferrable desc describe distinct do else end except false fetch for foreign from group having in
initially intersect into lambda lateral leading limit not null offset on only or order pivot pivot_longer
pivot_wider placing primary qualify references returning select show some summarize symmetric table then to
trailing true union unique unpivot using variadic when where window with values rows range
""".split())


def sql_identifiers(names: Sequence[str], kind: str) -> list[str]:
    """One identifier per name, unique among them: lower-case ASCII words joined by single
    underscores, never starting with a digit, never a reserved word, at most 60 characters.
    `kind` is "table" or "column" (it names the fallback for names with no usable letters)."""
    taken: set[str] = set()
    result = []
    for position, name in enumerate(names, start=1):
        base = _ascii_words(str(name))[:MAX_LENGTH].strip("_")
        if not base:
            base = f"{kind}_{position}"
        elif base[0].isdigit():
            base = f"{PREFIX[kind]}_{base}"
        elif base in RESERVED:
            base = f"{base}_{kind}"
        candidate, copy = base, 2
        while candidate in taken:
            candidate, copy = f"{base}_{copy}", copy + 1
        taken.add(candidate)
        result.append(candidate)
    return result


def _ascii_words(name: str) -> str:
    """"Température (°C)" -> "temperature_c": accents folded, every other run of characters
    that are not ASCII letters or digits becomes one underscore."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", folded.lower()).strip("_")
