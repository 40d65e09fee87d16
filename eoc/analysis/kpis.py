"""The headline figures of the operations picture at one moment ("now" is an argument).

Each figure is defined here once and every screen (`/`, `/wall`, `/capacity`) and the sitrep
use these functions, so one situation gives one number everywhere. "Over capacity" uses the
binding capacity of `eoc.analysis.capacity` (the lower of the Sphere space standards and the
declared capacity); the count against the declared capacity alone is kept beside it.
"Residents exposed" counts the people of the population grid (or, without one, of the
populated places) inside the zones in force, each person once (`resident_exposure`).

Internal figures: protection shelters (sensitive sites) count like every other site here.
Public pages use `compute_public_kpis` on the public view (`eoc.publish.public_layers`):
the same functions on sites without the shelters and with people rounded, so a public figure
is what the public map itself shows and never tells a shelter apart.
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
from eoc.analysis.capacity import OCCUPIED_SITE_STATUSES, CapacityRules, site_capacity
from eoc.analysis.exposure import empty_exposure, exposed_features
from eoc.analysis.population import grid_exposure

SEVERE_INCIDENTS = ("high", "critical")
CLOSED_INCIDENT = "closed"  # a closed incident (resolved, or a duplicate) is counted nowhere
NEW_INCIDENT_HOURS = 24.0
PLACES_LAYER = "places"  # residents from the populated places when no grid is held


@dataclass(frozen=True)
class Kpis:
    """Headline figures as of `as_of` (UTC)."""

    as_of: datetime
    people_in_sites: int
    open_sites: int
    sites_over_capacity: int  # against the binding (Sphere and declared) capacity
    sites_over_declared_capacity: int
    active_hazard_zones: int
    closed_checkpoints: int
    restricted_checkpoints: int
    projects_in_hazard_zones: int
    new_severe_incidents: int
    new_incident_hours: float
    residents_exposed: int | None = None  # None: not computed (no residents rows given)


def compute_kpis(
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    now: datetime,
    rules: CapacityRules,
    new_incident_hours: float = NEW_INCIDENT_HOURS,
    residents: pd.DataFrame | None = None,
) -> Kpis:
    """The headline figures from the operational layers in `frames` (keyed by layer name).

    For a region, pass frames already cut to it (`eoc.analysis.regions.features_in_region`).
    `residents` are the rows of `resident_exposure` for the zones in force at `now` (for a
    region, cut by `exposure_in_region`); without them `residents_exposed` is None.
    """
    moment = as_utc(now)
    sites = frames["displacement_sites"]
    zones = active_hazard_zones(frames["hazard_zones"], at=moment)
    checkpoints = frames["border_checkpoints"]
    return Kpis(
        as_of=moment.to_pydatetime(),
        people_in_sites=people_in_sites(sites),
        open_sites=open_sites(sites),
        sites_over_capacity=len(sites_over_capacity(sites, rules=rules)),
        sites_over_declared_capacity=len(sites_over_declared_capacity(sites)),
        active_hazard_zones=len(zones),
        closed_checkpoints=checkpoints_with_status(checkpoints, "closed"),
        restricted_checkpoints=checkpoints_with_status(checkpoints, "restricted"),
        projects_in_hazard_zones=len(points_in_zones(frames["infrastructure_projects"], zones)),
        new_severe_incidents=len(
            new_severe_incidents(frames["incidents"], now=moment, hours=new_incident_hours)
        ),
        new_incident_hours=new_incident_hours,
        residents_exposed=None if residents is None else residents_exposed(residents),
    )


@dataclass(frozen=True)
class PublicKpis:
    """The headline figures a public page shows, from the public view of the layers.

    Not public: sites over capacity (the Sphere capacity needs the site areas, which are not
    published), incidents, and residents exposed (the grid is not a published layer).
    """

    as_of: datetime
    people_in_sites: int
    open_sites: int
    active_hazard_zones: int
    projects_in_hazard_zones: int
    closed_checkpoints: int
    restricted_checkpoints: int


def compute_public_kpis(public: Mapping[str, gpd.GeoDataFrame], *, now: datetime) -> PublicKpis:
    """The public figures from `public`, the public view of the published layers.

    A sites frame that still has its `sensitive` column is not a public view: it is refused
    rather than counted, so a protection shelter can never reach a public figure.
    """
    moment = as_utc(now)
    sites = public["displacement_sites"]
    if "sensitive" in sites.columns:
        raise AnalysisInputError(
            "the displacement sites still hold their sensitive flag: public figures are "
            "counted on the public view only (eoc.publish.public_layers)"
        )
    zones = active_hazard_zones(public["hazard_zones"], at=moment)
    checkpoints = public["border_checkpoints"]
    return PublicKpis(
        as_of=moment.to_pydatetime(),
        people_in_sites=people_in_sites(sites),
        open_sites=open_sites(sites),
        active_hazard_zones=len(zones),
        projects_in_hazard_zones=len(points_in_zones(public["infrastructure_projects"], zones)),
        closed_checkpoints=checkpoints_with_status(checkpoints, "closed"),
        restricted_checkpoints=checkpoints_with_status(checkpoints, "restricted"),
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


def sites_over_capacity(sites: gpd.GeoDataFrame, *, rules: CapacityRules) -> gpd.GeoDataFrame:
    """Open or closing sites holding more people than their binding capacity.

    The binding capacity is the lower of the space standards of `rules` and the declared
    capacity; a site without areas is checked against its declared capacity alone (the
    `over_capacity` column of `eoc.analysis.capacity.site_capacity`).
    """
    require_fields(sites, ("individuals", "capacity"))
    over = site_capacity(sites, rules=rules)["over_capacity"].fillna(False).astype(bool)
    return sites[(over & _occupied(sites)).to_numpy(dtype=bool)].copy()


def sites_over_declared_capacity(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Open or closing sites holding more people than their declared capacity."""
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


def counted_incidents(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The incidents every figure counts: all but the closed ones (resolved or duplicates)."""
    require_fields(incidents, ("status",))
    keep = (incidents["status"] != CLOSED_INCIDENT).fillna(True).to_numpy(dtype=bool)
    return incidents[keep]


def incidents_in_period(
    incidents: gpd.GeoDataFrame, *, start: datetime, end: datetime
) -> gpd.GeoDataFrame:
    """Counted incidents with a time after `start` and up to `end`."""
    require_fields(incidents, ("time_utc", "status"))
    counted = counted_incidents(incidents)
    times = pd.to_datetime(counted["time_utc"], utc=True, format="ISO8601")
    inside = ((times > as_utc(start)) & (times <= as_utc(end))).fillna(False)
    return counted[inside.to_numpy(dtype=bool)]


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
    recent = incidents_in_period(incidents, start=moment - timedelta(hours=hours), end=moment)
    severe = recent[recent["severity"].isin(SEVERE_INCIDENTS).fillna(False).to_numpy(bool)]
    times = pd.to_datetime(severe["time_utc"], utc=True, format="ISO8601")
    newest_first = np.argsort(times.to_numpy(), kind="stable")[::-1]
    return severe.iloc[newest_first].copy()


def resident_exposure(
    zones: gpd.GeoDataFrame,
    *,
    places: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    regions: gpd.GeoDataFrame | None = None,
    grid=None,
) -> pd.DataFrame:
    """Exposure rows (EXPOSURE_COLUMNS) of the residents of `zones`, one residents layer only.

    With a population grid (an open rasterio dataset, see `eoc.analysis.population`) the rows
    are its pieces cut by districts (layer POPULATION_LAYER); without one, the populated
    places inside the zones (layer PLACES_LAYER), which miss everybody outside the towns.
    """
    if zones.empty:
        return empty_exposure()
    if grid is not None:
        return grid_exposure(zones, grid, districts=districts)
    return exposed_features({PLACES_LAYER: places}, zones, regions=regions, districts=districts)


def residents_exposed(
    exposed: pd.DataFrame, *, layer: str | None = None, min_mmi: float | None = None
) -> int:
    """Residents in the zones of `exposed`, each person once: the rows of `layer` (a grid's
    pieces or the places; None: every row, as `resident_exposure` returns one layer),
    optionally only in earthquake zones of MMI ≥ `min_mmi`."""
    rows = exposed if layer is None else exposed[(exposed["layer"] == layer).to_numpy(bool)]
    if min_mmi is not None:
        mmi = pd.to_numeric(rows["mmi"]).astype("float64").fillna(-1.0)
        strong = (rows["hazard_type"] == "earthquake").to_numpy(bool) & (mmi >= min_mmi)
        rows = rows[strong.to_numpy(dtype=bool)]
    once = rows.drop_duplicates(["layer", "feature_id"])
    return int(pd.to_numeric(once["people"]).fillna(0).sum())


def exposure_in_region(exposed: pd.DataFrame, adm1_iso: str) -> pd.DataFrame:
    """The rows of `exposed` located in region `adm1_iso` (a grid piece or a place is in one
    region: pieces are cut by districts)."""
    return exposed[(exposed["adm1_iso"].astype("string") == adm1_iso).fillna(False).to_numpy(bool)]


def is_stale(data_time: datetime | None, *, now: datetime, stale_after_min: float) -> bool:
    """Whether data last written at `data_time` is too old at `now` (unknown time: stale)."""
    if data_time is None:
        return True
    return as_utc(now) - as_utc(data_time) > timedelta(minutes=stale_after_min)
