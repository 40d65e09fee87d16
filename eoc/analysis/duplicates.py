"""Likely duplicates of a new incident: the same event reported twice (two callers, two clicks).

A report is a likely duplicate of an open incident of the same type logged near it in space
and time. The defaults (2 km, 2 h) are the EOC's rule for asking the duty officer before a
second record is saved (issue 12); they are arguments, not a hidden threshold.
"""

from __future__ import annotations

from datetime import datetime

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from eoc.analysis.active import as_utc, require_fields
from eoc.analysis.kpis import counted_incidents
from eoc.analysis.regions import METRIC_CRS

DUPLICATE_RADIUS_KM = 2.0
DUPLICATE_WINDOW_H = 2.0


def likely_duplicates(
    incidents: gpd.GeoDataFrame,
    *,
    incident_type: str,
    location: Point,
    at: datetime,
    radius_km: float = DUPLICATE_RADIUS_KM,
    window_h: float = DUPLICATE_WINDOW_H,
) -> gpd.GeoDataFrame:
    """Open incidents of `incident_type` within `radius_km` of `location` (EPSG:4326) and
    `window_h` hours of `at` (before or after), nearest first.

    Adds `distance_km` and `minutes_apart` (signed: positive when the stored incident is
    older than `at`). Closed incidents are never duplicates (they are counted nowhere).
    """
    require_fields(incidents, ("incident_type", "status", "time_utc"))
    if incidents.empty:
        return incidents.assign(distance_km=pd.Series(dtype=float), minutes_apart=[])
    candidates = counted_incidents(incidents)
    candidates = candidates[(candidates["incident_type"] == incident_type).fillna(False)]
    times = pd.to_datetime(candidates["time_utc"], utc=True, format="ISO8601")
    minutes = (as_utc(at) - times).dt.total_seconds() / 60
    near_in_time = (minutes.abs() <= window_h * 60).fillna(False).to_numpy(bool)
    candidates, minutes = candidates[near_in_time], minutes[near_in_time]
    here = gpd.GeoSeries([location], crs=4326).to_crs(METRIC_CRS).iloc[0]
    distance_km = candidates.geometry.to_crs(METRIC_CRS).distance(here) / 1000
    out = candidates.assign(distance_km=distance_km, minutes_apart=minutes)
    out = out[(out["distance_km"] <= radius_km).fillna(False).to_numpy(bool)]
    return out.sort_values(["distance_km", "minutes_apart"], kind="stable")
