"""Units read from column names ("temperature_c", "pressure_kpa", "cost_usd"), so a number
answer about such a column can say what it measures."""
import re

SUFFIX_UNITS = {
    "c": "°C", "degc": "°C", "f": "°F", "degf": "°F", "k": "K", "kpa": "kPa", "pa": "Pa", "mpa": "MPa",
    "bar": "bar", "psi": "psi", "mw": "MW", "kw": "kW", "w": "W", "mwh": "MWh", "kwh": "kWh", "v": "V",
    "kv": "kV", "a": "A", "hz": "Hz", "rpm": "rpm", "pct": "%", "percent": "%", "usd": "USD", "eur": "EUR",
    "gbp": "GBP", "m3h": "m³/h", "kg": "kg", "t": "t", "s": "s", "ms": "ms", "mm": "mm", "m": "m",
}
COUNTING = re.compile(r"\bhow many\b|\bcount\b|\bnumber of\b")


def unit_for(question: str, column_names: list[str]) -> str:
    """The unit of the one column the question names, when its name carries one; else ""."""
    text = question.lower()
    if COUNTING.search(text):  # a count of readings has no unit
        return ""
    named = [name for name in column_names if name.lower() in text]
    units = {SUFFIX_UNITS.get(name.lower().rsplit("_", 1)[-1]) for name in named if "_" in name}
    units.discard(None)
    return units.pop() if len(units) == 1 else ""
