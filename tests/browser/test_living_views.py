"""A living view end to end in Chromium: two charts pinned from a plant CSV into a view shared with
bob; a new version with a renamed column and more rows; its drift report, confirmed; "Refresh all"
re-runs both charts: one refreshed, one stale with its reason; bob sees the same, without the
controls. Screenshots land in test-artifacts/screenshots/ (living-*.png). And the refresh job
itself, posted over HTTP by a reader and by a stranger, refuses them."""
import json

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from insight_dash.components import ids
from tests.browser.test_workspace import choose_in_dropdown
from tests.harness.chromium import upload_through_page, wait_until_ready
from tests.harness.files import write_sensor_csv

pytestmark = pytest.mark.browser
QUESTIONS = ("Plot the average temperature by unit", "Plot the average pressure by unit")


def ask_and_pin(dash_br, question: str, answered: int) -> None:
    box = dash_br.wait_for_element(f"#{ids.QUESTION_INPUT}", timeout=20)
    box.send_keys(question)
    dash_br.find_element(f"#{ids.ASK_BUTTON}").click()
    WebDriverWait(dash_br.driver, 60).until(
        lambda _: len(dash_br.find_elements('.answer-card[data-kind="figure"]')) == answered)
    newest = dash_br.find_elements('.answer-card[data-kind="figure"]')[0]
    newest.find_element(By.XPATH, ".//button[text()='Pin']").click()
    WebDriverWait(dash_br.driver, 20).until(lambda _: len(dash_br.find_elements(f"#{ids.GALLERY} .gallery-item"))
                                            == answered)


def cards(dash_br) -> dict[str, str]:
    """Each view card's text by its title."""
    return {card.find_element(By.CSS_SELECTOR, ".card-header").text.split("\n")[0]: card.text
            for card in dash_br.find_elements(".pin-card")}


def test_a_view_follows_a_new_version_of_its_data(dash_br, app, make_user, browser_sign_in, screenshot, live_url,
                                                  tmp_path):
    for name in ("alice", "bob"):
        make_user(name)
    browser_sign_in("alice")
    upload_through_page(dash_br, write_sensor_csv(tmp_path / "plant.csv", rows=500))
    wait_until_ready(dash_br, "plant.csv").click()
    for answered, question in enumerate(QUESTIONS, start=1):
        ask_and_pin(dash_br, question, answered)
    dataset_url = dash_br.driver.current_url

    dash_br.driver.get(f"{live_url}/views")
    dash_br.wait_for_element(f"#{ids.VIEW_NAME_INPUT}", timeout=20).send_keys("Plant weekly")
    dash_br.find_element(f"#{ids.CREATE_VIEW}").click()
    for added in (1, 2):
        dash_br.wait_for_element(f"#{ids.ADD_FIGURE_SELECT} option[value]", timeout=20)
        dash_br.find_element(f"#{ids.ADD_FIGURE_SELECT}").find_elements(By.CSS_SELECTOR, "option[value]")[-1].click()
        dash_br.find_element(f"#{ids.ADD_FIGURE}").click()
        WebDriverWait(dash_br.driver, 20).until(lambda _: len(dash_br.find_elements(".pin-card")) == added)
    choose_in_dropdown(dash_br, ids.SHARE_USERS, "bob")
    dash_br.find_element(f"#{ids.SAVE_SHARING}").click()
    dash_br.wait_for_text_to_equal(f"#{ids.SHARING_STATUS}", "Saved: bob", timeout=20)
    view_url = dash_br.driver.current_url
    assert all("As of version 1" in text for text in cards(dash_br).values())

    # A new version: temperature_c is now temp_c, and there are more rows.
    dash_br.driver.get(dataset_url)
    dash_br.wait_for_element(f"#{ids.NEW_VERSION_BUTTON}", timeout=20).click()
    dash_br.wait_for_element(f"#{ids.VERSION_UPLOAD_FILE}", timeout=20).send_keys(
        str(write_sensor_csv(tmp_path / "plant week 2.csv", rows=800, seed=9, renamed={"temperature_c": "temp_c"})))
    dash_br.wait_for_contains_text(f"#{ids.VERSION_REVIEW}", "Version 2 is ready for review", timeout=60)
    report = dash_br.find_element(f"#{ids.VERSION_REVIEW}").text
    assert "temperature_c → temp_c" in report and "500 → 800 (+60.0%)" in report
    assert "uses temperature_c (now temp_c?), missing in this version" in report
    assert "still uses only columns that exist" in report
    assert dash_br.find_element(".version-badge").text == "version 1"  # nothing replaced yet
    screenshot("living-drift-report")
    dash_br.find_element(f"#{ids.CONFIRM_VERSION}").click()
    dash_br.wait_for_text_to_equal(".version-badge", "version 2", timeout=20)
    dash_br.wait_for_contains_text(f"#{ids.GRID_AREA} .ag-header", "temp_c", timeout=20)
    dash_br.find_element(f"#{ids.PREVIEW_VERSION}").find_element(By.CSS_SELECTOR, "option[value='1']").click()
    dash_br.wait_for_contains_text(f"#{ids.GRID_AREA} .ag-header", "temperature_c", timeout=20)  # the older one
    screenshot("living-preview-older")

    # Refresh all: the pressure chart is redrawn from version 2, the temperature chart is stale.
    dash_br.driver.get(view_url)
    dash_br.wait_for_element(f"#{ids.REFRESH_VIEW}", timeout=20).click()
    dash_br.wait_for_contains_text(f"#{ids.REFRESH_STATUS}", "Refreshed 1 of 2; 1 stale", timeout=120)
    shown = cards(dash_br)
    [stale] = [text for text in shown.values() if "Stale:" in text]
    [fresh] = [text for text in shown.values() if "Stale:" not in text]
    assert "Version 2 has no temperature_c (now temp_c?)" in stale and "As of version 1" in stale
    assert "As of version 2" in fresh and "Before (version 1)" in fresh
    assert len(dash_br.driver.find_elements(By.XPATH, ".//button[text()='Ask again']")) == 1
    screenshot("living-view-refreshed")
    [refreshed_card] = [card for card in dash_br.find_elements(".pin-card") if "Before (version 1)" in card.text]
    refreshed_card.find_element(By.XPATH, ".//label[text()='Before (version 1)']").click()
    WebDriverWait(dash_br.driver, 10).until(lambda _: "As of version 1" in refreshed_card.text)
    screenshot("living-view-previous")

    browser_sign_in("bob", next_path=view_url.removeprefix(live_url))
    dash_br.wait_for_element(".pin-card .js-plotly-plot", timeout=20)
    assert cards(dash_br).keys() == shown.keys()
    for title, text in cards(dash_br).items():
        assert ("Stale:" in text) == ("Stale:" in shown[title])
        assert ("As of version 2" in text) == ("As of version 2" in shown[title])
    controls = ".//button[text()='Ask again' or text()='Refresh' or text()='Remove' or text()='Refresh all']"
    assert not dash_br.driver.find_elements(By.XPATH, controls)
    screenshot("living-view-shared")
    assert [entry for entry in dash_br.get_logs() if entry["level"] == "SEVERE"] == []


def test_the_refresh_job_refuses_a_view_its_caller_does_not_own(app, make_user, live_url, tmp_path):
    """The background refresh, posted as any signed-in browser could, by a reader of the view and
    by a stranger: both get "not found" and nothing is re-run."""
    from insight_dash.extensions import db
    from insight_dash.models import PinnedFigure
    from insight_dash.services import gallery, views
    from insight_dash.services.conversations import create_session
    from insight_dash.services.ingest import receive_upload
    from insight_dash.jobs.threads import wait_for_jobs
    from insight_dash.services.questions import ask
    from tests.harness.clients import TEST_PASSWORD, SignedInClient

    alice, _, _ = (make_user(name) for name in ("alice", "bob", "carol"))
    with app.app_context():
        dataset = receive_upload(alice, "plant.csv", write_sensor_csv(tmp_path / "plant.csv", rows=200))
        wait_for_jobs(timeout=60)
        entry = ask(alice, create_session(alice, dataset.id).id, QUESTIONS[1])
        pin = gallery.pin_answer(alice, entry.id)
        view = views.create_view(alice, "Plant weekly")
        views.add_figure(alice, view.id, pin.id)
        views.share_view(alice, view.id, ["bob"], everyone=False)
        view_id, computed_at = str(view.id), pin.computed_at
    for username in ("bob", "carol"):
        client = SignedInClient(live_url, username, TEST_PASSWORD)
        client.load_document(f"/views/{view_id}")
        result = client.background_callback([(ids.REFRESH_REQUEST, "data", {"kind": ids.REFRESH_VIEW})],
                                            [(ids.VIEW_ID, "data", view_id)], poll_interval=0.2, max_seconds=60)
        assert result.output(ids.REFRESH_STATUS, "children") == "That view was not found."
        assert "Plant" not in json.dumps(result.body)
    with app.app_context():
        assert db.session.get(PinnedFigure, pin.id).computed_at == computed_at
