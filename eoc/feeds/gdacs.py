"""GDACS multi-hazard alerts (events API, GeoJSON) turned into incidents and hazard zones.

GDACS, the Global Disaster Alert and Coordination System of the UN and the European
Commission, publishes its events list at
https://www.gdacs.org/gdacsapi/api/events/geteventlist/... as a GeoJSON FeatureCollection. Each
feature's properties carry `eventtype` (EQ, TC, FL, VO, DR, WF), `eventid`, `episodeid`,
`name`, `alertlevel` (Green/Orange/Red), `alertscore`, `severitydata`, `fromdate`, `todate`,
`datemodified`, `country`, `iso3`, `affectedcountries` and `url{geometry, report, details}`;
an event's polygons come from `polygons/getgeometry?eventtype=…&eventid=…&episodeid=…` (the
`url.geometry` link), or are the feature's own geometry.

Everything here is pure: the caller reads the feed and any geometry responses and passes them
in; `plan_gdacs_edits` returns the edits that bring the store up to date and plans nothing
when run again on the same feed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

import layers
from eoc.feeds import sources
from eoc.feeds.usgs import SOURCE as USGS_SOURCE
from eoc.feeds.usgs import FeedError, _plain
from eoc.store.edits import Edit

SOURCE = "GDACS"
REPORTER = "GDACS feed"
PREFIX = "GDACS-"
TAJIKISTAN_ISO3 = "TJK"
# An event outside Tajikistan still matters when it is this close to the border (a flood on
# the Panj/Amu Darya seen from Afghanistan, an earthquake in the Alay valley).
BORDER_BUFFER_KM = 100.0
METRIC_CRS = "EPSG:32642"  # UTM 42N, as eoc/analysis works in

# GDACS alert levels (https://www.gdacs.org/Knowledge/overview.aspx, "Alert levels"): Green —
# no need for international assistance expected; Orange — the event may need international
# assistance; Red — international assistance is likely needed. On the EOC's four-step
# incident scale Green is a local (low) event, Orange high and Red critical; zones use the
# hazard layer's own scale.
ALERT_SEVERITY = {"green": "low", "orange": "high", "red": "critical"}
ALERT_ZONE_SEVERITY = {"green": "low", "orange": "high", "red": "very_high"}
# What each GDACS event type is on the incidents layer, and the hazard of its zones. Floods,
# earthquakes, wildfires (GDACS's burnt-area polygons, from GWIS) and droughts (GDACS's
# drought-area polygons, from the JRC's drought observatory) come with their polygons: the
# feature's own or its geometry link. An event without polygons gets no zone: GDACS gives no
# radius for them and we do not invent one (an earthquake's rings come from USGS).
# Tropical cyclones and volcanoes stay `other`, without zones: Tajikistan is landlocked,
# far from any cyclone basin (the Arabian Sea coast is about 1,300 km away) and has no
# Holocene volcano (Smithsonian GVP), so such an event only comes in if GDACS lists Tajikistan
# among its affected countries, and is shown as GDACS describes it.
INCIDENT_TYPE = {
    "EQ": "earthquake",
    "FL": "flood",
    "TC": "other",
    "DR": "drought",
    "VO": "other",
    "WF": "wildfire",
}
ZONE_HAZARD = {"EQ": "earthquake", "FL": "flood", "WF": "wildfire", "DR": "drought"}
EVENT_NAMES = {
    "EQ": "earthquake",
    "FL": "flood",
    "TC": "tropical cyclone",
    "DR": "drought",
    "VO": "volcano",
    "WF": "wildfire",
}
FEED_FIELDS = (
    "time_utc",
    "incident_type",
    "severity",
    "description",
    "external_id",
    "magnitude",
    "source_updated",
    "url",
)


@dataclass(frozen=True)
class GdacsEvent:
    """One GDACS event at its latest episode."""

    event_type: str
    event_id: str
    episode_id: str
    name: str
    alert_level: str
    alert_score: float | None
    severity_text: str | None
    magnitude: float | None
    from_date: pd.Timestamp
    to_date: pd.Timestamp | None
    modified: pd.Timestamp
    countries: frozenset[str]
    geometry: Any  # the feature's own geometry (a point or polygons)
    report_url: str | None
    geometry_url: str | None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.event_type}-{self.event_id}"

    @property
    def incident_id(self) -> str:
        return f"{PREFIX}{self.key}"

    @property
    def point(self) -> shapely.Point:
        geometry = self.geometry
        return geometry if geometry.geom_type == "Point" else geometry.representative_point()

    @property
    def polygons(self) -> list[shapely.Geometry]:
        return _polygon_parts(self.geometry)


def decode_gdacs(raw: bytes, source: str) -> dict[str, Any]:
    """A GDACS response body as GeoJSON, or FeedError naming `source`."""
    try:
        feed = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"the GDACS feed from {source} is not GeoJSON: {exc}") from exc
    if not isinstance(feed, dict) or feed.get("type") != "FeatureCollection":
        raise FeedError(f"the GDACS feed from {source} is not a GeoJSON FeatureCollection")
    return feed


def parse_gdacs(feed: Mapping[str, Any]) -> list[GdacsEvent]:
    """Every event of the feed, one per event (its latest episode), in feed order."""
    events: dict[str, GdacsEvent] = {}
    for number, feature in enumerate(feed.get("features") or [], start=1):
        try:
            event = _event(feature)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise FeedError(f"feature {number} of the GDACS feed is malformed: {exc!r}") from exc
        held = events.get(event.key)
        if held is None or (event.modified, _int(event.episode_id)) > (
            held.modified,
            _int(held.episode_id),
        ):
            events[event.key] = event
    return list(events.values())


def _event(feature: Mapping[str, Any]) -> GdacsEvent:
    props = feature["properties"]
    event_type = str(props["eventtype"]).upper()
    if event_type not in INCIDENT_TYPE:
        raise ValueError(f"eventtype {event_type!r} is not one of {sorted(INCIDENT_TYPE)}")
    severity = props.get("severitydata") or {}
    unit = str(severity.get("severityunit") or "")
    magnitude = None
    if event_type == "EQ" and severity.get("severity") is not None and unit.upper() == "M":
        magnitude = float(severity["severity"])
    countries = {str(c.get("iso3") or "").upper() for c in props.get("affectedcountries") or []}
    countries.add(str(props.get("iso3") or "").upper())
    urls = props.get("url") or {}
    geometry = shapely.geometry.shape(feature["geometry"])
    if geometry.is_empty:
        raise ValueError("the geometry is empty")
    return GdacsEvent(
        event_type=event_type,
        event_id=str(props["eventid"]),
        episode_id=str(props.get("episodeid") or ""),
        name=str(props.get("name") or props.get("eventname") or "").strip(),
        alert_level=str(props["alertlevel"]).lower(),
        alert_score=None if props.get("alertscore") is None else float(props["alertscore"]),
        severity_text=severity.get("severitytext"),
        magnitude=magnitude,
        from_date=_time(props["fromdate"], "fromdate"),
        to_date=_time(props["todate"], "todate") if props.get("todate") else None,
        modified=_time(props.get("datemodified") or props["fromdate"], "datemodified"),
        countries=frozenset(countries - {""}),
        geometry=geometry,
        report_url=urls.get("report") or urls.get("details"),
        geometry_url=urls.get("geometry"),
    )


def events_near(
    events: list[GdacsEvent],
    country: gpd.GeoDataFrame,
    *,
    buffer_km: float = BORDER_BUFFER_KM,
) -> list[GdacsEvent]:
    """Events affecting Tajikistan, or whose geometry comes within `buffer_km` of its border."""
    if not events:
        return []
    area = country.to_crs(METRIC_CRS).geometry.union_all().buffer(buffer_km * 1000.0)
    shapes = gpd.GeoSeries([e.geometry for e in events], crs=4326).to_crs(METRIC_CRS)
    near = shapes.intersects(area).to_numpy()
    return [
        e for e, close in zip(events, near, strict=True) if close or TAJIKISTAN_ISO3 in e.countries
    ]


def polygons_from_response(response: Mapping[str, Any]) -> list[shapely.Geometry]:
    """The polygons of a getgeometry response (a FeatureCollection of polygons and points)."""
    parts: list[shapely.Geometry] = []
    for feature in response.get("features") or []:
        if feature.get("geometry"):
            parts.extend(_polygon_parts(shapely.geometry.shape(feature["geometry"])))
    return parts


# -- planning ---------------------------------------------------------------------------------


def plan_gdacs_edits(
    events: list[GdacsEvent],
    existing_incidents: gpd.GeoDataFrame,
    existing_zones: gpd.GeoDataFrame,
    *,
    polygons: Mapping[str, list[shapely.Geometry]] | None = None,
) -> tuple[list[Edit], list[Edit]]:
    """(incident edits, hazard zone edits) for `events` already narrowed to the area.

    A new event inserts its incident and zones; a newer `datemodified` (a new episode) updates
    the incident's feed fields and redraws its zones; an earthquake the store holds from USGS
    (eoc/feeds/sources.py: same origin within MATCH_MINUTES and MATCH_KM) lists "GDACS" and its
    id instead of a second incident, and so does one of ours that USGS has joined since.
    `polygons` maps an event key to polygons fetched from its geometry link.
    """
    polygons = polygons or {}
    stored = _by_id(existing_incidents)
    zone_ids = {str(z) for z in existing_zones["zone_id"] if str(z).startswith(PREFIX)}
    incident_edits: list[Edit] = []
    zone_edits: list[Edit] = []
    for event in events:
        if event.event_type == "EQ":
            owner = earthquake_holder(event, existing_incidents)
            # A USGS incident, or ours that USGS joined: USGS's solution and rings stand, and
            # only our id (episode) is kept current.
            if owner is not None and (
                str(owner["incident_id"]) != event.incident_id
                or USGS_SOURCE in sources.names(owner["source"])
            ):
                incident_edits.extend(_listed_as_source(owner, event))
                continue
        held = stored.get(event.incident_id)
        row = _incident_row(event)
        if held is None:
            incident_edits.append(Edit(event.incident_id, row, op="insert"))
        else:
            before = (
                pd.Timestamp(held["source_updated"])
                if not pd.isna(held["source_updated"])
                else None
            )
            if before is not None and row["source_updated"] <= before:
                continue
            changes = {name: row[name] for name in FEED_FIELDS} | {"geometry": row["geometry"]}
            incident_edits.append(
                Edit(event.incident_id, changes, expected={"source_updated": _plain(before)})
            )
        parts = event.polygons or list(polygons.get(event.key, []))
        zone_edits.extend(_zone_edits(event, parts, zone_ids))
    return incident_edits, zone_edits


def earthquake_holder(event: GdacsEvent, incidents: gpd.GeoDataFrame) -> pd.Series | None:
    """The incident that holds this GDACS earthquake: ours, one listing its id, or the USGS
    incident of the same event (eoc/feeds/sources.py) it is to join; None for a new one."""
    if incidents.empty:
        return None
    incident_id = sources.holder(incidents, SOURCE, event.key, prefix=PREFIX)
    if incident_id is not None:
        return incidents[incidents["incident_id"].astype(str) == incident_id].iloc[0]
    return sources.find_twin(
        incidents, other=USGS_SOURCE, own=SOURCE, at=event.from_date, location=event.point
    )


def alert_levels(events: list[GdacsEvent], incidents: gpd.GeoDataFrame) -> dict[str, str]:
    """Each event's alert level by the incident that holds it (its own, or its USGS twin)."""
    levels = {}
    for event in events:
        levels[event.incident_id] = event.alert_level
        owner = earthquake_holder(event, incidents) if event.event_type == "EQ" else None
        if owner is not None:
            levels[str(owner["incident_id"])] = event.alert_level
    return levels


def _listed_as_source(owner: pd.Series, event: GdacsEvent) -> list[Edit]:
    """ "GDACS" and this event's id (episode) listed on `owner`, if not already."""
    source, external_id = sources.with_source(
        owner["source"], owner["external_id"], SOURCE, _external_id(event)
    )
    if (source, external_id) == (str(owner["source"]), str(owner["external_id"])):
        return []
    return [Edit(str(owner["incident_id"]), {"source": source, "external_id": external_id})]


def _external_id(event: GdacsEvent) -> str:
    return f"{event.key}/{event.episode_id}" if event.episode_id else event.key


def _incident_row(event: GdacsEvent) -> dict[str, object]:
    kind = EVENT_NAMES[event.event_type]
    episode = f", episode {event.episode_id}" if event.episode_id else ""
    detail = f" ({event.severity_text})" if event.severity_text else ""
    description = f"GDACS {event.alert_level.title()} {kind} alert: {event.name}{detail}{episode}"
    return {
        "time_utc": event.from_date.floor("s").to_pydatetime(),
        "incident_type": INCIDENT_TYPE[event.event_type],
        "severity": ALERT_SEVERITY.get(event.alert_level, "low"),
        "status": "reported",
        "people_affected": None,
        "description": description[: layers.get("incidents").field("description").max_length],
        "reporter": REPORTER,
        "adm1_iso": None,
        "source": SOURCE,
        "external_id": _external_id(event),
        "magnitude": event.magnitude,
        "depth_km": None,
        "source_updated": event.modified.floor("s"),
        "url": event.report_url,
        "geometry": event.point,
    }


def _zone_edits(event: GdacsEvent, parts: list[shapely.Geometry], held: set[str]) -> list[Edit]:
    hazard = ZONE_HAZARD.get(event.event_type)
    prefix = f"{PREFIX}{event.key}-"
    edits: list[Edit] = []
    drawn: set[str] = set()
    if hazard is not None:
        for number, polygon in enumerate(parts, start=1):
            zone_id = f"{prefix}{number}"
            drawn.add(zone_id)
            changes = {
                "name": f"GDACS {EVENT_NAMES[event.event_type]}: {event.name}"[:200],
                "hazard_type": hazard,
                "severity": ALERT_ZONE_SEVERITY.get(event.alert_level, "low"),
                "mmi": None,
                "source": SOURCE,
                "valid_from": event.from_date.floor("s").to_pydatetime(),
                "valid_to": _valid_to(event),
                "adm1_iso": None,
                "geometry": shapely.set_precision(polygon, 1e-6),
            }
            edits.append(Edit(zone_id, changes, op="update" if zone_id in held else "insert"))
    gone = sorted(z for z in held if z.startswith(prefix) and z not in drawn)
    edits.extend(Edit(zone_id, op="delete") for zone_id in gone)
    return edits


# -- helpers ----------------------------------------------------------------------------------


def _valid_to(event: GdacsEvent):
    """When the event's zones stop: its `todate`; none when GDACS gives no end after the start
    (an earthquake's `todate` is its origin time, and its shaking zone stays in force)."""
    if event.to_date is None or event.to_date <= event.from_date:
        return None
    return event.to_date.floor("s").to_pydatetime()


def _by_id(incidents: gpd.GeoDataFrame) -> dict[str, pd.Series]:
    gdacs = incidents[incidents["incident_id"].astype(str).str.startswith(PREFIX)]
    return {str(row["incident_id"]): row for _i, row in gdacs.iterrows()}


def _polygon_parts(geometry: shapely.Geometry) -> list[shapely.Geometry]:
    if geometry is None or geometry.is_empty:
        return []
    if geometry.geom_type == "Polygon":
        return [geometry]
    if geometry.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [p for g in geometry.geoms for p in _polygon_parts(g)]
    return []


def _time(value: object, name: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(str(value))
    except ValueError as exc:
        raise ValueError(f"{name} {value!r} is not a time") from exc
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _int(text: str) -> int:
    return int(text) if text.isdigit() else -1
