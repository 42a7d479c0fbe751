import pytest

from insight_dash.services.units import unit_for

COLUMNS = ["timestamp", "unit", "temperature_c", "pressure_kpa", "cost_usd", "status"]


@pytest.mark.parametrize("question, unit", [
    ("What is the average temperature_c?", "°C"),
    ("Maximum pressure_kpa for unit U2", "kPa"),
    ("Total cost_usd", "USD"),
    ("How many readings have temperature_c above 60?", ""),  # a count
    ("Average temperature_c minus average pressure_kpa", ""),  # two units: say none
    ("What is the median status?", ""),
])
def test_units_come_from_the_named_column(question, unit):
    assert unit_for(question, COLUMNS) == unit
