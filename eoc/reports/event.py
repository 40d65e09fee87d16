"""Which hazard zones belong to an event, and where an event is relative to a known place.

Event zones, decided:
1. Zones drawn from the event by the USGS feed: their id starts with the incident id and a
   dash ("USGS-us7000tjm1" → "USGS-us7000tjm1-MMI7").
2. Otherwise (an incident logged by a duty officer, like the seed's "INC-20261121-003"): zones
   of the incident's hazard type that came into force within EVENT_WINDOW_H hours of the
   incident and lie within EVENT_RADIUS_KM of it — the zones drawn for that event, not the
   seasonal ones that were there before it.
Only zones in force at the report time count in either case.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from eoc.analysis.active import CLOSED, as_utc
from eoc.analysis.exposure import METRIC_CRS
from eoc.errors import NotFoundError
from eoc.i18n import N_, _
from eoc.reports.model import Event, Spelling
from eoc.reports.tables import spelling
from layers.hazard_zones import HAZARD_TYPES

EVENT_WINDOW_H = 24.0
EVENT_RADIUS_KM = 50.0
AT_PLACE_KM = 2.0  # nearer than this, an event is "at" the place
INCIDENT_SEVERITY_ORDER = ("low", "moderate", "high", "critical")
# Eight compass points, clockwise from north (msgids: the report translates them).
DIRECTIONS = (N_("N"), N_("NE"), N_("E"), N_("SE"), N_("S"), N_("SW"), N_("W"), N_("NW"))


def find_incident(incidents: gpd.GeoDataFrame, incident_id: str) -> pd.Series:
    """The incident row `incident_id`, or a NotFoundError that says what to pass."""
    match = incidents[incidents["incident_id"].astype(str) == str(incident_id)]
    if match.empty:
        raise NotFoundError(
            _("no incident {id} in the store; pass an incident id such as {example}").format(
                id=incident_id,
                example=", ".join(incidents["incident_id"].astype(str).head(3)),
            )
        )
    return match.iloc[0]


def event_zones(incident: pd.Series, zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The zones (of `zones`, already cut to those in force) that belong to `incident`."""
    ids = zones["zone_id"].astype(str)
    own = zones[ids.str.startswith(f"{incident['incident_id']}-").to_numpy(dtype=bool)]
    if not own.empty:
        return own
    same_hazard = zones["hazard_type"].astype(str) == str(incident["incident_type"])
    starts = pd.to_datetime(zones["valid_from"], utc=True)
    moment = as_utc(incident["time_utc"])
    window = pd.Timedelta(hours=EVENT_WINDOW_H)
    recent = (starts - moment).abs() <= window
    candidates = zones[(same_hazard & recent).to_numpy(dtype=bool)]
    if candidates.empty:
        return candidates
    point = gpd.GeoSeries([incident.geometry], crs=zones.crs).to_crs(METRIC_CRS).iloc[0]
    distance_m = candidates.to_crs(METRIC_CRS).distance(point)
    return candidates[(distance_m <= EVENT_RADIUS_KM * 1000).to_numpy(dtype=bool)]


def lead_incident(incidents: gpd.GeoDataFrame, as_of) -> pd.Series | None:
    """The open hazard incident a country report leads with: most severe, then latest."""
    moment = as_utc(as_of)
    times = pd.to_datetime(incidents["time_utc"], utc=True)
    status = incidents["status"].astype("string").str.lower().fillna("")
    usable = (
        incidents["incident_type"].isin(HAZARD_TYPES) & (times <= moment) & (status != CLOSED)
    ).to_numpy(dtype=bool)
    if not usable.any():
        # (Checked first: assigning columns to an empty frame takes the columns' index and
        # made up a row of missing values, which crashed a report before the first incident.)
        return None
    candidates = incidents[usable].assign(
        _rank=incidents["severity"].map(INCIDENT_SEVERITY_ORDER.index).fillna(-1)[usable],
        _time=times[usable],
    )
    best = candidates.sort_values(["_rank", "_time"], ascending=False, kind="stable").iloc[0]
    return best.drop(["_rank", "_time"])


def describe_event(incident: pd.Series, zones: gpd.GeoDataFrame, places: gpd.GeoDataFrame) -> Event:
    """The model's Event: the incident, its zones and its bearing from the nearest place."""
    point = incident.geometry
    distance_km, direction, place = relative_location(point, places)
    magnitude = incident.get("magnitude")
    return Event(
        incident_id=str(incident["incident_id"]),
        incident_type=str(incident["incident_type"]),
        time=as_utc(incident["time_utc"]).to_pydatetime(),
        description=None if pd.isna(incident.get("description")) else incident["description"],
        magnitude=None if magnitude is None or pd.isna(magnitude) else float(magnitude),
        lon=float(point.x),
        lat=float(point.y),
        distance_km=distance_km,
        direction=direction,
        near_place=place,
        zone_ids=tuple(sorted(zones["zone_id"].astype(str))),
    )


def relative_location(
    point: shapely.Point, places: gpd.GeoDataFrame
) -> tuple[float | None, str | None, Spelling | None]:
    """(km, compass point, place name in each language) from the nearest populated place.

    The distance is measured in EPSG:32642; within AT_PLACE_KM the direction is None.
    """
    if places.empty or point is None:
        return None, None, None
    metric = places.to_crs(METRIC_CRS)
    target = gpd.GeoSeries([point], crs=places.crs).to_crs(METRIC_CRS).iloc[0]
    tree = shapely.STRtree(np.asarray(metric.geometry.array, dtype=object))
    index = int(tree.nearest(target))
    origin = metric.geometry.iloc[index]
    distance_km = float(origin.distance(target)) / 1000.0
    place = next(places.iloc[[index]].itertuples(index=False))
    name = spelling(place)
    if distance_km < AT_PLACE_KM:
        return distance_km, None, name
    bearing = math.degrees(math.atan2(target.x - origin.x, target.y - origin.y)) % 360
    direction = DIRECTIONS[int((bearing + 22.5) // 45) % 8]
    return distance_km, direction, name
