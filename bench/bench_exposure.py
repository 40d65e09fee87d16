"""Exposure engine: 100,000 sites against 10,000 overlapping hazard polygons.

Setup as in TECH-NOTES "Spatial work": random points in Tajikistan's box, polygons of 64–200
vertices (radius 0.10–0.25°, about 3 million point-in-polygon pairs at 100k × 10k). Compared:
`exposed_features` (builds the whole long table: ids, names, people, admin fields), a plain
`geopandas.sjoin(predicate="within")` (index pairs only), and brute force — every polygon
tested against every point with shapely, no index — timed on a sample of polygons and scaled
to all of them. `python -m bench exposure` runs this module.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely

from bench import Figure, median_seconds
from eoc.analysis.exposure import exposed_features

BOX = (67.3, 36.6, 75.2, 41.1)  # lon_min, lat_min, lon_max, lat_max
SITES = 100_000
SMALL_SITES = 10_000
ZONES = 10_000
BRUTE_ZONES = 100  # polygons timed by brute force; scaled up to ZONES
REPEAT = 3
SEED = 20261122


def make_sites(n: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    lon = rng.uniform(BOX[0], BOX[2], n)
    lat = rng.uniform(BOX[1], BOX[3], n)
    return gpd.GeoDataFrame(
        {
            "site_id": [f"BENCH-{i:06d}" for i in range(n)],
            "name": [f"site {i}" for i in range(n)],
            "individuals": rng.integers(0, 2_000, n),
            "adm1_iso": "TJ-GB",
            "adm2_name": "Murghob District",
        },
        geometry=shapely.points(lon, lat),
        crs="EPSG:4326",
    )


def make_zones(n: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    lon = rng.uniform(BOX[0], BOX[2], n)
    lat = rng.uniform(BOX[1], BOX[3], n)
    radius = rng.uniform(0.10, 0.25, n)
    quad_segs = rng.integers(16, 51, n)  # 64–200 segments per ring
    centres = shapely.points(lon, lat)
    circles = [
        shapely.buffer(c, r, quad_segs=int(q))
        for c, r, q in zip(centres, radius, quad_segs, strict=True)
    ]
    # Squash each circle east–west a little so the shapes are not all alike.
    squash = rng.uniform(0.7, 1.0, n)
    polygons = [
        shapely.affinity.scale(p, xfact=float(s), yfact=1.0)
        for p, s in zip(circles, squash, strict=True)
    ]
    severities = np.array(["moderate", "high", "very_high"])
    return gpd.GeoDataFrame(
        {
            "zone_id": [f"BZ-{i:05d}" for i in range(n)],
            "hazard_type": "earthquake",
            "severity": severities[rng.integers(0, 3, n)],
            "mmi": rng.integers(6, 9, n).astype(float),
        },
        geometry=polygons,
        crs="EPSG:4326",
    )


def brute_force_seconds(sites: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> float:
    """Seconds for every zone × every site with no index, scaled from BRUTE_ZONES zones."""
    points = np.asarray(sites.geometry.array, dtype=object)
    sample = np.asarray(zones.geometry.array, dtype=object)[:BRUTE_ZONES]

    def scan() -> None:
        for polygon in sample:
            shapely.contains(polygon, points)

    return median_seconds(scan, repeat=REPEAT) * len(zones) / len(sample)


def run() -> list[Figure]:
    rng = np.random.default_rng(SEED)
    sites = make_sites(SITES, rng)
    small = sites.iloc[:SMALL_SITES]
    zones = make_zones(ZONES, rng)

    exposed = exposed_features({"displacement_sites": sites}, zones)
    joined = gpd.sjoin(sites, zones, predicate="within")
    ours_pairs = set(
        zip(exposed["zone_id"].astype(str), exposed["feature_id"].astype(str), strict=True)
    )
    their_pairs = set(zip(joined["zone_id"], joined["site_id"], strict=True))
    differ = len(ours_pairs ^ their_pairs)
    ours = median_seconds(
        lambda: exposed_features({"displacement_sites": sites}, zones), repeat=REPEAT
    )
    ours_small = median_seconds(
        lambda: exposed_features({"displacement_sites": small}, zones), repeat=REPEAT
    )
    sjoin = median_seconds(lambda: gpd.sjoin(sites, zones, predicate="within"), repeat=REPEAT)
    brute = brute_force_seconds(sites, zones)
    growth = math.log(ours / ours_small) / math.log(SITES / SMALL_SITES)
    return [
        Figure("site-zone pairs found (100k sites x 10k zones)", len(exposed), "pairs", ">", 0),
        Figure("pairs that differ from geopandas sjoin", differ, "pairs", "<=", 0),
        # 2.8 s: sjoin(within) on the TECH-NOTES machine for the same setup.
        Figure("exposed_features 100k sites x 10k zones", ours, "s", "<=", 2.8),
        Figure("exposed_features / geopandas sjoin(within)", ours / sjoin, "x", "<=", 1.5),
        Figure("speed-up vs brute force (scaled from 100 zones)", brute / ours, "x", ">=", 50),
        Figure("growth exponent 10k -> 100k sites", growth, "", "<=", 1.2),
    ]
