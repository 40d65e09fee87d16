"""A wall screen opened with a display token (no sign-in) draws; after revoke it blanks."""

from __future__ import annotations

import shutil

import pytest

from eoc import displays
from eoc.store import GeoPackageStore
from eoc.web import create_app
from eoc.web.pages.wall import VIEWS
from tests.browser.support import ARTEFACTS, wait_for
from tests.conftest import SEED_TIME, settings_for

pytestmark = pytest.mark.browser
MAP_LOADED_JS = """
const gd = document.querySelector('#wall-map .js-plotly-plot');
const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
return !!(sub && sub.map && sub.map.loaded() && sub.map.isStyleLoaded());
"""


def test_a_display_token_draws_the_wall_and_revoking_blanks_it(dash_duo, staff_store, tmp_path):
    store = GeoPackageStore(tmp_path / "wall.gpkg")
    shutil.copyfile(staff_store.path, store.path)
    display_id, token = displays.issue_display(
        store, "EOC wall 1", view="gbao", views=VIEWS, by="admin1", now=SEED_TIME, reason="test"
    )
    app = create_app(store, settings_for(store, refresh_s=2))
    dash_duo.start_server(app, navigate=False)
    driver = dash_duo.driver
    driver.set_window_size(1600, 900)
    dash_duo.wait_for_page(f"{dash_duo.server.url}{displays.kiosk_url(token, 'gbao')}")
    dash_duo.wait_for_element("#wall-kpis .kpi-tile", timeout=30)
    wait_for(lambda: driver.execute_script(MAP_LOADED_JS), timeout=90, what="the map to draw")
    assert "Sign in" not in driver.find_element("css selector", "#wall-kpis").text
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTEFACTS / "wall-display-token.png"))

    displays.revoke_display(store, display_id, by="admin1", now=SEED_TIME, reason="test")
    # The next poll (every 2 s here) is refused and the page blanks itself.
    wait_for(
        lambda: driver.find_elements("css selector", "#display-revoked"),
        timeout=15,
        what="the screen to blank after revoke",
    )
    assert "This display was revoked" in driver.find_element("css selector", "body").text
    assert not driver.find_elements("css selector", "#wall-map")
    driver.save_screenshot(str(ARTEFACTS / "wall-display-revoked.png"))
