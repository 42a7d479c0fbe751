"""Numbers typed as text in the forms people type them, a column's convention decided from its values."""
import pandas as pd
import pytest

from insight_dash.services.number_text import COMMA, POINT, looks_numeric, read_sample, to_numbers

NBSP, NNBSP, THIN = "\u00a0", "\u202f", "\u2009"


@pytest.mark.parametrize(("values", "convention", "numbers"), [
    (["1.234,56 €", f"3,00{NBSP}US$", "-1 234,5", "12,5"], COMMA, [1234.56, 3.0, -1234.5, 12.5]),
    (["$1,234.56", "(1200)", "12%", "0.25"], POINT, [1234.56, -1200.0, 0.12, 0.25]),
    (["CHF 1'234.50", "CHF 99.95", "Fr. 5.00"], POINT, [1234.5, 99.95, 5.0]),
    ([f"1{NNBSP}234{NNBSP}567,8 kr", f"2{THIN}000,5"], COMMA, [1234567.8, 2000.5]),
    (["1.234.567", "2.345"], COMMA, [1234567.0, 2345.0]),  # dots in groups of three: thousands
    (["1,234", "2,345"], POINT, [1234.0, 2345.0]),  # ambiguous alone: read the US way
    (["€ -5,00", "5,00-", "(7,5 %)"], COMMA, [-5.0, -5.0, -0.075]),
    (["EUR 12", "12 EUR", "USD 12.50", "12€"], POINT, [12.0, 12.0, 12.5, 12.0]),
])
def test_a_column_is_read_in_its_own_convention(values, convention, numbers):
    decided, share = read_sample({value: 1 for value in values})
    assert decided == convention and share == 1.0
    assert to_numbers(pd.Series(values), decided).tolist() == pytest.approx(numbers)


@pytest.mark.parametrize("text", ["abc", "12-34", "1.2.3,4,5", "", "$", "(", "U2", "2019-03-01", "CAD12", "usd 5"])
def test_text_that_is_not_a_number_is_not_taken_for_one(text):
    assert not looks_numeric(text)
    assert pd.isna(to_numbers(pd.Series([text]), POINT).iloc[0])


def test_a_share_counts_how_often_values_occur():
    convention, share = read_sample({"12,5": 3, "n/a": 1})
    assert convention == COMMA and share == 0.75
