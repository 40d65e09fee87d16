"""Which roads a relocation must not use: through an active hazard zone, or blocked.

A road segment is closed when it crosses a hazard zone in force at `now` (avalanche
corridors on a pass, a landslide zone, a floodplain) or lies within `block_radius_m` of an
open "road blocked" incident. The zones people are leaving are exempt: the evacuation goes
out along their roads. The result is a mask over the graph's edges, for
`road_graph.restrict_road_graph` (remove, or keep at a penalty), and the closed segments as
lines for the map.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from eoc.analysis.active import active_at, open_incidents_at
from eoc.analysis.road_graph import METRIC_CRS, RoadGraph

ROAD_BLOCKED = "road_blocked"
DEFAULT_BLOCK_RADIUS_M = 1_000.0  # a reported blockage is a point near, not on, the road
ZONE, INCIDENT = "hazard_zone", "road_blocked"


@dataclass(frozen=True)
class RoadClosures:
    """`closed`: one flag per edge of the graph. `segments`: each closed edge once, with
    edge, road_id, cause (ZONE or INCIDENT), cause_id, cause_name, in EPSG:4326."""

    closed: np.ndarray
    segments: gpd.GeoDataFrame

    @property
    def road_ids(self) -> list[str]:
        return sorted(set(self.segments["road_id"].astype(str)))

    def causes(self, road_ids: Iterable[str] | None = None) -> list[str]:
        """The names of what closes these roads (all closed roads when None)."""
        seg = self.segments
        if road_ids is not None:
            seg = seg[seg["road_id"].astype(str).isin(set(road_ids))]
        return sorted(set(seg["cause_name"].astype(str)))


def closed_roads(
    road_graph: RoadGraph,
    hazard_zones: gpd.GeoDataFrame | None,
    incidents: gpd.GeoDataFrame | None,
    *,
    now: datetime,
    exempt_zone_ids: Iterable[str] = (),
    block_radius_m: float = DEFAULT_BLOCK_RADIUS_M,
) -> RoadClosures:
    """The edges of `road_graph` closed at `now` by hazard zones and road-blocked incidents."""
    pieces: list[pd.DataFrame] = []
    exempt = {str(z) for z in exempt_zone_ids}
    if hazard_zones is not None and not hazard_zones.empty:
        zones = active_at(hazard_zones, now)
        zones = zones[~zones["zone_id"].astype(str).isin(exempt)]
        if not zones.empty:
            geoms = zones.to_crs(METRIC_CRS).geometry.to_numpy()
            which, edge = road_graph.segments.query(geoms, predicate="intersects")
            pieces.append(
                pd.DataFrame(
                    {
                        "edge": edge,
                        "cause": ZONE,
                        "cause_id": zones["zone_id"].astype(str).to_numpy()[which],
                        "cause_name": _names(zones, "zone_id")[which],
                    }
                )
            )
    if incidents is not None and not incidents.empty:
        still_open = open_incidents_at(incidents, now)
        blocked = still_open[still_open["incident_type"].astype(str) == ROAD_BLOCKED]
        if not blocked.empty:
            points = blocked.to_crs(METRIC_CRS).geometry.to_numpy()
            which, edge = road_graph.segments.query(
                points, predicate="dwithin", distance=block_radius_m
            )
            names = (
                blocked["description"].astype("string").fillna("").to_numpy(object)
                if "description" in blocked.columns
                else blocked["incident_id"].astype(str).to_numpy(object)
            )
            pieces.append(
                pd.DataFrame(
                    {
                        "edge": edge,
                        "cause": INCIDENT,
                        "cause_id": blocked["incident_id"].astype(str).to_numpy()[which],
                        "cause_name": names[which],
                    }
                )
            )
    table = (
        pd.concat(pieces, ignore_index=True)
        if pieces
        else pd.DataFrame({"edge": [], "cause": [], "cause_id": [], "cause_name": []})
    )
    table = table.astype({"edge": np.int64}).drop_duplicates("edge").sort_values("edge")
    closed = np.zeros(road_graph.edge_count, bool)
    closed[table["edge"].to_numpy()] = True
    edges = table["edge"].to_numpy(np.int64)
    segments = gpd.GeoDataFrame(
        {
            "edge": edges,
            "road_id": road_graph.edge_road[edges].astype(str),
            "cause": table["cause"].astype(str).to_numpy(),
            "cause_id": table["cause_id"].astype(str).to_numpy(),
            "cause_name": table["cause_name"].astype(str).to_numpy(),
        },
        geometry=shapely.linestrings(
            road_graph.node_xy[road_graph.edge_nodes[edges]].reshape(-1, 2),
            indices=np.repeat(np.arange(len(edges)), 2),
        )
        if len(edges)
        else [],
        crs=METRIC_CRS,
    ).to_crs(4326)
    return RoadClosures(closed=closed, segments=segments)


def _names(frame: gpd.GeoDataFrame, id_field: str) -> np.ndarray:
    column = frame["name"] if "name" in frame.columns else frame[id_field]
    return column.astype("string").fillna("").to_numpy(object)
