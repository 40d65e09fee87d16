"""Exposure engine: 100,000 sites against 10,000 overlapping hazard polygons.

Setup as in TECH-NOTES "Spatial work": random points in Tajikistan's box, polygons of 64–200
vertices (radius 0.10–0.25°, about 3 million point-in-polygon pairs at 100k × 10k). Compared:
`exposed_features` (builds the whole long table: ids, names, people, admin fields), a plain
`geopandas.sjoin(predicate="within")` (index pairs only), and brute force — every polygon
tested against every point with shapely, no index — timed on a sample of polygons and scaled
to all of them.

Grid case (issue 12): exact zonal sums of a population grid, 10,000 zones over a 100 m-like
grid of Tajikistan's size. The grid is written once into a temporary folder as WorldPop's
100 m product is laid out (EPSG:4326, cells of 1/1200°, float32, nodata -99999, tiled and
deflate-compressed) over lon 67.0–75.5, lat 36.5–41.5: 10,200 × 6,000 = 61 M cells, 245 MB
as raw floats. Its zones are village-to-valley sized (radius 0.005–0.02°, about 0.5–2 km,
64–200 vertices). `zonal_population` reads the grid window by window (eoc.io.raster
`open_grid` caps GDAL's block cache); the figures say how many cells the zones cover and the
peak memory, which stays well below the grid's size. `python -m bench exposure` runs this
module.
"""

from __future__ import annotations

import math
import resource
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.transform import from_origin
from rasterio.windows import Window

from bench import Figure, median_seconds
from eoc.analysis.exposure import exposed_features
from eoc.analysis.population import zonal_population
from eoc.io.raster import open_grid

BOX = (67.3, 36.6, 75.2, 41.1)  # lon_min, lat_min, lon_max, lat_max
SITES = 100_000
SMALL_SITES = 10_000
ZONES = 10_000
BRUTE_ZONES = 100  # polygons timed by brute force; scaled up to ZONES
REPEAT = 3
SEED = 20261122
GRID_BOX = (67.0, 36.5, 75.5, 41.5)
GRID_CELL_DEG = 1 / 1200  # WorldPop 100 m: 3 arc-seconds
GRID_ZONES = 10_000
GRID_TILE = 256
GRID_NODATA = -99999.0
GRID_MEAN = 0.6  # people per cell of the synthetic grid (Poisson)


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


def write_grid(path: Path, rng: np.random.Generator) -> tuple[int, int]:
    """A 100 m-like grid of persons per cell, written in strips (never whole in memory)."""
    width = round((GRID_BOX[2] - GRID_BOX[0]) / GRID_CELL_DEG)
    height = round((GRID_BOX[3] - GRID_BOX[1]) / GRID_CELL_DEG)
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:4326",
        "transform": from_origin(GRID_BOX[0], GRID_BOX[3], GRID_CELL_DEG, GRID_CELL_DEG),
        "nodata": GRID_NODATA,
        "tiled": True,
        "blockxsize": GRID_TILE,
        "blockysize": GRID_TILE,
        "compress": "deflate",
    }
    with rasterio.open(path, "w", **profile) as out:
        for top in range(0, height, GRID_TILE):
            rows = min(GRID_TILE, height - top)
            # Whole people, mostly few: compresses like the real product.
            strip = rng.poisson(GRID_MEAN, (rows, width)).astype("float32")
            out.write(strip, 1, window=Window(0, top, width, rows))
    return width, height


def make_grid_zones(n: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    lon = rng.uniform(GRID_BOX[0] + 0.1, GRID_BOX[2] - 0.1, n)
    lat = rng.uniform(GRID_BOX[1] + 0.1, GRID_BOX[3] - 0.1, n)
    radius = rng.uniform(0.005, 0.02, n)
    quad_segs = rng.integers(16, 51, n)
    polygons = [
        shapely.buffer(shapely.Point(x, y), r, quad_segs=int(q))
        for x, y, r, q in zip(lon, lat, radius, quad_segs, strict=True)
    ]
    return gpd.GeoDataFrame(
        {"zone_id": [f"BZ-{i:05d}" for i in range(n)]}, geometry=polygons, crs="EPSG:4326"
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def brute_force_seconds(sites: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> float:
    """Seconds for every zone × every site with no index, scaled from BRUTE_ZONES zones."""
    points = np.asarray(sites.geometry.array, dtype=object)
    sample = np.asarray(zones.geometry.array, dtype=object)[:BRUTE_ZONES]

    def scan() -> None:
        for polygon in sample:
            shapely.contains(polygon, points)

    return median_seconds(scan, repeat=REPEAT) * len(zones) / len(sample)


def grid_figures(rng: np.random.Generator) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="eoc-bench-grid-") as folder:
        path = Path(folder) / "tj_100m_like.tif"
        width, height = write_grid(path, rng)
        raw_mb = width * height * 4 / 2**20
        zones = make_grid_zones(GRID_ZONES, rng)
        area = float(np.sum(shapely.area(np.asarray(zones.geometry.array))))
        cells = area / GRID_CELL_DEG**2
        before = _peak_mb()
        with open_grid(path) as grid:
            start = time.perf_counter()
            people = zonal_population(zones, grid)
            seconds = time.perf_counter() - start
        grown = _peak_mb() - before
    return [
        Figure("grid cells (100 m-like, Tajikistan box)", width * height / 1e6, "M", ">=", 60),
        Figure("grid cells covered by 10k zones", cells / 1e6, "M", ">", 0),
        # Poisson cells: the zones' people are about GRID_MEAN × the cells they cover.
        Figure("grid people / expected", people.sum() / (GRID_MEAN * cells), "x", "<=", 1.01),
        # Issue 12: 10k zones over a 100 m grid of the country in 5 s or less.
        Figure("zonal_population 10k zones x 100 m grid", seconds, "s", "<=", 5.0),
        # Windowed reads: the 245 MB grid is never held whole (GDAL cache capped at 64 MB).
        Figure("peak memory growth / raw grid size", grown / raw_mb, "x", "<=", 0.5),
    ]


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
        *grid_figures(rng),
    ]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
