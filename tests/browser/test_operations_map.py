"""The operations map in a real headless Chromium with every non-localhost host unreachable."""

from __future__ import annotations

import pytest

from eoc.web import create_app
from eoc.web.components.alert_map import ALERT_LAYER
from layers import OPERATIONAL
from tests.browser.support import (
    ARTEFACTS,
    LOCAL_HOSTS,
    MAP_LOADED_JS,
    TRACE_LAYERS_JS,
    distinct_colours,
    requested_hosts,
    sign_in,
    wait_for,
)
from tests.conftest import settings_for

pytestmark = pytest.mark.browser


def test_anonymous_visitors_are_sent_to_sign_in(dash_duo, staff_store):
    dash_duo.start_server(create_app(staff_store, settings_for(staff_store)), navigate=False)
    dash_duo.driver.get(dash_duo.server.url + "/")
    wait_for(lambda: "/login" in dash_duo.driver.current_url, what="the sign-in page")
    assert dash_duo.driver.find_elements("name", "password")


def test_the_map_draws_offline_and_a_layer_can_be_switched_off(dash_duo, each_staff_store):
    """On each store backend: the app reads PostGIS as it reads the GeoPackage."""
    app = create_app(each_staff_store, settings_for(each_staff_store))
    dash_duo.start_server(app, navigate=False)
    driver = dash_duo.driver
    sign_in(dash_duo, "viewer")
    dash_duo.wait_for_page(dash_duo.server.url + "/")

    dash_duo.wait_for_element("#ops-map .maplibregl-canvas", timeout=30)
    wait_for(lambda: driver.execute_script(MAP_LOADED_JS), what="the MapLibre map to load")
    toggles = driver.find_elements("css selector", "#layer-toggles input[type=checkbox]")
    # The four operational layers of the foundation, the incident log, and the CAP alerts in
    # force (the seed's two: tests/browser/test_alerts.py).
    assert len(toggles) == len(OPERATIONAL) + 1 == 6
    layers_on_map = wait_for(lambda: driver.execute_script(TRACE_LAYERS_JS), what="traces")
    assert set(layers_on_map) == {*OPERATIONAL, ALERT_LAYER}
    # The canvas holds a drawn map (country, regions, zones, markers), not a blank area.
    canvas = driver.find_element("css selector", "#ops-map .maplibregl-canvas")
    assert distinct_colours(canvas.screenshot_as_png) > 50

    labels = driver.find_elements("css selector", "#layer-toggles label")
    [hazards] = [label for label in labels if label.text == "Hazard zones"]
    hazards.click()
    wait_for(
        lambda: "hazard_zones" not in (driver.execute_script(TRACE_LAYERS_JS) or ["hazard_zones"]),
        what="hazard zones to disappear",
    )
    shown = set(driver.execute_script(TRACE_LAYERS_JS))
    assert shown == {*OPERATIONAL, ALERT_LAYER} - {"hazard_zones"}
    assert "Store version" in dash_duo.find_element("#data-footer").text
    assert requested_hosts(driver) <= LOCAL_HOSTS, "the page asked for a remote host"
    # Any blocked fetch (tiles, fonts, scripts) would show here as net::ERR_NAME_NOT_RESOLVED.
    assert dash_duo.get_logs() == [], "the browser console reported errors"


WRITER = """
import sys
from datetime import UTC, datetime
from shapely.geometry import Point
from eoc.store import GeoPackageStore
from eoc.store.edits import Edit
store = GeoPackageStore(sys.argv[1])
row = {"time_utc": "2026-11-22T07:55:00Z", "incident_type": "road_blocked", "severity": "high",
       "status": "reported", "description": "Rockfall written by another process",
       "source": "duty officer", "geometry": Point(71.45, 38.37)}
store.apply_edits("incidents", [Edit("INC-OTHER-PROCESS", row, op="insert")], user="script",
                  reason="browser test", now=datetime.now(UTC))
"""
INCIDENT_TEXTS_JS = """
const gd = document.querySelector('#ops-map .js-plotly-plot');
return gd.data.filter(t => t.meta && t.meta.layer === 'incidents')
  .flatMap(t => (t.customdata || []).map(row => row[0]));
"""


def test_a_write_by_another_process_appears_without_moving_the_map(dash_duo, staff_store, tmp_path):
    """One browser on `/`, a second browser on `/wall`, a script writes: both show it."""
    import shutil
    import subprocess
    import sys

    from eoc.store import GeoPackageStore

    store = GeoPackageStore(tmp_path / "live.gpkg")
    shutil.copyfile(staff_store.path, store.path)
    app = create_app(store, settings_for(store, refresh_s=1.0))
    dash_duo.start_server(app, navigate=False)
    driver = dash_duo.driver
    sign_in(dash_duo, "duty_officer")
    dash_duo.wait_for_page(dash_duo.server.url + "/")
    wait_for(lambda: driver.execute_script(MAP_LOADED_JS), what="the map")
    second = second_browser(dash_duo.server.url, "viewer", then="/wall")
    driver.execute_script(
        "const gd = document.querySelector('#ops-map .js-plotly-plot');"
        "return Plotly.relayout(gd, {'map.center': {lat: 37.5, lon: 71.5}, 'map.zoom': 8});"
    )
    subprocess.run([sys.executable, "-c", WRITER, str(store.path)], check=True, timeout=60)
    wait_for(
        lambda: (
            "Rockfall written by another process"
            in (driver.execute_script(INCIDENT_TEXTS_JS) or [])
        ),
        timeout=10,
        what="the new incident on the map",
    )
    view = driver.execute_script(
        "const m = document.querySelector('#ops-map .js-plotly-plot')._fullLayout.map;"
        "return [m.center.lat, m.center.lon, m.zoom];"
    )
    assert view == pytest.approx([37.5, 71.5, 8], abs=1e-6)
    assert f"Store version: {store.version()}" in dash_duo.find_element("#data-footer").text
    driver.save_screenshot(str(ARTEFACTS / "operations.png"))
    try:
        wait_for(
            lambda: (
                "Rockfall written by another process"
                in second.find_element("tag name", "body").text
            ),
            timeout=10,
            what="the new incident in the second browser's activity feed",
        )
    finally:
        second.quit()


def second_browser(base_url: str, role: str, *, then: str):
    """Another Chromium, signed in on its own session."""
    from selenium import webdriver

    from tests.conftest import STAFF, STAFF_PASSWORD, pytest_setup_options

    browser = webdriver.Chrome(options=pytest_setup_options())
    browser.get(f"{base_url}/login?next={then}")
    browser.find_element("name", "username").send_keys(STAFF[role])
    browser.find_element("name", "password").send_keys(STAFF_PASSWORD)
    browser.find_element("css selector", "button[type=submit]").click()
    wait_for(lambda: then in browser.current_url, what="the second browser's page")
    return browser
