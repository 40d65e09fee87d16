"""Influx projection: 50 flow monitoring points × 365 days of registry, 365 days ahead.

The seed's sites and road network; 50 points drawn from the seed's border checkpoints and
sites (repeated with small offsets), each with a year of daily arrivals (Gamma-Poisson,
mean 5-200 a day). What is timed is `project_influx` alone (the road graph is built once per
store version and cached in the app, as here): rates, the predictive band, the nearest-site
order by road and the day-by-day filling of three paths over 365 days.
"""

from __future__ import annotations

from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd

from bench import Figure, median_seconds
from eoc.analysis.capacity import CapacityRules, load_standards
from eoc.analysis.influx import InfluxModel, project_influx
from eoc.analysis.road_graph import build_road_graph
from eoc.config import DEFAULT_SEED_DIR

POINTS, DAYS = 50, 365
AS_OF = date(2026, 11, 22)
TARGET_S = 0.200


def _registry(rng: np.random.Generator) -> pd.DataFrame:
    means = rng.uniform(5, 200, POINTS)
    days = [AS_OF - timedelta(days=i) for i in range(DAYS)]
    frames = []
    for p, mean in enumerate(means):
        counts = rng.poisson(rng.gamma(4, mean / 4, DAYS))
        for category, share in (("refugees", 0.7), ("returning_migrants", 0.3)):
            frames.append(
                pd.DataFrame(
                    {"day": days, "point_id": f"FMP-{p:02d}", "direction": "in",
                     "category": category, "count": np.round(counts * share).astype(int)}
                )
            )  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def run() -> list[Figure]:
    rng = np.random.default_rng(19)
    seed = DEFAULT_SEED_DIR
    sites = gpd.read_file(seed / "displacement_sites.geojson")
    roads = gpd.read_file(seed / "roads.geojson")
    checkpoints = gpd.read_file(seed / "border_checkpoints.geojson")
    anchors = pd.concat([checkpoints.geometry, sites.geometry], ignore_index=True)
    picked = anchors.iloc[np.arange(POINTS) % len(anchors)]
    xy = np.column_stack([picked.x, picked.y]) + rng.normal(0, 0.01, (POINTS, 2))
    points = gpd.GeoDataFrame(
        {"point_id": [f"FMP-{p:02d}" for p in range(POINTS)]},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=4326,
    )
    counts = _registry(rng)
    graph = build_road_graph(roads)
    rules = CapacityRules(load_standards(), on=AS_OF)
    model = InfluxModel(horizon_days=DAYS)

    def project() -> object:
        return project_influx(counts, sites, points, graph, as_of=AS_OF, rules=rules, model=model)

    seconds = median_seconds(project, repeat=5)
    return [
        Figure(
            f"influx projection {POINTS} points × {DAYS} days", seconds * 1000, "ms", "<=",
            TARGET_S * 1000,
        )
    ]  # fmt: skip
