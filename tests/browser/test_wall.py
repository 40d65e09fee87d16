"""The wall screen in a real headless Chromium at 1920×1080, with the network cut."""

from __future__ import annotations

import time

import pytest

from eoc.web import create_app
from tests.browser.support import (
    ARTEFACTS,
    LOCAL_HOSTS,
    css_text,
    distinct_colours,
    requested_hosts,
    sign_in,
    wait_for,
)
from tests.conftest import settings_for

pytestmark = pytest.mark.browser

# A day after the seed's data time (2026-11-22 06:00 UTC): the data is stale by then.
A_DAY_LATER = "2026-11-23T06:00:00Z"
# Two hours after the scenario's rockfall on the Pamir highway (a high incident).
AFTER_THE_ROCKFALL = "2026-11-21T09:40:00Z"
MAP_LOADED_JS = """
const gd = document.querySelector('#wall-map .js-plotly-plot');
const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
return !!(sub && sub.map && sub.map.loaded() && sub.map.isStyleLoaded());
"""
MAP_VIEW_JS = """
const m = document.querySelector('#wall-map .js-plotly-plot')._fullLayout.map;
return [m.center.lat, m.center.lon, m.zoom];
"""
FITS_JS = """
const d = document.documentElement;
return [d.scrollWidth, d.scrollHeight, window.innerWidth, window.innerHeight];
"""
TILE_RECTS_JS = """
return [...document.querySelectorAll('#wall-kpis .kpi-tile')].map(t => {
  const r = t.getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom];
});
"""
CLIPPED_TEXT_JS = """
return [...document.querySelectorAll('#wall-kpis .kpi-value')]
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent);
"""


LEGEND_JS = """
const box = e => { if (!e) return null; const r = e.getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom]; };
const legend = document.querySelector('#wall-legend');
return {
  legend: box(legend),
  map: box(document.querySelector('.wall-map-box')),
  view: box(document.querySelector('#wall-view-name')),
  rows: legend ? legend.querySelectorAll('.legend-row').length : 0,
  clipped: legend ? [...legend.querySelectorAll('.legend-row, .legend-title')]
    .filter(e => { const r = e.getBoundingClientRect(), l = legend.getBoundingClientRect();
      return r.right > l.right + 0.5 || r.bottom > l.bottom + 0.5; })
    .map(e => e.textContent) : [],
  font: legend ? parseFloat(getComputedStyle(legend).fontSize) : 0,
  feed: [...document.querySelectorAll('#wall-feed .feed-item')].map(e => box(e)),
  feedBox: box(document.querySelector('.wall-feed-box')),
};
"""


def check_legend(driver, *, min_font_px: float) -> None:
    """The legend is on the map, whole, clear of the view name, and large enough to read."""
    boxes = driver.execute_script(LEGEND_JS)
    legend, frame = boxes["legend"], boxes["map"]
    assert legend, "the wall map has no legend"
    assert boxes["rows"] == 19, "a legend entry is missing"  # 7 hazards, 4+3 states, 1, 4
    assert frame[0] <= legend[0] and legend[2] <= frame[2], "the legend runs off the map"
    assert frame[1] <= legend[1] and legend[3] <= frame[3], "the legend runs off the map"
    assert not overlaps(legend, boxes["view"]), "the legend covers the view name"
    assert boxes["clipped"] == [], "legend entries are cut off"
    assert boxes["font"] >= min_font_px, f"legend text {boxes['font']} px is too small"
    area = lambda r: (r[2] - r[0]) * (r[3] - r[1])  # noqa: E731
    assert area(legend) < 0.25 * area(frame), "the legend hides too much of the map"


def overlaps(a, b) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def set_viewport(driver, width: int, height: int) -> None:
    """Size the window so the page itself (not the window) is `width`×`height` CSS pixels."""
    driver.set_window_size(width, height)
    inner_w, inner_h = driver.execute_script("return [innerWidth, innerHeight]")
    driver.set_window_size(2 * width - inner_w, 2 * height - inner_h)


def open_wall(dash_duo, store, query: str, *, size=(1920, 1080)):
    app = create_app(store, settings_for(store))
    dash_duo.start_server(app, navigate=False)
    driver = dash_duo.driver
    set_viewport(driver, *size)
    sign_in(dash_duo, "viewer", then="/wall")
    # Let the sign-in's own redirect land first, or it could replace the page asked for next.
    wait_for(lambda: driver.current_url.endswith("/wall"), what="the sign-in to finish")
    dash_duo.wait_for_page(f"{dash_duo.server.url}/wall?{query}")
    dash_duo.wait_for_element("#wall-kpis .kpi-tile", timeout=30)
    dash_duo.wait_for_element("#wall-map .maplibregl-canvas", timeout=30)
    wait_for(
        lambda: driver.execute_script(MAP_LOADED_JS), timeout=90, what="the MapLibre map to load"
    )
    assert driver.execute_script("return [innerWidth, innerHeight]") == list(size)
    return driver


HEADER_JS = """
return ['.wall-title', '.wall-clock'].map(s => {
  const r = document.querySelector(s).getBoundingClientRect(); return [r.top, r.bottom, r.right];
});
"""


def check_fits_and_tiles_apart(driver) -> None:
    scroll_w, scroll_h, inner_w, inner_h = driver.execute_script(FITS_JS)
    (title_top, title_bottom, _), (clock_top, _, clock_right) = driver.execute_script(HEADER_JS)
    # Title, data time and clock share one header row, the clock at the right edge.
    assert clock_top < title_bottom, "the clock wrapped under the title"
    assert clock_right > inner_w * 0.9, "the clock is not at the right of the header"
    assert scroll_h <= inner_h, f"the wall scrolls vertically ({scroll_h} > {inner_h})"
    assert scroll_w <= inner_w, f"the wall scrolls sideways ({scroll_w} > {inner_w})"
    rects = driver.execute_script(TILE_RECTS_JS)
    assert len(rects) == 9  # residents exposed first, then the eight of the operations
    for i, a in enumerate(rects):
        assert a[2] <= inner_w and a[3] <= inner_h, f"KPI tile {i} runs off the screen"
        for j, b in enumerate(rects[i + 1 :], start=i + 1):
            assert not overlaps(a, b), f"KPI tiles {i} and {j} overlap"
    assert driver.execute_script(CLIPPED_TEXT_JS) == [], "a KPI number is cut off"


def test_the_wall_warns_of_stale_data_and_fits_a_1080p_screen(dash_duo, staff_store):
    driver = open_wall(dash_duo, staff_store, f"now={A_DAY_LATER}")
    dash_duo.wait_for_element(".banner-stale", timeout=15)
    # The replay time reaches the banner with the page's parameters (a poll may come first).
    wait_for(
        lambda: "24 hours ago" in css_text(driver, ".banner-stale"),
        timeout=15,
        what="the banner at the replay time",
    )
    assert "STALE DATA" in css_text(driver, ".banner-stale")
    # A day later, the scenario's incidents are no longer new: no incident banner.
    assert not driver.find_elements("css selector", ".banner-incidents")
    assert css_text(driver, ".kpi-people-in-sites .kpi-value") == "15,458"
    # The clock ticks in the browser from the replay time, in Dushanbe time (UTC+5).
    wait_for(lambda: css_text(driver, "#wall-clock").startswith("11:0"), what="clock")
    first = css_text(driver, "#wall-clock")
    wait_for(lambda: css_text(driver, "#wall-clock") != first, what="the clock to tick")
    assert "Replay" in css_text(driver, "#wall-data-time").title()
    shot = ARTEFACTS / "wall-1080p.png"
    driver.save_screenshot(str(shot))
    check_fits_and_tiles_apart(driver)
    check_legend(driver, min_font_px=15)
    canvas = driver.find_element("css selector", "#wall-map .maplibregl-canvas")
    assert distinct_colours(canvas.screenshot_as_png) > 50, "the map is blank"
    assert driver.find_elements("css selector", "#wall-feed .feed-item")
    assert requested_hosts(driver) <= LOCAL_HOSTS, "the page asked for a remote host"
    assert dash_duo.get_logs() == [], "the browser console reported errors"


def test_fresh_data_has_no_stale_banner_and_new_severe_incidents_get_one(dash_duo, staff_store):
    driver = open_wall(dash_duo, staff_store, f"now={AFTER_THE_ROCKFALL}&stale=100000")
    dash_duo.wait_for_element(".banner-incidents", timeout=15)
    assert "Rockfall closes the Pamir highway" in css_text(driver, ".banner-incidents")
    assert not driver.find_elements("css selector", ".banner-stale")
    check_fits_and_tiles_apart(driver)
    driver.save_screenshot(str(ARTEFACTS / "wall-1080p-incident.png"))


def test_the_wall_rotates_through_saved_views(dash_duo, staff_store):
    driver = open_wall(dash_duo, staff_store, "rotate=5&views=country,gbao&stale=100000")
    views = {}
    for name in ("Gorno-Badakhshan (GBAO)", "All Tajikistan"):
        wait_for(
            lambda name=name: dash_duo.find_element("#wall-view-name").text == name,
            timeout=30,
            what=f"the view {name}",
        )
        time.sleep(0.5)  # the map eases to the new view
        views[name] = driver.execute_script(MAP_VIEW_JS)
    gbao, country = views["Gorno-Badakhshan (GBAO)"], views["All Tajikistan"]
    assert gbao[1] > 71.5 and gbao[2] > country[2]
    assert country[:2] == pytest.approx([38.85, 71.25], abs=0.01)
    assert dash_duo.get_logs() == [], "the browser console reported errors"


def test_the_wall_fits_a_4k_screen(dash_duo, staff_store, tmp_path):
    store_copy = staff_store
    driver = open_wall(dash_duo, store_copy, f"now={A_DAY_LATER}", size=(3840, 2160))
    dash_duo.wait_for_element(".banner-stale", timeout=15)
    check_fits_and_tiles_apart(driver)
    check_legend(driver, min_font_px=30)
    driver.save_screenshot(str(ARTEFACTS / "wall-2160p.png"))


def test_a_russian_wall_writes_its_date_in_russian(dash_duo, staff_store):
    driver = open_wall(dash_duo, staff_store, f"now={A_DAY_LATER}&lang=ru")
    # 2026-11-23 06:00 UTC is 11:00 on Monday 23 November in Dushanbe.
    wait_for(
        lambda: "понедельник, 23 ноября 2026" in dash_duo.find_element("#wall-clock-date").text,
        what="the date in Russian",
    )
    check_legend(driver, min_font_px=15)
    assert "Места размещения" in css_text(driver, "#wall-legend")
    shot = ARTEFACTS / "wall-1080p-ru.png"
    driver.save_screenshot(str(shot))
