"""The analyst's workspace end to end in Chromium: a suggested question gives a figure, it is
pinned, collected into a view and shared; the colleague sees it read-only and a third user
gets "not found". Screenshots of each state land in test-artifacts/screenshots/."""
import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from insight_dash.components import ids
from insight_dash.services import questions
from insight_dash.services.conversations import latest_session
from insight_dash.services.datasets import list_datasets
from insight_dash.services.users import find_user
from tests.harness.chromium import upload_through_page, wait_until_ready
from tests.harness.files import write_sensor_csv

pytestmark = pytest.mark.browser


def cancelled_question(app, username: str, question: str) -> None:
    """A question whose job was stopped: an error answer, as the page shows after Cancel."""
    with app.app_context():
        user = find_user(username)
        session = latest_session(user, list_datasets(user)[0].id)
        questions.cancel_question(user, questions.start_question(user, session.id, question).id)


def choose_in_dropdown(dash_br, dropdown_id: str, label: str) -> None:
    """Pick one option of a multi dcc.Dropdown and wait until it shows as chosen (typing into
    the menu before its lazily loaded search box has focus would lose the keys)."""
    dash_br.find_element(f"#{dropdown_id}").click()
    option = (By.XPATH, f"//*[contains(@class, 'dash-dropdown-option')][normalize-space()='{label}']")
    WebDriverWait(dash_br.driver, 20).until(expected_conditions.element_to_be_clickable(option)).click()
    dash_br.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    dash_br.wait_for_contains_text(f"#{dropdown_id}", label, timeout=10)


def test_pin_share_and_read_only_view(dash_br, app, make_user, browser_sign_in, screenshot, live_url, tmp_path):
    for name in ("alice", "bob", "carol"):
        make_user(name)
    browser_sign_in("alice")
    upload_through_page(dash_br, write_sensor_csv(tmp_path / "sensors.csv", rows=2000))
    link = wait_until_ready(dash_br, "sensors.csv")
    screenshot("home")
    link.click()

    # A suggested question gives a figure in the conversation area, beside the data and gallery.
    dash_br.wait_for_element(f"#{ids.SUGGESTIONS} button", timeout=20).click()
    figure_card = dash_br.wait_for_element('.answer-card[data-kind="figure"]', timeout=60)
    dash_br.wait_for_element('.answer-card .js-plotly-plot', timeout=20)
    for area in (ids.DATA_PANE, ids.CONVERSATION_PANE, ids.GALLERY_PANE):
        box = dash_br.find_element(f"#{area}").rect
        assert box["y"] + 200 < 768 and box["x"] + box["width"] <= 1366, area  # all three on a laptop screen
    figure_card.find_element(By.XPATH, ".//button[text()='Pin']").click()
    dash_br.wait_for_element(f"#{ids.GALLERY} .gallery-item .js-plotly-plot", timeout=20)
    dash_br.wait_for_text_to_equal('.answer-card[data-kind="figure"] .answer-actions button[disabled]', "Pinned")
    dash_br.driver.execute_script("document.getElementById(arguments[0]).scrollTop = 0", ids.CONVERSATION_PANE)
    screenshot("workspace-figure")

    # An error answer offers Retry; retrying answers it.
    cancelled_question(app, "alice", "How many readings are there?")
    dash_br.driver.refresh()
    error_card = dash_br.wait_for_element('.answer-card[data-status="error"]', timeout=20)
    assert "cancelled" in error_card.text.lower()
    screenshot("answer-error")
    error_card.find_element(By.XPATH, ".//button[text()='Retry']").click()
    dash_br.wait_for_text_to_equal(".answer-card .answer-number", "2,000", timeout=60)
    WebDriverWait(dash_br.driver, 20).until(lambda _: dash_br.find_element(f"#{ids.ANSWERS}").get_attribute("class")
                                            != "answers-busy")

    # "Ask a follow-up" keeps the earlier answer in view while the next question is typed.
    dash_br.find_elements(".answer-card")[0].find_element(By.XPATH, ".//button[text()='Ask a follow-up']").click()
    dash_br.wait_for_contains_text(f"#{ids.FOLLOW_UP_CHIP}", "How many readings are there?", timeout=10)
    assert dash_br.driver.switch_to.active_element.get_attribute("id") == ids.QUESTION_INPUT
    dash_br.driver.set_window_size(1920, 1080)  # and on a wide monitor
    WebDriverWait(dash_br.driver, 10).until(lambda _: dash_br.find_element(f"#{ids.GALLERY_PANE}").rect["x"] > 1500)
    screenshot("workspace-wide")

    # A view collects the pinned figure and is shared, read-only, with bob.
    dash_br.driver.get(f"{live_url}/views")
    dash_br.wait_for_element(f"#{ids.VIEW_NAME_INPUT}", timeout=20).send_keys("Unit review")
    dash_br.find_element(f"#{ids.CREATE_VIEW}").click()
    dash_br.wait_for_element(f"#{ids.ADD_FIGURE_SELECT}", timeout=20)
    view_url = dash_br.driver.current_url
    assert re.fullmatch(rf"{live_url}/views/[0-9a-f-]{{36}}", view_url)
    select = dash_br.find_element(f"#{ids.ADD_FIGURE_SELECT}")
    option = select.find_elements(By.TAG_NAME, "option")[-1]
    option.click()
    dash_br.find_element(f"#{ids.ADD_FIGURE}").click()
    dash_br.wait_for_element(f"#{ids.VIEW_FIGURES} .js-plotly-plot", timeout=20)
    choose_in_dropdown(dash_br, ids.SHARE_USERS, "bob")
    dash_br.find_element(f"#{ids.SAVE_SHARING}").click()
    dash_br.wait_for_text_to_equal(f"#{ids.SHARING_STATUS}", "Saved: bob", timeout=20)
    screenshot("view-owner")

    browser_sign_in("bob", next_path="/views")
    dash_br.wait_for_element(".view-table a", timeout=20).click()
    dash_br.wait_for_element(f"#{ids.VIEW_FIGURES} .js-plotly-plot", timeout=20)
    assert dash_br.find_element(".read-only-badge").text == "Read-only"
    assert "Asked: Trend of average temperature_c per hour" in dash_br.find_element(f"#{ids.VIEW_FIGURES}").text
    assert not dash_br.find_elements(".owner-tools") and not dash_br.find_elements(f"#{ids.ADD_FIGURE}")
    screenshot("view-shared")

    browser_sign_in("carol", next_path="/")
    dash_br.driver.get(view_url)
    dash_br.wait_for_element("#not-found", timeout=20)
    assert not dash_br.find_elements(".js-plotly-plot")
    assert [entry for entry in dash_br.get_logs() if entry["level"] == "SEVERE"] == []
