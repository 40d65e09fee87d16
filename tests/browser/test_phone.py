"""The public map on a phone (390×844 CSS px): the legend is there and off the map, the charts'
titles are not under a toolbar, nothing runs off the screen. Element boxes, not pixels."""

from __future__ import annotations

import pytest

from eoc.web import create_app
from eoc.web.components.view import COUNTRY_BOUNDS
from tests.browser.support import ARTEFACTS, wait_for
from tests.browser.test_public_map import MAP_LOADED_JS
from tests.browser.test_wall import overlaps, set_viewport
from tests.conftest import settings_for

pytestmark = pytest.mark.browser

PHONE = (390, 844)
BOXES_JS = """
const box = e => { if (!e) return null; const r = e.getBoundingClientRect();
  return [r.left + scrollX, r.top + scrollY, r.right + scrollX, r.bottom + scrollY]; };
const legend = document.querySelector('#public-legend');
return {
  map: box(document.querySelector('#public-map')),
  legend: box(legend),
  legendRows: legend ? legend.querySelectorAll('.legend-row').length : 0,
  plotlyLegends: document.querySelectorAll('#public-map .legend').length,
  titles: [...document.querySelectorAll('.public-chart .gtitle')].map(box),
  toolbars: [...document.querySelectorAll('.public-chart .modebar')].map(box),
  width: document.documentElement.scrollWidth,
  inner: innerWidth,
  wide: [...document.querySelectorAll('.public-page *')]
    .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.js-plotly-plot'))
    .map(e => e.className || e.tagName).slice(0, 5),
};
"""


SHOWN_BOUNDS_JS = """
const gd = document.querySelector('#public-map .js-plotly-plot');
const map = gd && gd.eocFitted && gd._fullLayout.map._subplot.map;
if (!map || map.isMoving()) { return null; }
const b = map.getBounds();
return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
"""


def country_in_view(driver) -> list[float] | None:
    """The map's shown bounds once fitted, if the whole country is inside them."""
    west, south, east, north = COUNTRY_BOUNDS
    shown = driver.execute_script(SHOWN_BOUNDS_JS)
    fits = shown and shown[0] <= west and shown[1] <= south and shown[2] >= east
    return shown if fits and shown[3] >= north else None


def open_public(dash_duo, store, screen: tuple[int, int], lang: str):
    """/public in `lang` on a screen of `screen` CSS px, once its map has loaded."""
    dash_duo.start_server(create_app(store, settings_for(store)), navigate=False)
    driver = dash_duo.driver
    set_viewport(driver, *screen)
    driver.get(f"{dash_duo.server.url}/public?lang={lang}")
    dash_duo.wait_for_element("#public-map .maplibregl-canvas", timeout=30)
    wait_for(lambda: driver.execute_script(MAP_LOADED_JS), timeout=60, what="the map to load")
    return driver


def test_the_public_map_on_a_phone_keeps_its_legend_off_the_map(dash_duo, seed_store):
    driver = open_public(dash_duo, seed_store, PHONE, "ru")
    wait_for(
        lambda: len(driver.find_elements("css selector", ".public-chart .gtitle")) == 3,
        what="the chart titles",
    )
    assert driver.execute_script("return [innerWidth, innerHeight]") == list(PHONE)
    boxes = driver.execute_script(BOXES_JS)
    assert boxes["legend"], "the public map has no legend"
    assert boxes["legendRows"] >= 10, "legend entries are missing"
    assert boxes["plotlyLegends"] == 0, "Plotly's own legend is drawn on the map"
    assert not overlaps(boxes["legend"], boxes["map"]), "the legend covers the map"
    map_box = boxes["map"]
    assert map_box[3] - map_box[1] >= 0.5 * PHONE[1], "the map is too small on a phone"
    for title in boxes["titles"]:
        for bar in boxes["toolbars"]:
            assert not overlaps(title, bar), "a chart toolbar covers its title"
    assert boxes["width"] <= boxes["inner"], f"the page scrolls sideways: {boxes['wide']}"
    assert boxes["wide"] == [], f"elements run off the screen: {boxes['wide']}"
    assert "Места размещения" in driver.find_element("css selector", "#public-legend").text
    # The whole country in view on the phone's narrow map (the view was fitted for 900 px).
    wait_for(lambda: country_in_view(driver), timeout=15, what="the whole country in view")
    # The map and its legend on one screen, as a donor scrolls to them.
    driver.execute_script("document.querySelector('#public-legend').scrollIntoView({block: 'end'})")
    driver.save_screenshot(str(ARTEFACTS / "public-phone.png"))


@pytest.mark.parametrize("screen", [(1920, 1080), (3840, 2160)], ids=["1080p", "4k"])
def test_on_a_desk_or_4k_screen_the_country_fills_the_map_and_the_legend_is_in_view(
    dash_duo, seed_store, screen
):
    driver = open_public(dash_duo, seed_store, screen, "tg")
    boxes = driver.execute_script(BOXES_JS)
    # Not the page's whole height (a responsive graph's inline default): the legend under
    # the map is on the first screen.
    assert boxes["legend"] and boxes["legendRows"] >= 10
    assert not overlaps(boxes["legend"], boxes["map"])
    assert boxes["legend"][3] <= screen[1], f"the legend is below the first screen: {boxes}"
    assert boxes["map"][3] - boxes["map"][1] >= 0.5 * screen[1], "the map is too small"
    shown = wait_for(lambda: country_in_view(driver), timeout=15, what="the country in view")
    # ... and as large as the map allows: it fills most of the map's height or width (at 4K
    # the view fitted for 900 px was zoomed in, not left a small island in grey).
    west, south, east, north = COUNTRY_BOUNDS
    share = max((east - west) / (shown[2] - shown[0]), (north - south) / (shown[3] - shown[1]))
    assert share >= 0.6, f"the country fills {share:.0%} of the map"
