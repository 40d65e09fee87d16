"""Warnings out in a real headless Chromium: a duty officer drafts an alert from a hazard zone
in three languages, an admin approves and publishes it, the wall shows its banner in Russian
and the public feed carries it."""

from __future__ import annotations

import re
import shutil
import urllib.request

import pytest
from selenium.webdriver.common.keys import Keys

from eoc.store import GeoPackageStore
from eoc.web import create_app
from tests.browser.support import ARTEFACTS, sign_in, wait_for
from tests.conftest import settings_for

pytestmark = pytest.mark.browser
ZONE = "hazard_zones/TJ-HZ-013"  # Rasht valley landslide zone - Gharm


def click(driver, element_id: str) -> None:
    element = driver.find_element("id", element_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    wait_for(element.is_displayed, what=f"#{element_id} to show")
    element.click()


def text_of(driver, element_id: str) -> str:
    return driver.execute_script(
        "const e = document.getElementById(arguments[0]); return e ? e.textContent : '';",
        element_id,
    )


def type_into(driver, element_id: str, text: str) -> None:
    element = driver.find_element("id", element_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.send_keys(Keys.CONTROL, "a")  # clear() does not reach React's state
    element.send_keys(text)


def test_draft_approve_publish_then_the_wall_banner(dash_duo, staff_store, tmp_path):
    store = GeoPackageStore(tmp_path / "browser-alerts.gpkg")
    shutil.copyfile(staff_store.path, store.path)
    dash_duo.start_server(create_app(store, settings_for(store)), navigate=False)
    driver, url = dash_duo.driver, dash_duo.server.url

    sign_in(dash_duo, "duty_officer", then="/")
    wait_for(lambda: not driver.current_url.rstrip("/").endswith("/login"), what="sign-in")
    dash_duo.wait_for_page(f"{url}/alerts?source={ZONE}")
    wait_for(lambda: "TJ-HZ-013" in text_of(driver, "alert-source"), what="the zone chosen")
    click(driver, "alert-fill")
    wait_for(
        lambda: driver.find_element("id", "alert-text-ru-instruction").get_attribute("value"),
        what="the library's Russian instruction",
    )
    type_into(driver, "alert-text-en-headline", "Landslide danger in the Rasht valley near Gharm")
    type_into(driver, "alert-text-ru-headline", "Угроза оползня в Раштской долине у Гарма")
    click(driver, "alert-save-draft")
    saved = wait_for(
        lambda: driver.find_elements("css selector", "#alert-message .message-ok"),
        timeout=30,
        what="the draft to be saved",
    )[0].text
    alert_id = re.search(r"TJ-CoES-EOC\.\S+", saved).group().rstrip(":")

    driver.delete_all_cookies()  # a second person, in the same browser
    sign_in(dash_duo, "admin", then="/")
    wait_for(lambda: not driver.current_url.rstrip("/").endswith("/login"), what="sign-in")
    dash_duo.wait_for_page(f"{url}/alerts?alert={alert_id}")
    wait_for(lambda: alert_id in text_of(driver, "alert-list"), timeout=30, what="the draft")
    click(driver, "alert-approve")
    wait_for(lambda: "approved" in text_of(driver, "alert-review-message"), timeout=30,
             what="the approval")  # fmt: skip
    click(driver, "alert-publish")
    wait_for(lambda: "published" in text_of(driver, "alert-review-message"), timeout=30,
             what="the publication")  # fmt: skip
    driver.save_screenshot(str(ARTEFACTS / "alerts-published.png"))

    dash_duo.wait_for_page(f"{url}/wall?lang=ru")
    banner = wait_for(
        lambda: [
            b for b in driver.find_elements("css selector", ".banner-alert-item")
            if "Раштской долине" in b.text
        ],
        timeout=40,
        what="the alert banner on the wall",
    )[0]  # fmt: skip
    assert banner.text.endswith("Угроза оползня в Раштской долине у Гарма")
    driver.save_screenshot(str(ARTEFACTS / "wall-alert-banner.png"))
    with urllib.request.urlopen(f"{url}/cap/feed.xml") as response:  # anonymous
        assert alert_id.encode() in response.read()
