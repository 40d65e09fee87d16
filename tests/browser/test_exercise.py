"""An app on an exercise sandbox, in headless Chromium: EXERCISE on /, /wall and /public; the
controller page steps the scenario and adds an inject live."""

from __future__ import annotations

import pytest

from eoc.exercise import player
from eoc.exercise.sandbox import start_exercise
from eoc.exercise.scenario import read_scenario_file
from eoc.store import GeoPackageStore
from eoc.web import create_app
from tests.browser.support import ARTEFACTS, sign_in, wait_for
from tests.conftest import settings_for
from tests.exercise.conftest import START, STARTER

pytestmark = pytest.mark.browser

BANNER_JS = """
const e = document.querySelector(arguments[0]);
if (!e) { return null; }
const r = e.getBoundingClientRect(), s = getComputedStyle(e);
return {text: e.innerText, top: r.top, height: r.height, width: r.width,
        visible: s.visibility !== 'hidden' && s.display !== 'none' && r.height > 0};
"""
# What is drawn on top at the banner's centre: the banner itself, not a page over it.
ON_TOP_JS = """
const e = document.querySelector(arguments[0]);
const r = e.getBoundingClientRect();
const hit = document.elementFromPoint(r.left + Math.min(r.width / 2, 60), r.top + r.height / 2);
return !!hit && e.contains(hit);
"""


@pytest.fixture
def sandbox(staff_store, tmp_path):
    store = GeoPackageStore(tmp_path / "sandbox.gpkg")
    start_exercise(staff_store, store, read_scenario_file(STARTER), by="admin1", now=START)
    player.apply_next(store, by="admin1", now=START)  # the USGS event
    player.apply_next(store, by="admin1", now=START)  # the Khorog hospital's message
    player.pause(store, by="admin1", now=START)  # at T+0:05, whatever the date today
    return store


def banner(driver, selector: str, *, min_width_px: float = 300) -> dict:
    found = wait_for(lambda: driver.execute_script(BANNER_JS, selector), what=selector)
    assert found["visible"] and found["width"] > min_width_px, found
    assert driver.execute_script(ON_TOP_JS, selector), f"{selector} is covered"
    return found


def test_every_page_of_an_app_on_a_sandbox_shows_exercise(dash_duo, sandbox):
    dash_duo.start_server(create_app(sandbox, settings_for(sandbox)), navigate=False)
    driver = dash_duo.driver
    url = dash_duo.server.url

    driver.get(url + "/public")  # anonymous
    shown = banner(driver, "#exercise-banner")
    assert "EXERCISE" in shown["text"] and "training exercise" in shown["text"]
    assert "Khorog" not in shown["text"]  # the players' messages are not for the public
    assert shown["top"] <= 1
    dash_duo.wait_for_element("#public-map", timeout=30)

    sign_in(dash_duo, "admin", then="/")
    wait_for(lambda: driver.current_url.rstrip("/") == url, what="the sign-in to finish")
    dash_duo.wait_for_element("#ops-map", timeout=30)
    shown = banner(driver, "#exercise-banner")
    assert "EXERCISE" in shown["text"] and "GBAO earthquake" in shown["text"]
    assert "Khorog hospital reports 40 injured" in shown["text"]
    driver.save_screenshot(str(ARTEFACTS / "exercise-operations.png"))

    dash_duo.wait_for_page(url + "/wall")
    dash_duo.wait_for_element("#wall-kpis .kpi-tile", timeout=30)
    shown = banner(driver, ".wall-exercise-word", min_width_px=100)
    assert shown["text"] == "EXERCISE"
    frame = driver.execute_script(
        "return getComputedStyle(document.querySelector('.wall-page')).boxShadow"
    )
    assert "inset" in frame  # the red frame round the whole wall
    driver.save_screenshot(str(ARTEFACTS / "exercise-wall.png"))

    dash_duo.wait_for_page(url + "/exercise")
    dash_duo.wait_for_element("#exercise-timeline table", timeout=30)
    assert "I02" in driver.find_element("css selector", "#exercise-timeline").text
    dash_duo.find_element("#exercise-next").click()
    dash_duo.wait_for_contains_text("#exercise-message", "I03", timeout=20)

    # An inject added live: a message to the players, for now; on the timeline at once.
    dash_duo.find_element(".inject-form summary").click()
    dash_duo.find_element("#exercise-add-text").send_keys("The Rushon bridge is cracked")
    dash_duo.find_element("#exercise-add").click()
    dash_duo.wait_for_contains_text("#exercise-add-message", "L1", timeout=20)
    dash_duo.wait_for_contains_text("#exercise-timeline", "added live by admin1", timeout=20)
    assert "The Rushon bridge is cracked" in dash_duo.find_element("#exercise-timeline").text
    driver.save_screenshot(str(ARTEFACTS / "exercise-controller.png"))
