"""A significant event's drafts reach open pages: the wall (at 1080p, still fitting) and the
map page show the notice within a poll, and the map page's notice opens the draft on /reports."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest

from eoc.feeds.drafts import DraftRules, prepare_drafts
from eoc.feeds.ingest import apply_usgs
from eoc.store import GeoPackageStore
from tests.browser.support import ARTEFACTS, wait_for
from tests.browser.test_wall import check_fits_and_tiles_apart, open_wall
from tests.feeds.samples import recent_usgs_feed

pytestmark = pytest.mark.browser
MURGHOB = "USGS-us7000tjm1"


@pytest.fixture
def store(staff_store, tmp_path) -> GeoPackageStore:
    copy = GeoPackageStore(tmp_path / "drafts.gpkg")
    shutil.copyfile(staff_store.path, copy.path)
    return copy


DRAFT_NOTICE_JS = """
const notice = document.querySelector('#wall-feed-health .feed-draft');
return notice ? [notice.tagName, notice.textContent] : null;
"""


def test_the_wall_and_the_map_page_show_the_waiting_draft(dash_duo, store):
    driver = open_wall(dash_duo, store, "")
    # The feed brings the event in while the wall is open; the runner prepares the drafts.
    now = datetime.now(UTC)
    apply_usgs(store, recent_usgs_feed(now), source="sample", now=now)
    assert prepare_drafts(store, DraftRules(), now=now)
    # Read in one script: the wall's polls may redraw the notice between two reads.
    tag, text = wait_for(
        lambda: driver.execute_script(DRAFT_NOTICE_JS), timeout=30, what="the draft notice"
    )
    assert text.startswith("Draft situation report and CAP alert ready for M 6.8")
    assert tag == "SPAN"  # nothing to click on a wall
    check_fits_and_tiles_apart(driver)
    ARTEFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTEFACTS / "wall-feed-draft.png"))

    dash_duo.wait_for_page(f"{dash_duo.server.url}/")
    link = dash_duo.wait_for_element("#feed-health a.feed-draft", timeout=30)
    link.click()
    dash_duo.wait_for_element(".feed-draft-opened", timeout=30)
    assert driver.current_url.endswith(f"/reports?draft={MURGHOB}")
    assert "Situation report — draft" in dash_duo.find_element(".feed-draft-opened").text
    driver.save_screenshot(str(ARTEFACTS / "reports-feed-draft.png"))
