"""An Atom feed (RFC 4287) of current Public alerts, each entry embedding its CAP document.

The layout follows what CAP aggregators read (WMO's alert hub, Google Public Alerts): one
<entry> per alert, an "alternate" link to the CAP file (application/cap+xml) and the
<alert> itself inside <content>. Only published, unexpired, unreplaced Public alerts are
ever passed in; this module also refuses anything else, so a mistake upstream cannot put a
Restricted alert into the public feed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from lxml import etree

from eoc.alerts.cap_xml import build_cap_element
from eoc.alerts.model import AlertError
from eoc.alerts.workflow import PUBLISHED, AlertRow

ATOM_NS = "http://www.w3.org/2005/Atom"
_A = f"{{{ATOM_NS}}}"
CAP_MEDIA_TYPE = "application/cap+xml"
FEED_ID = "urn:tj-coes-eoc:cap:feed"


def build_feed(
    rows: Sequence[AlertRow], *, base_url: str, now: datetime, lang: str = "en"
) -> bytes:
    """The feed document; entry titles and summaries in `lang` (falling back to English)."""
    feed = etree.Element(_A + "feed", nsmap={None: ATOM_NS})
    _add(feed, "id", FEED_ID)
    _add(feed, "title", "CoES Tajikistan EOC — CAP alerts")
    # RFC 4287 §3.3: date-times per RFC 3339 (a "Z" is fine here, unlike in CAP).
    updated = max((r.published_at for r in rows if r.published_at), default=now)
    _add(feed, "updated", updated.isoformat().replace("+00:00", "Z"))
    author = _add(feed, "author")
    _add(author, "name", "Committee of Emergency Situations and Civil Defence, EOC")
    etree.SubElement(feed, _A + "link", rel="self", href=f"{base_url}/cap/feed.xml")
    for row in rows:
        if row.scope != "Public" or row.state != PUBLISHED:
            raise AlertError("scope", "only published Public alerts go into the public feed")
        alert = row.alert
        info = alert.info(lang) or alert.info("en") or alert.infos[0]
        entry = _add(feed, "entry")
        _add(entry, "id", f"urn:tj-coes-eoc:cap:{alert.identifier}")
        _add(entry, "title", info.headline)
        _add(entry, "updated", row.published_at.isoformat().replace("+00:00", "Z"))
        _add(entry, "summary", info.description)
        etree.SubElement(
            entry, _A + "link", rel="alternate", type=CAP_MEDIA_TYPE,
            href=f"{base_url}/cap/{alert.identifier}.xml",
        )  # fmt: skip
        content = etree.SubElement(entry, _A + "content", type=CAP_MEDIA_TYPE)
        content.append(build_cap_element(alert))
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, _A + name)
    if text is not None:
        child.text = text
    return child
