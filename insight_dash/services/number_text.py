"""Numbers typed as text, in the forms people type them: `$1,234.56`, `(1200)`, `12%`,
`1.234,56 €`, `3,00 US$` (with a no-break space), `CHF 1'234.50`, `-1 234,5`.

A column's convention (decimal comma or decimal point) is decided once from its values: a value
with both marks shows which one is the decimal, groups of exactly three digits after a mark
point to thousands, anything else to decimals. Currency symbols and ISO codes before or after
the number, spaces of every width, apostrophe thousands, parentheses and trailing minus signs
for negatives, and percent signs are understood.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Symbols before or after the number, with or without a space; ISO codes and abbreviations as
# written ("CHF", "kr") and apart from the digits: "CAD12" is a label, not twelve dollars.
CURRENCY = (r"(?:US\$|A\$|C\$|NZ\$|HK\$|R\$|S\$|[$€£¥₹₽₩₪]|\b(?:USD|EUR|GBP|JPY|CHF|CAD|AUD|NZD|SEK|NOK|DKK|PLN|"
            r"CZK|HUF|INR|CNY|RMB|BRL|ZAR|MXN|SGD|HKD|KRW|TRY|RUB|kr|zł|Kč|Fr|Rs)\b\.?)")
SPACES = "\u0020\u00a0\u202f\u2009\u2007\u2008\u200a"
_NUMERIC = re.compile(r"^\d+(\.\d+)?$")
_GROUPED = re.compile(r"^\d{1,3}([.,]\d{3})+$")  # "1,234" or "1.234.567": could be thousands


@dataclass(frozen=True)
class Convention:
    decimal: str  # "." or ","

    @property
    def thousands(self) -> str:
        return "," if self.decimal == "." else "."

    def describe(self) -> str:
        return "decimal point" if self.decimal == "." else "decimal comma"


POINT, COMMA = Convention("."), Convention(",")
_CURRENCY = re.compile(CURRENCY)
_SPACE = re.compile(f"[{SPACES}]")


def looks_numeric(text: str) -> bool:
    """Is this one cell a number in some convention ("1.234,56 €", "(12%)")?"""
    body = _body(text)
    return body is not None and any(_NUMERIC.match(_plain(body, convention)) for convention in (POINT, COMMA))


def read_sample(counts: dict[str, int]) -> tuple[Convention, float]:
    """The convention a column's values agree on, and the share of them (weighted by how often
    each occurs) that are numbers in it."""
    bodies = {value: _body(value) for value in counts}
    comma = point = 0
    for body in filter(None, bodies.values()):
        marks = [ch for ch in body if ch in ",."]
        if "," in marks and "." in marks:  # "1.234,56": the last mark is the decimal one
            comma, point = (comma + 1, point) if marks[-1] == "," else (comma, point + 1)
        elif marks and not _GROUPED.match(body):  # "1,5" or "0.25": the one mark is a decimal
            comma, point = (comma + 1, point) if marks[-1] == "," else (comma, point + 1)
        elif len(set(marks)) == 1 and len(marks) > 1:  # "1.234.567": thousands
            comma, point = (comma + 1, point) if marks[0] == "." else (comma, point + 1)
    convention = COMMA if comma > point else POINT
    total = sum(counts.values())
    numeric = sum(count for value, count in counts.items()
                  if bodies[value] is not None and _NUMERIC.match(_plain(bodies[value], convention)))
    return convention, numeric / total if total else 0.0


def to_numbers(text: pd.Series, convention: Convention) -> pd.Series:
    """The whole column as float64 (empty where a value is not a number), vectorised in Arrow."""
    if isinstance(text.dtype, pd.ArrowDtype):
        array = pc.cast(pa.array(text.array), pa.string())
    else:
        array = pa.array(text.astype(object).where(text.notna(), None), type=pa.string())
    unpriced = pc.utf8_trim(pc.replace_substring_regex(array, CURRENCY, ""), characters=SPACES + "\t")
    negative = pc.match_substring_regex(unpriced, r"^\(.*\)$|^[(]?\s*[-−]|[-−]\s*\)?$")
    percent = pc.match_substring_regex(unpriced, r"%\)?$")
    body = unpriced
    for _ in range(2):  # "(-5 %)": brackets, then the sign inside them
        body = pc.utf8_trim(pc.replace_substring_regex(body, r"^[+\-−(]+|[)\-−%]+$", ""), characters=SPACES)
    body = pc.replace_substring_regex(body, f"[{SPACES}'’]", "")
    body = pc.replace_substring(body, convention.thousands, "")
    if convention.decimal == ",":
        body = pc.replace_substring(body, ",", ".")
    numbers = pc.cast(pc.if_else(pc.match_substring_regex(body, r"^\d+(\.\d+)?$"), body, None), pa.float64())
    numbers = pc.if_else(pc.fill_null(negative, False), pc.negate(numbers), numbers)
    numbers = pc.if_else(pc.fill_null(percent, False), pc.divide(numbers, 100.0), numbers)
    return pd.Series(numbers.to_numpy(zero_copy_only=False), index=text.index, dtype="float64")


def _body(text: str) -> str | None:
    """The number's digits and marks, without its sign, currency, spaces and percent sign."""
    text = text.strip(SPACES + "\t")
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    text = _CURRENCY.sub("", text).strip(SPACES)
    text = text.removesuffix("%").strip(SPACES)
    text = text.lstrip("+-−").rstrip("-−").strip(SPACES)
    text = _CURRENCY.sub("", text).strip(SPACES)  # "-$5": the sign came first
    if not text or not text[0].isdigit() or not text[-1].isdigit():
        return None
    text = _SPACE.sub("", text).replace("'", "").replace("’", "")
    return text if re.fullmatch(r"[\d.,]+", text) else None


def _plain(body: str, convention: Convention) -> str:
    return body.replace(convention.thousands, "").replace(convention.decimal, ".")
