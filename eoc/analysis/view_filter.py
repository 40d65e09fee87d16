"""What the operations map shows: the situation at a moment, narrowed by the user's filters."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

import geopandas as gpd

from eoc.analysis.active import active_at, open_incidents_at


def situation_at(
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    as_of: datetime,
    hazard_types: Collection[str] | None = None,
    site_statuses: Collection[str] | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Hazard zones valid at `as_of`, incidents open at `as_of`, and the chosen kinds only.

    None or an empty choice means no narrowing. Layers not named here pass through unchanged.
    """
    out = dict(frames)
    if "hazard_zones" in out:
        zones = active_at(out["hazard_zones"], as_of)
        if hazard_types:
            zones = zones[zones["hazard_type"].isin(list(hazard_types))]
        out["hazard_zones"] = zones
    if "incidents" in out:
        out["incidents"] = open_incidents_at(out["incidents"], as_of)
    if "displacement_sites" in out and site_statuses:
        sites = out["displacement_sites"]
        out["displacement_sites"] = sites[sites["status"].isin(list(site_statuses))]
    return out
