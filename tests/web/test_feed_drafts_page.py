"""Where duty officers see the drafts a significant feed event prepared: the line on / and
/wall, the list and the opened draft on /reports, its Markdown; publishing ends the wait."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eoc.feeds.drafts import DraftRules, prepare_drafts, read_drafts
from eoc.feeds.ingest import apply_usgs
from eoc.web import create_app
from eoc.web.components.feed_health import update_feed_health, update_wall_feed_health
from eoc.web.pages import reports as page
from tests.conftest import find_component, settings_for, signed_in, staff_copy
from tests.feeds.samples import recent_usgs_feed
from tests.web.test_reports_page import client_as

MURGHOB = "USGS-us7000tjm1"


@pytest.fixture
def app(request, backend, tmp_path):
    store = staff_copy(request, backend, tmp_path)
    now = datetime.now(UTC)
    apply_usgs(store, recent_usgs_feed(now), source="sample", now=now)
    assert prepare_drafts(store, DraftRules(), now=now)
    return create_app(store, settings_for(store))


def test_the_feed_line_says_a_draft_is_waiting_with_a_link_on_the_map_page_only(app):
    with signed_in(app, "viewer"):
        line = update_feed_health(1)
        wall = update_wall_feed_health(1)
    (notice,) = [c for c in line if "feed-draft" in c.className]
    assert notice.href == f"/reports?draft={MURGHOB}"
    assert notice.children.startswith("Draft situation report and CAP alert ready for M 6.8")
    (plain,) = [c for c in wall if "feed-draft" in c.className]
    assert not hasattr(plain, "href") or plain.href is None
    assert plain.children == notice.children


def test_reports_lists_the_drafts_and_opens_one_in_the_users_language(app):
    with signed_in(app, "viewer"):
        listing = str(page.layout().to_plotly_json())
        opened = page.layout(draft=MURGHOB)
    assert "Drafts prepared from the feeds" in listing and f"/reports?draft={MURGHOB}" in listing
    assert f"/reports/drafts/{MURGHOB}/tg.md" in listing and "/alerts?alert=TJ-CoES-EOC." in listing
    assert find_component(opened, page.ids.SCOPE).value == MURGHOB
    text = str(opened.to_plotly_json())
    assert "# Situation report — draft" in text and "Press Build draft" in text


def test_a_drafts_markdown_is_for_internal_roles(app):
    viewer = client_as(app, "viewer")
    response = viewer.get(f"/reports/drafts/{MURGHOB}/ru.md")
    assert response.status_code == 200 and response.mimetype == "text/markdown"
    assert response.get_data(as_text=True).startswith("# Оперативная сводка — проект")
    assert viewer.get(f"/reports/drafts/{MURGHOB}/xx.md").status_code == 404
    assert viewer.get("/reports/drafts/USGS-nothing/en.md").status_code == 404
    anonymous = client_as(app, None).get(f"/reports/drafts/{MURGHOB}/en.md")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_publishing_a_report_for_the_event_ends_the_wait(app):
    with signed_in(app, "duty_officer"):
        request, *_ = page.start_draft(1, MURGHOB, "", "en", "sphere", "EOC duty")
        stage, *_ = page.compute_draft(request)
        _preview, draft, *_ = page.finish_draft(stage, 0, "", "", "")
        message, _archive = page.publish(1, draft, "", "", "")
        assert "Published situation report No. 1" in str(message.to_plotly_json())
        line = update_feed_health(2)
    assert not [c for c in line if "feed-draft" in c.className]
    (done,) = read_drafts(app.server.config["EOC_CACHE"].store)
    assert done.status == "published" and done.report_number == 1
