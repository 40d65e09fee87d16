"""Apply the GDACS events feed to the store: read, narrow to Tajikistan, plan, write once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from eoc.feeds import gdacs
from eoc.feeds.ingest import IngestResult, drop_unchanged, placed, write_edits
from eoc.feeds.usgs import FeedError

FEED_USER = "feed:gdacs"
# The events list of the last days (the API's default window); `eoc feed gdacs` takes any URL.
DEFAULT_URL = "https://www.gdacs.org/gdacsapi/api/events/geteventlist/EVENTS4APP"

FetchJson = Callable[[str], dict[str, Any]]


def read_gdacs(source: str | Path, *, timeout_s: float = 10.0) -> bytes:
    """The body of a GDACS response from a file or an http(s) URL."""
    from eoc.feeds.http import fetch_bytes

    text = str(source)
    if text.startswith(("http://", "https://")):
        return fetch_bytes(text, timeout_s=timeout_s, label="GDACS")
    try:
        return Path(text).read_bytes()
    except OSError as exc:
        raise FeedError(f"could not read the GDACS feed from {text}: {exc.strerror}") from exc


def ingest_gdacs(
    store,
    source: str | Path,
    *,
    now: datetime,
    buffer_km: float = gdacs.BORDER_BUFFER_KM,
    timeout_s: float = 10.0,
) -> IngestResult:
    """Read the GDACS feed at `source` (file or URL) and apply it; idempotent."""
    feed = gdacs.decode_gdacs(read_gdacs(source, timeout_s=timeout_s), str(source))

    def fetch(url: str) -> dict[str, Any]:
        return gdacs.decode_gdacs(read_gdacs(url, timeout_s=timeout_s), url)

    # A file is read offline: its events' geometry links are not followed (their own
    # polygons still become zones).
    online = str(source).startswith(("http://", "https://"))
    return apply_gdacs(
        store,
        feed,
        source=str(source),
        now=now,
        fetch_json=fetch if online else None,
        buffer_km=buffer_km,
    )


def apply_gdacs(
    store,
    feed: dict[str, Any],
    *,
    source: str,
    now: datetime,
    fetch_json: FetchJson | None = None,
    buffer_km: float = gdacs.BORDER_BUFFER_KM,
) -> IngestResult:
    """Bring the store up to date with a GDACS feed already read, in one transaction.

    An event without polygons of its own gets them from its geometry link (`fetch_json`;
    None: not followed), fetched only when its incident is new or changed; a geometry that
    cannot be read fails the whole run (FeedError), so the next poll tries again with nothing
    half-written.
    """
    events = gdacs.events_near(
        gdacs.parse_gdacs(feed), store.read_layer("country"), buffer_km=buffer_km
    )
    incidents = store.read_layer("incidents")
    zones = store.read_layer("hazard_zones")
    incident_edits, _zones = gdacs.plan_gdacs_edits(events, incidents, zones)
    changed = {e.feature_id for e in incident_edits}
    polygons = {}
    for event in events:
        wanted = event.incident_id in changed and not event.polygons
        if wanted and event.event_type in gdacs.ZONE_HAZARD and event.geometry_url:
            if fetch_json is None:
                continue
            polygons[event.key] = gdacs.polygons_from_response(fetch_json(event.geometry_url))
    incident_edits, zone_edits = gdacs.plan_gdacs_edits(events, incidents, zones, polygons=polygons)
    zone_edits = drop_unchanged(zone_edits, zones, "hazard_zones")
    incident_edits = placed(
        incident_edits, store.read_layer("regions"), store.read_layer("districts")
    )
    version = write_edits(
        store, incident_edits, zone_edits, user=FEED_USER, reason=f"GDACS feed {source}", now=now
    )
    inserted = {e.feature_id for e in incident_edits if e.op == "insert"}
    return IngestResult(
        source=source,
        events=len(events),
        new_incidents=tuple(sorted(inserted)),
        updated_incidents=tuple(e.feature_id for e in incident_edits if e.op == "update"),
        zones_added=sum(e.op == "insert" for e in zone_edits),
        zones_updated=sum(e.op == "update" for e in zone_edits),
        zones_removed=sum(e.op == "delete" for e in zone_edits),
        version=version,
        descriptions={
            e.feature_id: str(e.changes.get("description") or e.changes.get("source") or "")
            for e in incident_edits
        },
        alert_levels=gdacs.alert_levels(events, incidents),
    )
