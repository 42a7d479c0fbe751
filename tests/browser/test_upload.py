"""Real uploads through the page in Chromium: a CSV, a messy workbook, a million rows."""
import pandas as pd
import pytest
from selenium.webdriver.common.by import By

from insight_dash.components import ids
from tests.harness.chromium import upload_through_page, wait_until_ready
from tests.harness.files import write_messy_workbook, write_sensor_csv

pytestmark = pytest.mark.browser


def test_csv_and_messy_workbook_uploads(dash_br, make_user, browser_sign_in, screenshot, tmp_path):
    make_user("alice")
    browser_sign_in("alice")
    upload_through_page(dash_br, write_sensor_csv(tmp_path / "sensors.csv", rows=2000))
    dash_br.wait_for_contains_text(f"#{ids.UPLOAD_MESSAGE}", "Uploaded sensors.csv", timeout=30)
    wait_until_ready(dash_br, "sensors.csv")
    upload_through_page(dash_br, write_messy_workbook(tmp_path / "budget.xlsx"))
    dash_br.wait_for_contains_text(f"#{ids.UPLOAD_MESSAGE}", "Uploaded budget.xlsx", timeout=30)
    dash_br.wait_for_text_to_equal(f'#{ids.DATASET_LIST} tr:first-child td:nth-child(2)', "ready", timeout=120)
    rows = dash_br.find_elements(f"#{ids.DATASET_LIST} tbody tr")
    assert [r.find_element(By.CSS_SELECTOR, "td").text for r in rows] == ["budget.xlsx", "sensors.csv"]
    assert rows[1].find_elements(By.CSS_SELECTOR, "td")[2].text == "2,000"
    screenshot("home-with-datasets")

    dash_br.driver.find_element(By.LINK_TEXT, "budget.xlsx").click()
    warnings = dash_br.wait_for_element(f"#{ids.PARSE_WARNINGS}", timeout=20)
    warnings.find_element(By.TAG_NAME, "summary").click()
    assert "Combined two header rows" in warnings.text and "total/subtotal" in warnings.text
    select = dash_br.driver.find_element(By.ID, ids.TABLE_SELECT)
    select.find_element(By.CSS_SELECTOR, 'option[value="Budget FY26"]').click()
    dash_br.wait_for_contains_text(f"#{ids.GRID}", "Engineering", timeout=20)
    assert "1234.5" in dash_br.find_element(f"#{ids.GRID}").text
    screenshot("dataset-messy-workbook")
    assert [entry for entry in dash_br.get_logs() if entry["level"] == "SEVERE"] == []


def test_grid_pages_through_a_million_rows(dash_br, make_user, browser_sign_in, screenshot, tmp_path):
    rows = 1_000_000
    make_user("alice")
    browser_sign_in("alice")
    upload_through_page(dash_br, write_sensor_csv(tmp_path / "big.csv", rows=rows))
    wait_until_ready(dash_br, "big.csv", timeout=180).click()
    dash_br.wait_for_contains_text(f"#{ids.GRID}", "2026-01-01 00:00:00", timeout=30)
    far = rows - 10
    dash_br.driver.execute_script(
        f"dash_ag_grid.getApi('{ids.GRID}').ensureIndexVisible({far}, 'top')")
    expected = (pd.Timestamp("2026-01-01") + pd.Timedelta(minutes=far)).strftime("%Y-%m-%d %H:%M:%S")
    dash_br.wait_for_contains_text(f"#{ids.GRID}", expected, timeout=30)
    screenshot("dataset-far-page")


def test_a_workbook_with_hidden_sheets_and_european_numbers(dash_br, make_user, browser_sign_in, screenshot, tmp_path):
    from tests.awkward_files import european_numbers, hidden_sheets

    make_user("alice")
    browser_sign_in("alice")
    hidden_sheets(tmp_path / "plant book.xlsx")
    upload_through_page(dash_br, tmp_path / "plant book.xlsx")
    wait_until_ready(dash_br, "plant book.xlsx").click()
    select = dash_br.wait_for_element(f"#{ids.TABLE_SELECT}", timeout=20)
    options = [option.text for option in select.find_elements(By.TAG_NAME, "option") if option.text]
    assert options == ["Summary (3 rows)", "Lookup (1 row, very hidden sheet)", "Data (30 rows, hidden sheet)"]
    select.find_element(By.CSS_SELECTOR, 'option[value="Data"]').click()
    dash_br.wait_for_contains_text(f"#{ids.GRID}", "U3", timeout=20)
    screenshot("dataset-hidden-sheets")

    dash_br.driver.find_element(By.LINK_TEXT, "Datasets").click()
    european_numbers(tmp_path / "kosten.csv")
    upload_through_page(dash_br, tmp_path / "kosten.csv")
    dash_br.wait_for_contains_text(f"#{ids.UPLOAD_MESSAGE}", "Uploaded kosten.csv", timeout=30)
    dash_br.wait_for_text_to_equal(f'#{ids.DATASET_LIST} tr:first-child td:nth-child(2)', "ready", timeout=120)
    dash_br.driver.find_element(By.LINK_TEXT, "kosten.csv").click()
    warnings = dash_br.wait_for_element(f"#{ids.PARSE_WARNINGS}", timeout=20)
    warnings.find_element(By.TAG_NAME, "summary").click()
    assert '"1.234,56 €" read as 1,234.56, with a decimal comma and thousands dots' in warnings.text
    dash_br.wait_for_contains_text(f"#{ids.GRID}", "1234.56", timeout=20)
    screenshot("dataset-european-numbers")
    assert [entry for entry in dash_br.get_logs() if entry["level"] == "SEVERE"] == []
