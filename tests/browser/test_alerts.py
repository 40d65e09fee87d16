"""Warnings out in a real headless Chromium: a duty officer drafts an alert from a hazard zone
in three languages, a second duty officer approves and publishes it; the operations map shows
its banner and draws its area, the wall shows its banner in Russian, the public map draws its
area and the public feed carries it."""

from __future__ import annotations

import re
import shutil
import urllib.request

import pytest
from selenium.webdriver.common.keys import Keys

from eoc.auth import create_user
from eoc.store import GeoPackageStore
from eoc.web import create_app
from tests.browser.support import ARTEFACTS, MAP_LOADED_JS, sign_in, wait_for
from tests.conftest import SEED_TIME, STAFF_PASSWORD, settings_for

pytestmark = pytest.mark.browser
ZONE = "hazard_zones/TJ-HZ-013"  # Rasht valley landslide zone - Gharm
SECOND_OFFICER = "duty2"  # a second duty officer, besides STAFF's duty1
HEADLINES = {
    "en": "Landslide danger in the Rasht valley near Gharm",
    "ru": "Угроза оползня в Раштской долине у Гарма",
    "tg": "Хатари ярч дар водии Рашт назди Ғарм",
}
# The alert areas a map draws: [[alert id, hover headline], …] of every alert trace.
ALERT_AREAS_JS = """
const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');
if (!gd || !gd.data) { return []; }
return gd.data.filter(t => t.meta && t.meta.layer === 'cap_alerts' && t.visible !== false)
  .flatMap(t => (t.locations || []).map((id, i) => [id, t.customdata[i][0]]));
"""


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


def areas_on(driver, graph: str) -> list:
    return driver.execute_script(ALERT_AREAS_JS, graph)


def test_draft_approve_publish_then_the_wall_banner(dash_duo, staff_store, tmp_path):
    store = GeoPackageStore(tmp_path / "browser-alerts.gpkg")
    shutil.copyfile(staff_store.path, store.path)
    create_user(store, SECOND_OFFICER, role="duty_officer", password=STAFF_PASSWORD,
                now=SEED_TIME)  # fmt: skip
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
    for lang, headline in HEADLINES.items():
        type_into(driver, f"alert-text-{lang}-headline", headline)
    click(driver, "alert-save-draft")
    saved = wait_for(
        lambda: driver.find_elements("css selector", "#alert-message .message-ok"),
        timeout=30,
        what="the draft to be saved",
    )[0].text
    alert_id = re.search(r"TJ-CoES-EOC\.\S+", saved).group().rstrip(":")

    driver.delete_all_cookies()  # a second person, in the same browser
    sign_in(dash_duo, "duty_officer", then="/", username=SECOND_OFFICER)
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

    # The operations map: the banner names it (linked to /alerts for a duty officer) and the
    # map draws its area, with the headline as the hover text.
    dash_duo.wait_for_page(f"{url}/")
    wait_for(lambda: HEADLINES["en"] in text_of(driver, "ops-alerts"), timeout=40,
             what="the alert banner over the operations map")  # fmt: skip
    assert driver.find_elements("css selector", "#ops-alerts a[href='/alerts']")
    wait_for(lambda: [alert_id, HEADLINES["en"]] in areas_on(driver, "#ops-map"), timeout=40,
             what="the alert's area on the operations map")  # fmt: skip
    wait_for(lambda: driver.execute_script(MAP_LOADED_JS), what="the MapLibre map to load")
    driver.save_screenshot(str(ARTEFACTS / "operations-alert-area.png"))

    dash_duo.wait_for_page(f"{url}/wall?lang=ru")
    banner = wait_for(
        lambda: [
            text for text in driver.execute_script(
                "return [...document.querySelectorAll('.banner-alert-item')].map(b => b.innerText);"
            )
            if "Раштской долине" in text
        ],
        timeout=40,
        what="the alert banner on the wall",
    )[0]  # fmt: skip
    assert banner.endswith(HEADLINES["ru"])
    driver.save_screenshot(str(ARTEFACTS / "wall-alert-banner.png"))
    with urllib.request.urlopen(f"{url}/cap/feed.xml") as response:  # anonymous
        assert alert_id.encode() in response.read()

    driver.delete_all_cookies()  # the public: a Public alert's area on the donor map
    dash_duo.wait_for_page(f"{url}/public?lang=tg")
    wait_for(lambda: [alert_id, HEADLINES["tg"]] in areas_on(driver, "#public-map"), timeout=40,
             what="the alert's area on the public map")  # fmt: skip
    assert "Барсем" not in driver.page_source  # the seed's Restricted alert never shows
