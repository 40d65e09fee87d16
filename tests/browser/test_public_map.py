"""The public map in headless Chromium, anonymous and offline: the Dash page and the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.common.exceptions import NoAlertPresentException

import layers
from eoc.export.public_map import build_public_map_html, write_public_map
from eoc.web import create_app
from eoc.web.components.alert_map import ALERT_LAYER
from eoc.web.pages.public import PUBLIC_OPERATIONAL
from tests.browser.support import LOCAL_HOSTS, requested_hosts, wait_for
from tests.conftest import settings_for

pytestmark = pytest.mark.browser

# Scripts inserted through innerHTML do not run, but an image's onerror does.
EVIL_NAME = "<img src=x onerror=alert(1)><script>alert(2)</script>"
TRACE_LAYERS_JS = """
const gd = document.querySelector('#public-map .js-plotly-plot');
if (!gd || !gd.data) { return null; }
return [...new Set(gd.data.map(t => t.meta && t.meta.layer))];
"""
MAP_LOADED_JS = """
const gd = document.querySelector('#public-map .js-plotly-plot');
const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
return !!(sub && sub.map && sub.map.loaded() && sub.map.isStyleLoaded());
"""
BARS_JS = """
const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');
return gd ? gd.querySelectorAll('.bars .point path').length : 0;
"""
# Opens the tooltip of the feature whose name contains arguments[0]; returns its text.
# folium binds one tooltip to each GeoJson group: hovering a feature (an event that bubbles
# up to the group) opens it, as a mouse would.
OPEN_TOOLTIP_JS = """
const key = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
const map = window[key];
const all = [];
map.eachLayer(layer => all.push(layer));
const named = l => l.feature && String(l.feature.properties.name).includes(arguments[0]);
const feature = all.find(named);
if (!feature) { return null; }
feature.fire('mouseover', {latlng: feature.getLatLng()}, true);
const tip = document.querySelector('.leaflet-tooltip:not(.eoc-place-label)');  // not a place name
return tip ? tip.textContent : '';
"""


def test_the_public_page_draws_offline_without_signing_in(dash_duo, each_staff_store):
    """On each store backend."""
    store = each_staff_store
    dash_duo.start_server(create_app(store, settings_for(store)), navigate=False)
    driver = dash_duo.driver
    driver.get(dash_duo.server.url + "/public")

    dash_duo.wait_for_element("#public-map .maplibregl-canvas", timeout=30)
    assert "/login" not in driver.current_url
    wait_for(lambda: driver.execute_script(MAP_LOADED_JS), what="the MapLibre map to load")
    shown = wait_for(lambda: driver.execute_script(TRACE_LAYERS_JS), what="map traces")
    assert set(shown) == {*PUBLIC_OPERATIONAL, ALERT_LAYER}  # and the seed's Public alert
    for chart in ("#public-projects-by-donor", "#public-projects-by-category"):
        bars = wait_for(lambda c=chart: driver.execute_script(BARS_JS, c), what=f"{chart} bars")
        assert bars >= 4
    donors = dash_duo.find_element("#public-projects-by-donor").text
    assert "Government of Japan" in donors
    assert "Store version" in dash_duo.find_element("#public-footer").text

    labels = driver.find_elements("css selector", "#public-layer-toggles label")
    title = layers.get("border_checkpoints").title
    [checkpoints] = [label for label in labels if label.text == title]
    checkpoints.click()
    wait_for(
        lambda: "border_checkpoints" not in (driver.execute_script(TRACE_LAYERS_JS) or [""]),
        what="checkpoints to disappear",
    )
    assert "Protection shelter" not in driver.page_source
    assert requested_hosts(driver) <= LOCAL_HOSTS, "the page asked for a remote host"
    assert dash_duo.get_logs() == [], "the browser console reported errors"


def test_the_exported_map_opens_from_a_file_offline(dash_duo, seed_store, tmp_path: Path):
    out = write_public_map(seed_store, tmp_path / "public.html")
    driver = dash_duo.driver
    driver.get(out.as_uri())

    drawn = wait_for(
        lambda: len(driver.find_elements("css selector", "path.leaflet-interactive")) > 100,
        what="Leaflet to draw the public layers",
    )
    assert drawn
    controls = driver.find_element("css selector", ".leaflet-control-layers").text
    for name in PUBLIC_OPERATIONAL:
        assert layers.get(name).title in controls
    assert "Store version" in driver.find_element("css selector", ".eoc-public-footer").text
    assert requested_hosts(driver) <= {""}, "the file asked for a web host"
    assert dash_duo.get_logs() == [], "the browser console reported errors"


def test_markup_in_a_site_name_shows_as_text(dash_duo, seed_frames, tmp_path: Path):
    sites = seed_frames["displacement_sites"].copy()
    sites.loc[sites.index[0], "name"] = EVIL_NAME
    frames = {name: seed_frames[name] for name in PUBLIC_OPERATIONAL}
    frames["displacement_sites"] = sites
    out = tmp_path / "evil.html"
    out.write_text(build_public_map_html(frames, seed_frames), encoding="utf-8")
    driver = dash_duo.driver
    driver.get(out.as_uri())
    wait_for(
        lambda: driver.find_elements("css selector", "path.leaflet-interactive"),
        what="Leaflet to draw",
    )

    text = driver.execute_script(OPEN_TOOLTIP_JS, "onerror")
    assert text is not None, "the site with the hostile name is not on the map"
    assert EVIL_NAME in text  # shown literally, as text
    assert not driver.find_elements("css selector", ".leaflet-tooltip script, .leaflet-tooltip img")
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - reading it is what raises
    assert dash_duo.get_logs() == []
