"""The capacity grid and the relocation flow map in a real headless Chromium, network cut."""

from __future__ import annotations

import shutil
import time

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from eoc.store import GeoPackageStore
from eoc.web import create_app
from tests.browser.support import (
    ARTEFACTS,
    LOCAL_HOSTS,
    distinct_colours,
    requested_hosts,
    sign_in,
    wait_for,
)
from tests.conftest import STAFF, settings_for

pytestmark = pytest.mark.browser

SITE = "TJ-DS-0001"
FLOW_LINES_JS = """
const gd = document.querySelector('#reloc-map .js-plotly-plot');
if (!gd || !gd.data) { return null; }
return gd.data.filter(t => t.meta && t.meta.role === 'flow').map(t => t.line.width);
"""
MAP_LOADED_JS = """
const gd = document.querySelector('#reloc-map .js-plotly-plot');
const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
return !!(sub && sub.map && sub.map.loaded() && sub.map.isStyleLoaded());
"""


@pytest.fixture
def store(staff_store, tmp_path) -> GeoPackageStore:
    copy = GeoPackageStore(tmp_path / "browser.gpkg")
    shutil.copyfile(staff_store.path, copy.path)
    return copy


def people(store) -> int:
    sites = store.read_layer("displacement_sites")
    return int(sites.loc[sites["site_id"] == SITE, "individuals"].iloc[0])


def test_cccm_edits_a_site_in_the_grid_and_plans_a_relocation(dash_duo, store):
    dash_duo.start_server(create_app(store, settings_for(store)), navigate=False)
    driver = dash_duo.driver
    sign_in(dash_duo, "cccm", then="/capacity")
    dash_duo.wait_for_page(dash_duo.server.url + "/capacity")

    # The grid draws the sites, the over-capacity row coloured.
    row = f'#cap-grid .ag-row[row-id="{SITE}"]'
    dash_duo.wait_for_element(row, timeout=30)
    assert (
        len(driver.find_elements("css selector", "#cap-grid .ag-center-cols-container .ag-row"))
        > 10
    )
    assert "cap-row-over" in driver.find_element("css selector", row).get_attribute("class")
    assert driver.find_elements("css selector", "#cap-grid .ag-cell.cap-gap")

    # An edit with a reason is saved through the real grid event.
    driver.find_element("id", "cap-reason").send_keys("headcount by the site manager")
    cell = f'#cap-grid .ag-center-cols-container .ag-row[row-id="{SITE}"] [col-id="individuals"]'

    def open_editor():
        """Double-click the cell; again if the grid re-drew its rows under the first click
        (the page's first refresh replaces them), as a person would."""
        try:
            target = driver.find_elements("css selector", cell)
            if target:
                driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", target[0])
                ActionChains(driver).double_click(target[0]).perform()
                time.sleep(0.3)
            return driver.find_elements("css selector", f"{cell} input")
        except StaleElementReferenceException:
            return None

    editor = wait_for(open_editor, what="the cell editor")[0]
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys("455", Keys.ENTER)
    wait_for(lambda: "Saved" in dash_duo.find_element("#cap-message").text, what="saved")
    assert people(store) == 455
    wait_for(
        lambda: driver.find_element("css selector", cell).text == "455",
        what="the grid to show the saved value",
    )
    [entry] = store.audit_log(layer="displacement_sites", feature_id=SITE)
    assert (entry.user, entry.reason) == (STAFF["cccm"], "headcount by the site manager")
    driver.save_screenshot(str(ARTEFACTS / "capacity.png"))

    # The relocation page: the Lower Panj flood preselected by a link, plan, flow map over the
    # basemap (Barsem's roads are closed by the zones in force: nobody can be moved by road).
    driver.get(dash_duo.server.url + "/relocation?zone=TJ-HZ-006")
    dash_duo.wait_for_element("#reloc-run", timeout=30).click()
    widths = wait_for(lambda: driver.execute_script(FLOW_LINES_JS), what="the flow lines")
    assert len(widths) > 1 and min(widths) < max(widths)
    wait_for(lambda: driver.execute_script(MAP_LOADED_JS), what="the map to load")
    # How many can be placed is the planner's (tests/analysis); the page says it, with the rest.
    assert " of 3,000 people placed" in dash_duo.find_element("#reloc-summary").text
    canvas = driver.find_element("css selector", "#reloc-map .maplibregl-canvas")
    assert distinct_colours(canvas.screenshot_as_png) > 30
    assert requested_hosts(driver) <= LOCAL_HOSTS, "the page asked for a remote host"
    driver.save_screenshot(str(ARTEFACTS / "relocation.png"))
    assert dash_duo.get_logs() == [], "the browser console reported errors"
