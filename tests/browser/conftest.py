"""Browser fixtures: a signed-in Chromium (the app over real HTTP is tests/conftest.py's live_url)."""
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.harness.clients import TEST_PASSWORD
from selenium.webdriver.common.by import By

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def browser_sign_in(dash_br, live_url, app) -> Callable[[str], None]:
    """Sign in through the login form in Chromium and wait for the Dash app to render."""

    def sign(username: str, password: str = TEST_PASSWORD, next_path: str = "/") -> None:
        dash_br.driver.set_window_size(1366, 768)  # a common laptop screen
        dash_br.driver.delete_all_cookies()
        dash_br.driver.get(f"{live_url}/login?next={next_path}")
        dash_br.driver.find_element(By.NAME, "username").send_keys(username)
        dash_br.driver.find_element(By.NAME, "password").send_keys(password)
        dash_br.driver.find_element(By.ID, "login-submit").click()
        dash_br.wait_for_element("#react-entry-point", timeout=20)

    return sign


@pytest.fixture
def screenshot(dash_br) -> Callable[[str], Path]:
    """Save what the browser shows, for people to look at after the run."""

    def save(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        dash_br.driver.save_screenshot(str(path))
        return path

    return save
