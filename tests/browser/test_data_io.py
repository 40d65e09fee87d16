"""The import page in a real browser: choose a file, see the preview, confirm, data changes."""

from __future__ import annotations

import shutil

import geopandas as gpd
import pytest

from eoc.store import GeoPackageStore
from eoc.web import create_app
from tests.browser.support import sign_in, wait_for
from tests.conftest import settings_for

pytestmark = pytest.mark.browser


def test_a_cccm_officer_previews_and_imports_a_geojson(dash_duo, staff_store, tmp_path):
    store = GeoPackageStore(tmp_path / "io.gpkg")
    shutil.copyfile(staff_store.path, store.path)
    sites = store.read_layer("displacement_sites")
    update = sites.iloc[[0]].copy()
    update["individuals"] = 777
    upload = tmp_path / "headcount.geojson"
    gpd.GeoDataFrame(update).to_file(upload, driver="GeoJSON")
    version = store.version()

    dash_duo.start_server(create_app(store, settings_for(store)), navigate=False)
    driver = dash_duo.driver
    # Sites are the CCCM sector's layer: the same right as on the screens (issue 11).
    sign_in(dash_duo, "cccm", then="/data")
    wait_for(lambda: driver.current_url.endswith("/data"), what="the import page")
    dash_duo.wait_for_element("#io-upload input[type=file]", timeout=30)
    driver.find_element("css selector", "#io-upload input[type=file]").send_keys(str(upload))
    wait_for(lambda: "777" in dash_duo.find_element("#io-preview").text, what="the preview")
    assert store.version() == version, "the preview must not write"
    dash_duo.find_element("#io-reason").send_keys("headcount 22 Nov")
    wait_for(lambda: dash_duo.find_element("#io-confirm").is_enabled(), what="confirm enabled")
    dash_duo.find_element("#io-confirm").click()
    wait_for(lambda: store.version() == version + 1, what="the import to be written")
    after = store.read_layer("displacement_sites").set_index("site_id")
    assert int(after.loc[update.iloc[0]["site_id"], "individuals"]) == 777
    assert len(after) == len(sites)
    assert store.audit_log(limit=1)[0].reason == "headcount 22 Nov"
