"""Relocation at scale: 1,000 origin villages × 500 sites on the seed's road network.

Points are drawn along the real (schematic) roads of data/seed/roads.geojson, up to 3 km off
them, so every point joins the network by a short straight link. Two scenarios: no distance
limit (both planners place everyone: compare person-km) and a 100 km limit with capacity
spread thin (greedy strands people: ours must not strand more). The plans use the planner's
default rules (sites filled to 90 %, a 30 km splitting penalty); greedy fills to 90 % too.
"""

from __future__ import annotations

import time
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from bench import Figure, median_seconds
from eoc.analysis.capacity import CapacityRules, load_standards
from eoc.analysis.relocation import greedy_nearest_plan, plan_relocation
from eoc.analysis.road_graph import (
    METRIC_CRS,
    build_road_graph,
    clear_road_graph_cache,
    road_distances_km,
    road_graph_for,
)
from eoc.config import DEFAULT_SEED_DIR

ORIGINS, SITES = 1_000, 500
OFF_ROAD_M = 3_000


def _points_along(roads: gpd.GeoDataFrame, count: int, rng: np.random.Generator) -> np.ndarray:
    lines = roads.to_crs(METRIC_CRS).geometry.to_numpy()
    lengths = shapely.length(lines)
    which = rng.choice(len(lines), size=count, p=lengths / lengths.sum())
    on_road = shapely.line_interpolate_point(
        lines[which], rng.uniform(0, 1, count), normalized=True
    )
    xy = shapely.get_coordinates(on_road)
    angle = rng.uniform(0, 2 * np.pi, count)
    off = rng.uniform(0, OFF_ROAD_M, count)
    return xy + np.column_stack([np.cos(angle), np.sin(angle)]) * off[:, None]


def _scenario(roads: gpd.GeoDataFrame, *, seed: int, capacity_ratio: float):
    rng = np.random.default_rng(seed)
    origin_xy = _points_along(roads, ORIGINS, rng)
    people = rng.integers(20, 400, ORIGINS)
    origins = gpd.GeoDataFrame(
        {"origin_id": [f"V{i:04d}" for i in range(ORIGINS)], "people": people},
        geometry=gpd.points_from_xy(origin_xy[:, 0], origin_xy[:, 1]),
        crs=METRIC_CRS,
    )
    site_xy = _points_along(roads, SITES, rng)
    free = rng.gamma(2.0, 1.0, SITES)
    free = np.maximum(np.floor(free / free.sum() * people.sum() * capacity_ratio), 1)
    present = rng.integers(0, 300, SITES)
    declared = (present + free).astype(np.int64)
    sites = gpd.GeoDataFrame(
        {
            "site_id": [f"S{j:03d}" for j in range(SITES)],
            "name": [f"site {j}" for j in range(SITES)],
            "site_type": rng.choice(["collective_centre", "planned_site"], SITES),
            "adm1_iso": "TJ-GB",
            "status": "open",
            "individuals": pd.array(present, dtype="Int64"),
            "capacity": pd.array(declared, dtype="Int64"),
            # Generous areas: the declared capacity binds, so free places are as drawn.
            "site_area_m2": declared * 60.0,
            "covered_area_m2": declared * 5.0,
            "latrines": pd.array(present // 40, dtype="Int64"),
            "water_points": pd.array(present // 200, dtype="Int64"),
            "sensitive": False,
        },
        geometry=gpd.points_from_xy(site_xy[:, 0], site_xy[:, 1]),
        crs=METRIC_CRS,
    ).to_crs(4326)
    return origins.to_crs(4326), sites


def run() -> list[Figure]:
    roads = gpd.read_file(DEFAULT_SEED_DIR / "roads.geojson")
    rules = CapacityRules(load_standards(), on=date(2026, 11, 22))

    build_s = median_seconds(lambda: build_road_graph(roads), repeat=5)
    clear_road_graph_cache()
    graph = road_graph_for(roads, key="bench")
    cached_s = median_seconds(lambda: road_graph_for(roads, key="bench"), repeat=5)

    origins, sites = _scenario(roads, seed=1, capacity_ratio=1.3)
    routes_s = median_seconds(lambda: road_distances_km(graph, origins, sites), repeat=3)
    ours = plan_relocation(origins, sites, graph, rules=rules)
    solve_s = median_seconds(lambda: plan_relocation(origins, sites, graph, rules=rules), repeat=3)
    start = time.perf_counter()
    greedy = greedy_nearest_plan(origins, sites, graph, rules=rules)
    greedy_s = time.perf_counter() - start
    both_placed = ours.people_unmet == greedy.people_unmet == 0

    tight_origins, tight_sites = _scenario(roads, seed=2, capacity_ratio=1.05)
    limit = dict(rules=rules, max_distance_km=100.0)
    tight_ours = plan_relocation(tight_origins, tight_sites, graph, **limit)
    tight_greedy = greedy_nearest_plan(tight_origins, tight_sites, graph, **limit)

    n = f"{ORIGINS:,}×{SITES}"
    return [
        Figure("road graph build (seed roads)", build_s, "s", "<", 1.0),
        Figure("road graph, cached second call", cached_s, "s", "<", 0.001),
        Figure(f"road distances {n}", routes_s, "s", "<", 2.0),
        Figure(
            f"relocation plan {n} (min-cost flow, 90 % fill, splitting penalty)",
            solve_s,
            "s",
            "<=",
            1.0,
        ),
        Figure(f"greedy nearest-site plan {n} (baseline)", greedy_s, "s", "<", 30.0),
        Figure("all placed by both (no distance limit)", float(both_placed), "bool", ">=", 1),
        Figure(
            "person-km ours / greedy (no distance limit)",
            ours.total_person_km / greedy.total_person_km,
            "ratio",
            "<=",
            1.0,
        ),
        Figure(
            "people stranded ours − greedy (100 km limit, capacity 1.05× demand)",
            tight_ours.people_unmet - tight_greedy.people_unmet,
            "people",
            "<=",
            0,
        ),
    ]
