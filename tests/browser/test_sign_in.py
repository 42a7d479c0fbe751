"""A person signs in, sees their (empty) dataset list, and signs out."""
import pytest
from selenium.webdriver.common.by import By

from insight_dash.components import ids

pytestmark = pytest.mark.browser


def test_sign_in_shows_my_empty_dataset_list(dash_br, live_url, make_user, browser_sign_in, screenshot):
    make_user("alice")
    dash_br.driver.get(live_url + "/")
    assert "/login" in dash_br.driver.current_url
    screenshot("login")

    browser_sign_in("alice")
    dash_br.wait_for_text_to_equal(f"#{ids.NAVBAR_USER}", "alice", timeout=20)
    empty = dash_br.wait_for_element(f"#{ids.DATASET_EMPTY}", timeout=20)
    assert "No datasets yet" in empty.text
    screenshot("home-empty")
    assert [entry for entry in dash_br.get_logs() if entry["level"] == "SEVERE"] == []

    dash_br.driver.find_element(By.ID, ids.LOGOUT_BUTTON).click()
    dash_br.wait_for_element("#login-submit", timeout=20)
    dash_br.driver.get(live_url + "/")
    assert "/login" in dash_br.driver.current_url


def test_wrong_password_stays_on_the_sign_in_page(dash_br, live_url, make_user):
    make_user("alice")
    dash_br.driver.get(live_url + "/login")
    dash_br.driver.find_element(By.NAME, "username").send_keys("alice")
    dash_br.driver.find_element(By.NAME, "password").send_keys("not-the-password")
    dash_br.driver.find_element(By.ID, "login-submit").click()
    assert dash_br.wait_for_element("#login-error").text == "Invalid username or password."
