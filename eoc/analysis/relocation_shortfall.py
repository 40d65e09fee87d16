"""Why people were not placed: the places a plan's rules held back, rule by rule.

When a plan leaves people unplaced, "not enough free places" is true but not enough to act
on. For the origins with people left, each site that could otherwise take them is put
under the one rule that keeps it out: its status is not chosen, it lies in a hazard zone in
force, its type is not chosen, it is beyond the maximum distance, or no open road leads to
it. A site that two rules keep out is in none of these (one change would not open it). For
the sites that do take people, two more lines say how many places the fill limit keeps free
and how many declared places fall short of the Sphere space standards.

Each line is a `PlanWarning` (kind, English template, values) like the plan's other warnings;
`where` lists the sites with most places first, as (name, status, places).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from eoc.analysis.relocation_warnings import (
    HELD_DISTANCE,
    HELD_FILL,
    HELD_HAZARD,
    HELD_NO_ROAD,
    HELD_SPHERE,
    HELD_STATUS,
    HELD_TYPE,
    PlanWarning,
)
from eoc.analysis.road_graph import RouteMatrix


@dataclass(frozen=True)
class SiteRules:
    """For each site (rows of `checked`), what the plan's rules say of it."""

    eligible: np.ndarray  # may ever receive people (not a shelter, outside the area left, …)
    status_ok: np.ndarray
    hazard_ok: np.ndarray  # outside the zones in force, or hazard-zone sites allowed
    type_ok: np.ndarray
    free: np.ndarray  # free places up to the fill limit


def held_back_places(
    checked: gpd.GeoDataFrame,
    rules: SiteRules,
    routes: RouteMatrix,
    *,
    max_distance_km: float | None,
    fill_limit: float,
    connected: np.ndarray,
) -> tuple[PlanWarning, ...]:
    """The places held back from the origins whose people were not all placed.

    `checked` are the sites checked by `site_capacity`; `routes` and `connected` (a road the
    plan may use, or a straight-line estimate it accepts) run from those origins (rows) to
    every site (columns).
    """
    if routes.distance_km.size == 0:
        return ()
    reach_any = connected.copy()
    if max_distance_km is not None:
        reach_any &= routes.distance_km <= max_distance_km
    reach, joined = reach_any.any(axis=0), connected.any(axis=0)
    eligible, free = rules.eligible, rules.free
    status, hazard, kind = rules.status_ok, rules.hazard_ok, rules.type_ok
    has_room = eligible & (free > 0)
    buckets = (
        (HELD_STATUS, has_room & reach & ~status & hazard & kind),
        (HELD_HAZARD, has_room & reach & status & ~hazard & kind),
        (HELD_TYPE, has_room & reach & status & hazard & ~kind),
        (HELD_DISTANCE, has_room & joined & ~reach & status & hazard & kind),
        (HELD_NO_ROAD, has_room & ~joined & status & hazard & kind),
    )
    found = []
    for name, mask in buckets:
        if mask.any():
            values = {"places": int(free[mask].sum()), "where": _where(checked, free, mask)}
            if name == HELD_DISTANCE:
                values["km"] = round(float(max_distance_km))
            found.append(PlanWarning(name, tuple(values.items())))
    taking = eligible & reach & status & hazard & kind
    binding = pd.to_numeric(checked["binding_capacity"]).to_numpy(float)
    declared = pd.to_numeric(checked["capacity"]).to_numpy(float)
    people = pd.to_numeric(checked["individuals"]).fillna(0).to_numpy(float)
    limit = np.floor(binding * fill_limit + 1e-9)
    kept_free = np.nan_to_num(binding - np.maximum(people, limit), nan=0).clip(min=0)
    if fill_limit < 1 and kept_free[taking].sum() > 0:
        pct = round(fill_limit * 100, 1)
        values = {"places": int(kept_free[taking].sum()), "fill": int(pct) if pct % 1 == 0 else pct}
        found.append(PlanWarning(HELD_FILL, tuple(values.items())))
    short = np.nan_to_num(declared - np.maximum(binding, people), nan=0).clip(min=0)
    if short[taking].sum() > 0:
        found.append(PlanWarning(HELD_SPHERE, (("places", int(short[taking].sum())),)))
    return tuple(found)


def _where(
    checked: gpd.GeoDataFrame, places: np.ndarray, mask: np.ndarray
) -> tuple[tuple[str, str, int], ...]:
    """(name, status, places) of the sites in `mask`, most places first."""
    names = checked["name"].astype("string").fillna("").to_numpy(object)
    statuses = checked["status"].astype("string").fillna("").to_numpy(object)
    chosen = np.flatnonzero(mask)
    chosen = chosen[np.argsort(-places[chosen], kind="stable")]
    return tuple((str(names[i]), str(statuses[i]), int(places[i])) for i in chosen)
