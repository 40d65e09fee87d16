"""The headline figures of the operations picture at one moment ("now" is an argument).

Internal figures: protection shelters (sensitive sites) count like every other site here;
public pages compute their own figures from the redacted layers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from eoc.analysis.active import AnalysisInputError, active_at, as_utc, require_fields

OCCUPIED_SITE_STATUSES = ("open", "closing")  # sites where people are staying
SEVERE_INCIDENTS = ("high", "critical")
NEW_INCIDENT_HOURS = 24.0


@dataclass(frozen=True)
class Kpis:
    """Headline figures as of `as_of` (UTC)."""

    as_of: datetime
    people_in_sites: int
    open_sites: int
    sites_over_capacity: int
    active_hazard_zones: int
    closed_checkpoints: int
    restricted_checkpoints: int
    projects_in_hazard_zones: int
    new_severe_incidents: int
    new_incident_hours: float


def compute_kpis(
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    now: datetime,
    new_incident_hours: float = NEW_INCIDENT_HOURS,
) -> Kpis:
    """The headline figures from the operational layers in `frames` (keyed by layer name)."""
    moment = as_utc(now)
    sites = frames["displacement_sites"]
    zones = active_hazard_zones(frames["hazard_zones"], at=moment)
    checkpoints = frames["border_checkpoints"]
    return Kpis(
        as_of=moment.to_pydatetime(),
        people_in_sites=people_in_sites(sites),
        open_sites=open_sites(sites),
        sites_over_capacity=len(sites_over_capacity(sites)),
        active_hazard_zones=len(zones),
        closed_checkpoints=checkpoints_with_status(checkpoints, "closed"),
        restricted_checkpoints=checkpoints_with_status(checkpoints, "restricted"),
        projects_in_hazard_zones=len(points_in_zones(frames["infrastructure_projects"], zones)),
        new_severe_incidents=len(
            new_severe_incidents(frames["incidents"], now=moment, hours=new_incident_hours)
        ),
        new_incident_hours=new_incident_hours,
    )


def _occupied(sites: pd.DataFrame) -> pd.Series:
    require_fields(sites, ("status",))
    return sites["status"].isin(OCCUPIED_SITE_STATUSES).fillna(False).astype(bool)


def people_in_sites(sites: pd.DataFrame) -> int:
    """Individuals staying in open or closing sites (missing counts as none)."""
    require_fields(sites, ("individuals",))
    people = pd.to_numeric(sites.loc[_occupied(sites), "individuals"]).fillna(0)
    return int(people.sum())


def open_sites(sites: pd.DataFrame) -> int:
    require_fields(sites, ("status",))
    return int((sites["status"] == "open").fillna(False).sum())


def sites_over_capacity(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Open or closing sites holding more people than their capacity."""
    require_fields(sites, ("individuals", "capacity"))
    people = pd.to_numeric(sites["individuals"])
    capacity = pd.to_numeric(sites["capacity"])
    over = (people > capacity).fillna(False).astype(bool) & _occupied(sites)
    return sites[over.to_numpy(dtype=bool)].copy()


def active_hazard_zones(zones: gpd.GeoDataFrame, *, at: datetime) -> gpd.GeoDataFrame:
    """Zones in force at `at` (one rule for the whole app: eoc.analysis.active)."""
    return active_at(zones, at)


def checkpoints_with_status(checkpoints: pd.DataFrame, status: str) -> int:
    require_fields(checkpoints, ("status",))
    return int((checkpoints["status"] == status).fillna(False).sum())


def points_in_zones(points: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The points inside (or on the edge of) at least one zone; each point once.

    The tree is built on the many points and queried by the few zones (TECH-NOTES).
    """
    if points.crs != zones.crs:
        raise AnalysisInputError(
            f"the points are in {points.crs} but the zones in {zones.crs}: "
            "bring both to the same CRS first"
        )
    if points.empty or zones.empty:
        return points.iloc[0:0].copy()
    tree = shapely.STRtree(np.asarray(points.geometry.array, dtype=object))
    pairs = tree.query(np.asarray(zones.geometry.array, dtype=object), predicate="intersects")
    inside = np.unique(pairs[1])
    return points.iloc[inside].copy()


def new_severe_incidents(
    incidents: gpd.GeoDataFrame, *, now: datetime, hours: float = NEW_INCIDENT_HOURS
) -> gpd.GeoDataFrame:
    """High and critical incidents, not closed, that happened in the `hours` before `now`.

    Newest first. Incidents dated after `now` (a replay of an earlier moment) are left out.
    """
    require_fields(incidents, ("time_utc", "severity", "status"))
    moment = as_utc(now)
    times = pd.to_datetime(incidents["time_utc"], utc=True, format="ISO8601")
    recent = (times > moment - timedelta(hours=hours)) & (times <= moment)
    severe = incidents["severity"].isin(SEVERE_INCIDENTS) & (incidents["status"] != "closed")
    mask = (recent & severe).fillna(False).to_numpy(dtype=bool)
    newest_first = np.argsort(times.to_numpy()[mask], kind="stable")[::-1]
    return incidents[mask].iloc[newest_first].copy()


def is_stale(data_time: datetime | None, *, now: datetime, stale_after_min: float) -> bool:
    """Whether data last written at `data_time` is too old at `now` (unknown time: stale)."""
    if data_time is None:
        return True
    return as_utc(now) - as_utc(data_time) > timedelta(minutes=stale_after_min)
