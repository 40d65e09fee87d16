"""Saving an incident in a real Chromium: the message shows where the officer is looking."""

from __future__ import annotations

import shutil

import pytest

from eoc.store import GeoPackageStore
from eoc.web import create_app
from tests.browser.support import ARTEFACTS, sign_in, wait_for
from tests.conftest import settings_for

pytestmark = pytest.mark.browser

IN_VIEW_JS = """
const el = document.getElementById(arguments[0]);
if (!el || !el.innerText.trim()) { return null; }
const r = el.getBoundingClientRect();
const side = el.closest('.ops-side').getBoundingClientRect();
return {text: el.innerText, inView: r.top >= side.top && r.bottom <= side.bottom
        && r.bottom <= window.innerHeight && r.height > 0};
"""


def choose(driver, dropdown_id: str, label: str) -> None:
    driver.find_element("css selector", f"#{dropdown_id}").click()
    option = wait_for(
        lambda: [
            o
            for o in driver.find_elements("xpath", f"//*[normalize-space(text())='{label}']")
            if o.is_displayed()
        ],
        what=f"the option {label}",
    )
    option[-1].click()


def test_the_saved_message_is_in_view_next_to_the_button(dash_duo, staff_store, tmp_path):
    store = GeoPackageStore(tmp_path / "form.gpkg")
    shutil.copyfile(staff_store.path, store.path)
    dash_duo.start_server(create_app(store, settings_for(store)), navigate=False)
    driver = dash_duo.driver
    driver.set_window_size(1366, 768)
    sign_in(dash_duo, "duty_officer")
    dash_duo.wait_for_page(dash_duo.server.url + "/")
    dash_duo.wait_for_element(".incident-form summary", timeout=30).click()
    choose(driver, "incident-type", "Mudflow")
    choose(driver, "incident-severity", "High")
    driver.find_element("id", "incident-description").send_keys("Mudflow at Vanj (browser)")
    driver.find_element("id", "incident-lat").send_keys("38.37")
    driver.find_element("id", "incident-lon").send_keys("71.45")
    driver.find_element("id", "incident-reason").send_keys("call from Vanj")
    save = driver.find_element("id", "incident-save")
    driver.execute_script("arguments[0].scrollIntoView({block: 'end'});", save)
    save.click()
    shown = wait_for(
        lambda: driver.execute_script(IN_VIEW_JS, "incident-message"), what="the message"
    )
    driver.save_screenshot(str(ARTEFACTS / "incident-saved.png"))
    assert "saved" in shown["text"], shown
    assert shown["inView"], "the message is out of view"
    assert driver.find_element("id", "incident-message").get_attribute("role") == "status"
    # The form is cleared for the next incident.
    wait_for(
        lambda: driver.find_element("id", "incident-description").get_attribute("value") == "",
        what="the form to clear",
    )
