"""Ask questions in Chromium with nothing configured: the offline engine answers, end to end
(sandbox included), every answer says how it was computed and which engine answered, and a
question it cannot read is declined with questions it can answer instead."""
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from insight_dash.components import ids
from tests.harness.chromium import upload_through_page, wait_until_ready
from tests.harness.files import write_sensor_csv

pytestmark = pytest.mark.browser


@pytest.fixture
def sensors_workspace(dash_br, make_user, browser_sign_in, tmp_path):
    """open(rows): alice, signed in, on the workspace of a sensor CSV she just uploaded."""

    def open_workspace(rows: int) -> None:
        make_user("alice")
        browser_sign_in("alice")
        upload_through_page(dash_br, write_sensor_csv(tmp_path / "sensors.csv", rows=rows))
        wait_until_ready(dash_br, "sensors.csv").click()
        dash_br.wait_for_element(f"#{ids.QUESTION_INPUT}", timeout=20)

    return open_workspace


def ask(dash_br, question, press_enter=False):
    box = dash_br.find_element(f"#{ids.QUESTION_INPUT}")
    dash_br.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    box.clear()
    box.send_keys(question)
    if press_enter:
        box.send_keys(Keys.ENTER)  # Enter sends; Shift+Enter would add a line
    else:
        dash_br.find_element(f"#{ids.ASK_BUTTON}").click()


def test_questions_answered_by_the_offline_engine(dash_br, sensors_workspace, screenshot):
    sensors_workspace(1500)

    ask(dash_br, "Plot the average temperature by unit")
    dash_br.wait_for_element('.answer-card[data-kind="figure"] .js-plotly-plot', timeout=60)
    card = dash_br.find_element(".answer-card")
    assert "Answered by the offline engine" in card.text
    assert explanation(card) == ("How this was computed: Averaged temperature_c for each unit over rows of sensors, "
                                 "skipping empty values: 1,500 of 1,500 rows.")
    dash_br.driver.execute_script("arguments[0].scrollIntoView()", card)
    screenshot("answer-figure")

    ask(dash_br, "Top 2 units by total pressure")
    dash_br.wait_for_element('.answer-card[data-kind="table"] .ag-row', timeout=60)
    newest = dash_br.find_elements(".answer-card")[0]
    assert "Top 2 units by total pressure" in newest.text and "2 rows" in newest.text
    assert explanation(newest).startswith("How this was computed: Summed pressure_kpa for each unit of sensors and "
                                          "kept the 2 highest")
    newest.find_element(By.CSS_SELECTOR, ".answer-explanation summary").click()  # the facts behind it
    assert "Grouping\nunit" in newest.find_element(By.CSS_SELECTOR, ".answer-facts").text
    dash_br.driver.execute_script("arguments[0].scrollIntoView()", newest)
    screenshot("answer-table")
    newest.find_element(By.XPATH, ".//button[text()='Download CSV']").click()
    downloaded = Path(dash_br.download_path) / "Top-2-units-by-total-pressure.csv"
    WebDriverWait(dash_br.driver, 20).until(lambda _: downloaded.exists())
    assert downloaded.read_text().splitlines()[0] == "unit,Total pressure_kpa"

    ask(dash_br, "How many readings have a pressure above 300?", press_enter=True)
    dash_br.wait_for_element('.answer-card[data-kind="number"]', timeout=60)
    number = dash_br.find_elements(".answer-card")[0]
    assert explanation(number).startswith("How this was computed: Counted rows of sensors where pressure_kpa > 300: ")
    assert number.find_element(By.TAG_NAME, "summary").text == "Details"
    dash_br.driver.execute_script("arguments[0].scrollIntoView()", number)
    screenshot("answer-number")
    assert [entry for entry in dash_br.get_logs() if entry["level"] == "SEVERE"] == []


def explanation(card) -> str:
    return card.find_element(By.CSS_SELECTOR, ".answer-explanation > div").text


def test_a_question_waiting_its_turn_says_so_on_its_card(dash_br, sensors_workspace, one_job_place, screenshot):
    sensors_workspace(300)
    ask(dash_br, "How many readings are there?")
    dash_br.wait_for_text_to_equal(f"#{ids.WAITING_ID}", "Waiting: next in line.", timeout=20)
    card = dash_br.find_element(".answer-card")
    assert card.get_attribute("data-status") == "running" and "Waiting: next in line." in card.text
    screenshot("answer-waiting")
    one_job_place()  # the question ahead ends: this one's turn
    dash_br.wait_for_element('.answer-card[data-status="success"]', timeout=60)
    assert not dash_br.find_elements(f"#{ids.WAITING_ID}")
    assert dash_br.find_element(".answer-card .answer-number").text == "300"


def test_a_question_it_cannot_read_is_declined_with_questions_it_can(dash_br, sensors_workspace, screenshot):
    sensors_workspace(400)
    ask(dash_br, "Which unit runs hottest?")
    declined = dash_br.wait_for_element('.answer-card[data-kind="declined"] .rephrasing', timeout=60)
    card = dash_br.find_element(".answer-card")
    assert "did not understand “runs”" in card.text and "Ask a follow-up" not in card.text
    dash_br.driver.execute_script("arguments[0].scrollIntoView()", card)
    screenshot("answer-declined")
    offered = declined.text
    declined.click()  # the offered question goes into the box, to send as it is or edit
    WebDriverWait(dash_br.driver, 10).until(
        lambda _: dash_br.find_element(f"#{ids.QUESTION_INPUT}").get_attribute("value") == offered)
    dash_br.find_element(f"#{ids.ASK_BUTTON}").click()
    dash_br.wait_for_element('.answer-card:not([data-kind="declined"]) .answer-explanation', timeout=60)
    assert offered in dash_br.find_elements(".answer-card")[0].text


def test_a_suggested_question_is_answered(dash_br, sensors_workspace, screenshot):
    sensors_workspace(3000)
    suggestions = dash_br.wait_for_element(f"#{ids.SUGGESTIONS}", timeout=20)
    buttons = suggestions.find_elements(By.TAG_NAME, "button")
    assert 4 <= len(buttons) <= 6
    assert buttons[0].text == "Trend of average temperature_c per hour"
    dash_br.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", buttons[0])
    screenshot("suggestions")
    buttons[0].click()
    dash_br.wait_for_element('.answer-card[data-kind="figure"] .js-plotly-plot', timeout=60)
    assert "Trend of average temperature_c per hour" in dash_br.find_element(".answer-card").text
    assert not dash_br.find_elements(f"#{ids.SUGGESTIONS} button")  # gone once the conversation starts


def test_conversations_can_be_started_renamed_switched_and_deleted(dash_br, sensors_workspace, screenshot):
    from selenium.webdriver.support.ui import Select

    sensors_workspace(500)
    ask(dash_br, "How many readings are there?")
    dash_br.wait_for_text_to_equal(".answer-card .answer-number", "500", timeout=60)
    first = Select(dash_br.find_element(f"#{ids.SESSION_SELECT}"))
    assert first.first_selected_option.text.startswith("How many readings are there?")

    dash_br.find_element(f"#{ids.NEW_SESSION}").click()
    dash_br.wait_for_element(f"#{ids.SUGGESTIONS} button", timeout=20)
    assert not dash_br.find_elements(".answer-card")
    rename = dash_br.find_element(f"#{ids.RENAME_INPUT}")
    rename.send_keys("Pressure checks")
    dash_br.find_element(f"#{ids.RENAME_BUTTON}").click()
    dash_br.wait_for_contains_text(f"#{ids.SESSION_SELECT}", "Pressure checks", timeout=20)

    chooser = Select(dash_br.find_element(f"#{ids.SESSION_SELECT}"))
    chooser.select_by_visible_text(next(o.text for o in chooser.options if o.text.startswith("How many")))
    dash_br.wait_for_text_to_equal(".answer-card .answer-number", "500", timeout=20)
    dash_br.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                                  dash_br.find_element(f"#{ids.QUESTION_INPUT}"))
    screenshot("conversation")

    dash_br.find_element(f"#{ids.DELETE_SESSION}").click()
    WebDriverWait(dash_br.driver, 10).until(expected_conditions.alert_is_present()).accept()
    dash_br.wait_for_element(f"#{ids.SUGGESTIONS} button", timeout=20)  # back in "Pressure checks", still empty
    remaining = [o.text for o in Select(dash_br.find_element(f"#{ids.SESSION_SELECT}")).options if o.text]
    assert len(remaining) == 1 and remaining[0].startswith("Pressure checks")
