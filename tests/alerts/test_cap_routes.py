"""/cap/feed.xml and /cap/ID.xml: valid Atom with valid CAP, Public only for anonymous readers."""

import pytest
from lxml import etree

from eoc.alerts.atom import ATOM_NS
from eoc.alerts.cap_xml import CAP_NS, cap_schema, schema_problems
from eoc.web import create_app
from tests.conftest import settings_for, signed_in

NS = {"a": ATOM_NS, "c": CAP_NS}
PUBLIC_SEED = "TJ-CoES-EOC.20261121T033000.seed01"
RESTRICTED_SEED = "TJ-CoES-EOC.20261121T060000.seed02"


@pytest.fixture(scope="module")
def app(staff_store):
    return create_app(staff_store, settings_for(staff_store))


def test_fresh_store_feed_holds_the_public_seed_alert_only(app):
    response = app.server.test_client().get("/cap/feed.xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    feed = etree.fromstring(response.data)
    assert feed.tag == f"{{{ATOM_NS}}}feed"
    alerts = feed.xpath("a:entry/a:content/c:alert", namespaces=NS)
    ids = [a.findtext(f"{{{CAP_NS}}}identifier") for a in alerts]
    assert ids == [PUBLIC_SEED]
    for alert in alerts:
        assert cap_schema().validate(alert), cap_schema().error_log
        assert alert.findtext(f"{{{CAP_NS}}}scope") == "Public"
    assert RESTRICTED_SEED.encode() not in response.data
    assert b"Barsem" not in response.data  # the Restricted alert's area and text
    link = feed.xpath("a:entry/a:link[@rel='alternate']/@href", namespaces=NS)[0]
    assert link.endswith(f"/cap/{PUBLIC_SEED}.xml")


def test_the_feed_holds_what_rfc_4287_requires_of_a_feed_and_its_entries(app):
    """Atom's own rules (RFC 4287 §4.1.1, §4.1.2): one id, title and updated each; an author
    for the feed; each entry an id, title, updated and content or an alternate link; dates
    per RFC 3339; inline content of an XML media type holds one element."""
    from datetime import datetime

    feed = etree.fromstring(app.server.test_client().get("/cap/feed.xml").data)

    def one(parent, name: str) -> etree._Element:
        found = parent.findall(f"{{{ATOM_NS}}}{name}")
        assert len(found) == 1, f"{parent.tag} holds {len(found)} atom:{name}"
        return found[0]

    for name in ("id", "title", "updated"):
        assert one(feed, name).text
    assert one(one(feed, "author"), "name").text
    assert feed.xpath("a:link[@rel='self']/@href", namespaces=NS)[0].endswith("/cap/feed.xml")
    entries = feed.findall(f"{{{ATOM_NS}}}entry")
    assert entries
    for entry in entries:
        assert one(entry, "id").text.startswith("urn:")  # an IRI (§4.2.6)
        assert one(entry, "title").text
        datetime.fromisoformat(one(entry, "updated").text)  # RFC 3339
        content = one(entry, "content")
        assert content.get("type") == "application/cap+xml"  # an XML media type (§4.1.3.3)
        assert len(content) == 1 and not (content.text or "").strip()
        assert entry.xpath("a:link[@rel='alternate']", namespaces=NS)
    datetime.fromisoformat(one(feed, "updated").text)


def test_feed_titles_follow_the_language(app):
    body = app.server.test_client().get("/cap/feed.xml?lang=ru").data
    titles = etree.fromstring(body).xpath("a:entry/a:title/text()", namespaces=NS)
    assert titles == ["Сильное землетрясение на востоке ГБАО: опасность повторных толчков"]


def test_a_public_alert_file_is_valid_cap(app):
    response = app.server.test_client().get(f"/cap/{PUBLIC_SEED}.xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/cap+xml")
    assert schema_problems(response.data) == []


def test_a_restricted_alert_is_not_found_for_the_public_but_served_to_staff(app):
    client = app.server.test_client()
    assert client.get(f"/cap/{RESTRICTED_SEED}.xml").status_code == 404
    assert client.get("/cap/no-such-alert.xml").status_code == 404
    with signed_in(app, "viewer"):
        from eoc.web.cap_routes import cap_file

        response = cap_file(RESTRICTED_SEED)
    assert response.status_code == 200
    assert b"<scope>Restricted</scope>" in response.data


def test_the_public_page_lists_public_alerts_only(app):
    from eoc.web.pages.public import layout

    with signed_in(app, None):
        page = str(layout())
    assert "Strong earthquake in eastern GBAO" in page
    assert f"/cap/{PUBLIC_SEED}.xml" in page
    assert "Barsem" not in page and RESTRICTED_SEED not in page
