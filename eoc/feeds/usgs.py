"""The USGS earthquake feed (GeoJSON summary format) turned into incidents and shaking zones.

Feed format: https://earthquake.usgs.gov/earthquakes/feed/v1.0/geojson.php — a FeatureCollection
whose features have an `id`, a Point [lon, lat, depth_km] and properties such as mag, place,
time and updated (milliseconds since 1970 UTC), mmi, alert, tsunami, status, url and title.

The dashboard never needs the network: `read_feed` takes a file as readily as a URL, and
everything after it is pure. `plan_feed_edits` compares the feed with what the store holds and
returns the edits to apply — running it again on the same feed plans nothing.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import layers
from eoc.analysis.intensity import DEFAULT_LEVELS, intensity_zones
from eoc.errors import EocError
from eoc.feeds import sources
from eoc.store.edits import Edit

# lon_min, lat_min, lon_max, lat_max: Tajikistan (36.7–41.0 N, 67.4–75.1 E) and a margin, so
# strong quakes just across the border (Afghan Badakhshan, Kyrgyz Alay) are kept.
TAJIKISTAN_BBOX = (66.5, 36.0, 76.0, 42.0)
MIN_MAGNITUDE = 4.5
# The summary feeds (https://earthquake.usgs.gov/earthquakes/feed/v1.0/geojson.php), by the
# names `eoc feed usgs` accepts in place of a URL.
SUMMARY_URL = "https://earthquake.usgs.gov/earthquakes/feed/v1.0/summary/{name}.geojson"
SUMMARY_FEEDS = tuple(
    f"{size}_{period}" for size in ("2.5", "significant") for period in ("hour", "day", "week")
)
DELETED = "deleted"  # properties.status of an event its network withdrew
SOURCE = "USGS"
REPORTER = "USGS feed"
ZONE_PREFIX = "USGS-"  # of the incident ids (and so of their zones' ids)
OTHER_SOURCE = "GDACS"  # the feed whose earthquakes this one joins (eoc/feeds/sources.py)

# Incident severity: the more severe of what the PAGER alert and the magnitude say (the alert
# comes minutes to hours after the first solution, the magnitude at once).
ALERT_SEVERITY = {"green": "low", "yellow": "moderate", "orange": "high", "red": "critical"}
MAGNITUDE_SEVERITY = ((7.0, "critical"), (6.0, "high"), (5.0, "moderate"))  # else "low"
_SEVERITY_ORDER = ("low", "moderate", "high", "critical")

# Why a withdrawn event's incident was closed, kept in its description (the audit reason says
# it too). Not translated: it is stored data, read by every language's duty officer alike.
WITHDRAWN_NOTE = '[closed: the event was deleted by USGS (status "deleted")]'

# On an update the feed rewrites only what it owns; status, people affected and the reporter
# are the duty officers'.
FEED_FIELDS = (
    "time_utc",
    "incident_type",
    "severity",
    "description",
    "source",
    "external_id",
    "magnitude",
    "depth_km",
    "source_updated",
    "url",
)
EVENT_COLUMNS = (
    "event_id",
    "time",
    "updated",
    "magnitude",
    "mag_type",
    "place",
    "title",
    "mmi",
    "alert",
    "tsunami",
    "status",
    "url",
    "depth_km",
)


class FeedError(EocError):
    """A feed could not be read or understood; nothing was changed."""


# -- reading ---------------------------------------------------------------------------------


def summary_url(source: str | Path) -> str:
    """`source`, or the URL of the summary feed it names (`2.5_day`, `significant_week`, …)."""
    text = str(source)
    return SUMMARY_URL.format(name=text) if text in SUMMARY_FEEDS else text


def read_feed(source: str | Path, *, timeout_s: float = 10.0) -> dict[str, Any]:
    """The feed's GeoJSON from a file path or an http(s) URL (with a timeout)."""
    text = summary_url(source)
    try:
        if text.startswith(("http://", "https://")):
            with urllib.request.urlopen(text, timeout=timeout_s) as response:  # noqa: S310
                raw = response.read()
        else:
            raw = Path(text).read_bytes()
    except (OSError, urllib.error.URLError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
        raise FeedError(f"could not read the USGS feed from {text}: {reason}") from exc
    return decode_feed(raw, text)


def decode_feed(raw: bytes, source: str) -> dict[str, Any]:
    """A feed body (bytes as read) as GeoJSON, or FeedError naming `source`."""
    text = source
    try:
        feed = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"the USGS feed from {text} is not GeoJSON: {exc}") from exc
    if not isinstance(feed, dict) or feed.get("type") != "FeatureCollection":
        raise FeedError(f"the USGS feed from {text} is not a GeoJSON FeatureCollection")
    return feed


def parse_events(feed: Mapping[str, Any]) -> gpd.GeoDataFrame:
    """One row per event (the latest `updated` when an id repeats), columns EVENT_COLUMNS."""
    rows = []
    for number, feature in enumerate(feed.get("features") or [], start=1):
        try:
            props = feature.get("properties") or {}
            if props.get("status") == DELETED and not feature.get("geometry"):
                # A withdrawn event may come without its epicentre; it only closes what we hold.
                lon, lat, depth = float("nan"), float("nan"), None
            else:
                lon, lat, depth = (list(feature["geometry"]["coordinates"]) + [None])[:3]
            rows.append(
                {
                    "event_id": str(feature["id"]),
                    "time": _ms(props.get("time")),
                    "updated": _ms(props.get("updated")),
                    "magnitude": _number(props.get("mag")),
                    "mag_type": props.get("magType"),
                    "place": props.get("place"),
                    "title": props.get("title"),
                    "mmi": _number(props.get("mmi")),
                    "alert": props.get("alert"),
                    "tsunami": bool(props.get("tsunami") or 0),
                    "status": props.get("status"),
                    "url": props.get("url"),
                    "depth_km": _number(depth),
                    "geometry": shapely.Point(float(lon), float(lat)),
                }
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise FeedError(f"feature {number} of the USGS feed is malformed: {exc!r}") from exc
    events = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=[*EVENT_COLUMNS, "geometry"]), geometry="geometry", crs=4326
    )
    events = events.astype({"time": "datetime64[ms, UTC]", "updated": "datetime64[ms, UTC]"})
    events = events.sort_values(["event_id", "updated"], kind="stable", na_position="first")
    events = events.drop_duplicates("event_id", keep="last")
    return events.sort_values("time", kind="stable").reset_index(drop=True)


def filter_events(
    events: gpd.GeoDataFrame,
    *,
    bbox: tuple[float, float, float, float] = TAJIKISTAN_BBOX,
    min_magnitude: float = MIN_MAGNITUDE,
) -> gpd.GeoDataFrame:
    """Events with an epicentre in `bbox` (lon_min, lat_min, lon_max, lat_max), M ≥ min.

    Deleted events are kept wherever they are: they add nothing and only close an event the
    store already holds (which passed the filter when it came in).
    """
    lon_min, lat_min, lon_max, lat_max = bbox
    lon, lat = events.geometry.x, events.geometry.y
    inside = lon.between(lon_min, lon_max) & lat.between(lat_min, lat_max)
    strong = pd.to_numeric(events["magnitude"]).ge(min_magnitude).fillna(False)
    deleted = events["status"].eq(DELETED).fillna(False)
    keep = ((inside & strong) | deleted).to_numpy(dtype=bool)
    return events[keep].reset_index(drop=True)


def load_events(
    source: str | Path,
    *,
    bbox: tuple[float, float, float, float] = TAJIKISTAN_BBOX,
    min_magnitude: float = MIN_MAGNITUDE,
    timeout_s: float = 10.0,
) -> gpd.GeoDataFrame:
    """Read, parse and filter a feed in one call."""
    events = parse_events(read_feed(source, timeout_s=timeout_s))
    return filter_events(events, bbox=bbox, min_magnitude=min_magnitude)


# -- turning events into rows ----------------------------------------------------------------


def incident_severity(magnitude: float | None, alert: str | None) -> str:
    """The more severe of the PAGER alert's and the magnitude's severity."""
    by_alert = ALERT_SEVERITY.get(str(alert).lower(), "low") if alert else "low"
    by_magnitude = "low"
    if magnitude is not None and not pd.isna(magnitude):
        by_magnitude = next((s for m, s in MAGNITUDE_SEVERITY if magnitude >= m), "low")
    return max(by_alert, by_magnitude, key=_SEVERITY_ORDER.index)


def events_to_incidents(events: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Incidents rows (layers.get("incidents")) for `events`, typed like the store's.

    Region and district are left empty: the ingest places every new or moved incident
    from its location (eoc/feeds/ingest.py `placed`), as for a typed one."""
    spec = layers.get("incidents")
    rows = {
        "incident_id": [f"{ZONE_PREFIX}{e}" for e in events["event_id"]],
        "time_utc": events["time"].dt.floor("s"),
        "incident_type": "earthquake",
        "severity": [
            incident_severity(m, a)
            for m, a in zip(events["magnitude"], events["alert"], strict=True)
        ],
        "status": "reported",
        "people_affected": None,
        "description": [
            _description(t, p) for t, p in zip(events["title"], events["place"], strict=True)
        ],
        "reporter": REPORTER,
        "adm1_iso": None,
        "source": SOURCE,
        "external_id": events["event_id"].astype("string"),
        "magnitude": events["magnitude"],
        "depth_km": events["depth_km"],
        "source_updated": events["updated"].dt.floor("s"),
        "url": events["url"],
    }
    frame = gpd.GeoDataFrame(rows, geometry=events.geometry.to_numpy(), crs=4326)
    return layers.conform(frame, spec)


def event_zones(
    event: Mapping[str, Any],
    *,
    levels: Sequence[int] = DEFAULT_LEVELS,
    incident_id: str | None = None,
) -> gpd.GeoDataFrame:
    """Estimated MMI rings (hazard_zones rows) of one event row, their ids under the id of
    the incident that holds the event (`USGS-<id>` unless it joined another feed's)."""
    depth = event["depth_km"]
    return intensity_zones(
        event["geometry"].x,
        event["geometry"].y,
        0.0 if pd.isna(depth) else float(depth),
        float(event["magnitude"]),
        event_id=str(event["event_id"]),
        event_time=event["time"],
        levels=levels,
        title=_description(event["title"], event["place"]),
        zone_prefix=incident_id,
    )


# -- planning the edits ----------------------------------------------------------------------


def plan_feed_edits(
    events: gpd.GeoDataFrame,
    existing_incidents: gpd.GeoDataFrame,
    existing_zones: gpd.GeoDataFrame,
    *,
    levels: Sequence[int] = DEFAULT_LEVELS,
) -> tuple[list[Edit], list[Edit]]:
    """(incident edits, hazard zone edits) that bring the store up to date with `events`.

    A new event inserts its incident and its shaking zones — unless GDACS reported the same
    earthquake first (eoc/feeds/sources.py): then it joins that incident, which keeps its id,
    lists both sources and ids, and takes USGS's parameters and MMI rings (GDACS's own
    polygons for it are removed). An event whose `updated` is newer than the stored
    `source_updated` updates the incident's feed fields (not its status or people affected)
    and re-draws its zones: changed rings updated, new ones inserted, rings that disappeared
    deleted. An event the store already holds at that version plans nothing, so planning
    twice in a row gives no edits the second time.
    """
    incidents = existing_incidents
    stored = {str(row["incident_id"]): row for _i, row in incidents.iterrows()}
    stored_zones = _stored_zone_ids(existing_zones)
    withdrawn = events["status"].eq(DELETED).fillna(False).to_numpy(dtype=bool)
    incident_edits, zone_edits = _withdrawal_edits(events[withdrawn], incidents, stored_zones)
    events = events[~withdrawn].reset_index(drop=True)
    rows = events_to_incidents(events)
    spec = layers.get("incidents")
    for position, incident in enumerate(rows.itertuples(index=False)):
        row = incident._asdict()
        event = events.iloc[position]
        event_id = str(event["event_id"])
        incident_id = sources.holder(incidents, SOURCE, event_id, prefix=ZONE_PREFIX)
        joined = False
        if incident_id is None:
            twin = sources.find_twin(
                incidents,
                other=OTHER_SOURCE,
                own=SOURCE,
                at=event["time"],
                location=event.geometry,
            )
            if twin is not None:
                incident_id, joined = str(twin["incident_id"]), True
        if incident_id is None:  # a new event
            incident_id = row["incident_id"]
            changes = {n: _plain(row[n]) for n in spec.field_names if n != spec.id_field}
            incident_edits.append(
                Edit(incident_id, changes | {"geometry": row["geometry"]}, op="insert")
            )
        else:
            held = stored[incident_id]
            before = _stamp(held["source_updated"])
            updated = row["source_updated"]
            if not joined and before is not None and (pd.isna(updated) or updated <= before):
                continue
            changes = {name: _plain(row[name]) for name in FEED_FIELDS}
            changes["geometry"] = row["geometry"]
            # The other feed that reported the same event stays listed, with its id.
            changes["source"], changes["external_id"] = sources.with_source(
                held["source"], held["external_id"], SOURCE, event_id
            )
            incident_edits.append(
                Edit(incident_id, changes, expected={"source_updated": _plain(before)})
            )
        zone_edits.extend(_zone_edits(event, stored_zones, levels, incident_id, replace=joined))
    return incident_edits, zone_edits


def _withdrawal_edits(
    deleted: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame, stored_zones: set[str]
) -> tuple[list[Edit], list[Edit]]:
    """Close the held incidents of withdrawn events (saying why) and remove their zones.

    A withdrawn event the store never held plans nothing; one already closed at this
    `updated` plans nothing either.
    """
    incident_edits: list[Edit] = []
    zone_edits: list[Edit] = []
    for event in deleted.itertuples(index=False):
        incident_id = sources.holder(incidents, SOURCE, str(event.event_id), prefix=ZONE_PREFIX)
        if incident_id is None:
            continue
        held = incidents[incidents["incident_id"].astype(str) == incident_id].iloc[0]
        before = _stamp(held["source_updated"])
        updated = pd.Timestamp(event.updated).floor("s") if not pd.isna(event.updated) else None
        if before is not None and (updated is None or updated <= before):
            continue
        description = "" if pd.isna(held["description"]) else str(held["description"] or "")
        note = WITHDRAWN_NOTE
        changes = {
            "status": "closed",
            "source_updated": _plain(updated),
            "description": description if note in description else f"{description} {note}".strip(),
        }
        incident_edits.append(
            Edit(incident_id, changes, expected={"source_updated": _plain(before)})
        )
        prefix = f"{incident_id}-MMI"
        zone_edits.extend(
            Edit(zone_id, op="delete")
            for zone_id in sorted(stored_zones)
            if zone_id.startswith(prefix)
        )
    return incident_edits, zone_edits


def _zone_edits(
    event: pd.Series,
    stored_zones: set[str],
    levels: Sequence[int],
    incident_id: str,
    *,
    replace: bool = False,
) -> list[Edit]:
    """The event's MMI rings under `incident_id`; `replace`: the incident's other zones (the
    polygons of the feed it joined) are removed."""
    own = f"{incident_id}-MMI"
    zones = event_zones(event, levels=levels, incident_id=incident_id)
    spec = layers.get("hazard_zones")
    edits = []
    drawn = set()
    for zone in zones.itertuples(index=False):
        row = zone._asdict()
        zone_id = row["zone_id"]
        drawn.add(zone_id)
        changes = {name: _plain(row[name]) for name in spec.field_names if name != spec.id_field}
        changes["geometry"] = row["geometry"]
        edits.append(Edit(zone_id, changes, op="update" if zone_id in stored_zones else "insert"))
    prefix = f"{incident_id}-" if replace else own
    gone = sorted(z for z in stored_zones if z.startswith(prefix) and z not in drawn)
    edits.extend(Edit(zone_id, op="delete") for zone_id in gone)
    return edits


# -- helpers ---------------------------------------------------------------------------------


def _stamp(value: object) -> pd.Timestamp | None:
    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.floor("s")


def _stored_zone_ids(zones: gpd.GeoDataFrame | None) -> set[str]:
    if zones is None or zones.empty:
        return set()
    return {str(z) for z in zones["zone_id"]}


def _description(title: object, place: object) -> str | None:
    for text in (title, place):
        if isinstance(text, str) and text.strip():
            return text.strip()
    return None


def _ms(value: object) -> pd.Timestamp | None:
    if value is None:
        return None
    return pd.Timestamp(int(value), unit="ms", tz="UTC")


def _number(value: object) -> float:
    return float("nan") if value is None else float(value)


def _plain(value: object) -> object:
    """A value as an Edit carries it: None for missing, Python scalars otherwise."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value
