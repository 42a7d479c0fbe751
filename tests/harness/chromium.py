"""Steps the browser tests share, driven in Chromium through dash[testing]'s `dash_br`."""
from selenium.webdriver.common.by import By

from insight_dash.components import ids


def upload_through_page(dash_br, path):
    dash_br.wait_for_element(f"#{ids.UPLOAD_FILE}", timeout=20)
    dash_br.driver.find_element(By.ID, ids.UPLOAD_FILE).send_keys(str(path))


def wait_until_ready(dash_br, name, timeout=120):
    dash_br.wait_for_element_by_css_selector(f'#{ids.DATASET_LIST} tr[data-status="ready"] a', timeout=timeout)
    link = dash_br.driver.find_element(By.LINK_TEXT, name)
    return link
