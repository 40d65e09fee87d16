"""The influx projection from what the store holds: registry, sites, checkpoints, roads, zones.

One function for the page, the wall and the sitrep, so all three show the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time

import geopandas as gpd
import pandas as pd

from eoc.analysis.active import active_at
from eoc.analysis.capacity import CapacityRules
from eoc.analysis.influx import (
    DEFAULT_MODEL,
    DEFAULT_RULE,
    NO_CHANGE,
    AssignmentRule,
    InfluxError,
    InfluxModel,
    InfluxProjection,
    WhatIf,
    project_influx,
)
from eoc.analysis.road_graph import road_graph_for
from eoc.i18n import N_, _

LAYERS = ("displacement_sites", "border_checkpoints", "roads", "hazard_zones", "regions")
# How the projection is made, in one note (under the page's table and in the sitrep).
METHOD_NOTE = N_(
    "From the arrivals of {categories} in the 14 days to {day}: a Poisson rate with its "
    "Gamma-Poisson 80 % range; arrivals go to the nearest open site by road outside "
    "hazard zones, up to 90 % of its Sphere capacity. — means not within a year."
)


def last_day(counts: pd.DataFrame) -> date | None:
    """The newest day in the registry: the projection starts the day after."""
    if counts.empty:
        return None
    return pd.to_datetime(counts["day"]).max().date()


def checkpoint_points(checkpoints: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Border checkpoints as flow monitoring points (point_id = checkpoint_id)."""
    return gpd.GeoDataFrame(
        {"point_id": checkpoints["checkpoint_id"].astype(str).to_numpy()},
        geometry=checkpoints.geometry.to_numpy(),
        crs=checkpoints.crs,
    )


def project_from(
    frames: Mapping[str, gpd.GeoDataFrame],
    counts: pd.DataFrame,
    *,
    rules: CapacityRules,
    graph_key: object,
    what_if: WhatIf = NO_CHANGE,
    rule: AssignmentRule = DEFAULT_RULE,
    model: InfluxModel = DEFAULT_MODEL,
) -> InfluxProjection | None:
    """The projection from the registry's newest day; None with an empty registry."""
    as_of = last_day(counts)
    if as_of is None:
        return None
    zones = active_at(frames["hazard_zones"], datetime.combine(as_of, time(23, 59), tzinfo=UTC))
    return project_influx(
        counts,
        frames["displacement_sites"],
        checkpoint_points(frames["border_checkpoints"]),
        road_graph_for(frames["roads"], key=graph_key),
        as_of=as_of,
        rules=rules,
        model=model,
        rule=rule,
        what_if=what_if,
        hazard_zones=zones,
    )


def rule_from_controls(
    categories: object,
    fill_limit_pct: object,
    max_distance_km: object,
    statuses: object,
    hazard_sites: object,
) -> AssignmentRule:
    """The assignment rule the page's controls set (the relocation planner's rules).

    Who needs a site place (categories of arrivals), the receiving sites' statuses, their fill
    limit in % of Sphere capacity, the farthest site by road (empty: no limit), and whether
    sites inside hazard zones in force may receive. A bad value raises InfluxError."""
    try:
        fill = float(fill_limit_pct)
    except (TypeError, ValueError):
        raise InfluxError(_("the fill limit must be a number from 1 to 100 %")) from None
    if not 1 <= fill <= 100:
        raise InfluxError(_("the fill limit must be a number from 1 to 100 %"))
    distance = None
    if max_distance_km not in (None, ""):
        try:
            distance = float(max_distance_km)
        except (TypeError, ValueError):
            distance = -1.0
        if not distance > 0:
            raise InfluxError(_("the farthest site by road must be a distance above 0 km"))
    chosen = tuple(str(c) for c in categories or ())
    if not chosen:
        raise InfluxError(_("choose who needs a site place"))
    receiving = tuple(str(s) for s in statuses or ())
    if not receiving:
        raise InfluxError(_("choose which sites may receive arrivals"))
    return AssignmentRule(
        categories=chosen,
        fill_limit=fill / 100,
        statuses=receiving,
        allow_hazard_sites=bool(hazard_sites),
        max_distance_km=distance,
    )


def new_site_at_region(
    frames: Mapping[str, gpd.GeoDataFrame], region: str | None, capacity: object
) -> gpd.GeoDataFrame | None:
    """A what-if site of `capacity` people at the centre of `region`'s sites (or the region)."""
    try:
        people = int(float(capacity))
    except (TypeError, ValueError):
        return None
    if not region or people <= 0:
        return None
    sites = frames["displacement_sites"]
    here = sites[sites["adm1_iso"] == region]
    if len(here):
        point = here.to_crs(32642).geometry.union_all().centroid
        geometry = gpd.GeoSeries([point], crs=32642).to_crs(4326)
    else:
        regions = frames["regions"]
        shape = regions[regions["adm1_iso"] == region].geometry
        if shape.empty:
            return None
        geometry = gpd.GeoSeries([shape.iloc[0].representative_point()], crs=regions.crs)
    return gpd.GeoDataFrame(
        {"site_id": ["WHAT-IF"], "name": ["new site"], "adm1_iso": [region],
         "capacity": [people]},
        geometry=geometry.to_numpy(), crs=geometry.crs,
    )  # fmt: skip
