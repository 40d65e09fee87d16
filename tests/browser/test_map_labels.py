"""The place names MapLibre draws on the Tajik and Russian maps (operations, public, wall) are
in Cyrillic wherever the data has a Cyrillic name: read from the rendered label features."""

from __future__ import annotations

import re
import shutil

import pytest

from eoc.store import GeoPackageStore
from eoc.web import create_app
from tests.browser.support import sign_in, wait_for
from tests.browser.test_wall import set_viewport
from tests.conftest import settings_for

pytestmark = pytest.mark.browser

# Each label MapLibre placed on screen (collisions left out), with the feature's names.
RENDERED_LABELS_JS = """
const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');
const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
const map = sub && sub.map;
if (!map || !map.loaded() || !map.isStyleLoaded() || map.isMoving()) { return null; }
// MapLibre gives each queried feature its layer's layout evaluated for that feature: the
// label drawn, as a Formatted value (sections of text) or a plain string.
const text = f => { const shown = (f.layer.layout || {})['text-field'];
  if (shown && shown.sections) { return shown.sections.map(s => s.text).join(''); }
  return typeof shown === 'string' ? shown : JSON.stringify(shown); };
return map.queryRenderedFeatures({layers: ['places-label']}).map(f => ({
  name: f.properties.name, name_tg: f.properties.name_tg || null,
  name_ru: f.properties.name_ru || null, shown: text(f)}));
"""
CYRILLIC = re.compile("[\u0400-\u04ff]")
LATIN = re.compile("[A-Za-z]")
MAPS = (("/", "#ops-map"), ("/public", "#public-map"), ("/wall", "#wall-map"))


@pytest.mark.parametrize("lang", ["tg", "ru"])
def test_drawn_place_names_are_cyrillic_on_tajik_and_russian_maps(
    dash_duo, staff_store, tmp_path, lang
):
    store = GeoPackageStore(tmp_path / "labels.gpkg")  # the language is kept with the account
    shutil.copyfile(staff_store.path, store.path)
    dash_duo.start_server(create_app(store, settings_for(store)), navigate=False)
    driver = dash_duo.driver
    set_viewport(driver, 1920, 1080)
    sign_in(dash_duo, "viewer")
    wait_for(lambda: "/login" not in driver.current_url, what="the sign-in to finish")
    latin: dict[str, list[str]] = {}
    for path, selector in MAPS:
        driver.get(f"{dash_duo.server.url}{path}?lang={lang}")
        labels = wait_for(
            lambda selector=selector: driver.execute_script(RENDERED_LABELS_JS, selector),
            timeout=90,
            what=f"the place names on {path}",
        )
        assert len(labels) >= 20, f"only {len(labels)} place names drawn on {path}"
        assert all(label["shown"] for label in labels), "the drawn text was not read"
        wrong = [
            label["shown"]
            for label in labels
            if (label["name_tg"] or label["name_ru"]) and not CYRILLIC.search(label["shown"])
        ]
        assert not wrong, f"Latin place names on {path} ({lang}) with a Cyrillic one: {wrong}"
        latin[path] = sorted({label["shown"] for label in labels if LATIN.search(label["shown"])})
    # Only places with no Cyrillic name in the data at all may stay Latin (data/seed/SOURCES.md).
    assert {name for names in latin.values() for name in names} <= {"Shhriston"}, latin
