"""Live operations: the cost of the version poll, of a redraw after one edit, and its bytes.

A generated dataset in Tajikistan's box — 10,000 displacement sites, 1,000 hazard polygons of
64–200 vertices, 500 incidents (valid per the layer specs), the seed's checkpoints and projects
and the real context layers for the basemap — written to a real GeoPackage with
`GeoPackageStore.replace_all` in a temporary folder, served by `create_app`. Measured:

(a) the version poll when nothing changed: the poll callback (median of many calls), and the
    whole round trip through Flask (session, permission gate, Dash dispatch) for comparison;
(b) the operations map after one incident edit: `update_map` producing a Patch (it reads the
    changed layer back from the store: the cache is per version);
(c) bytes for the browser: the first map (the full figure as JSON), and the Patch after one
    edit against a naive refresh that re-sends every operational layer as GeoJSON;
and, for the wall screen, one refresh of its KPI tiles, banners and feed.

`python -m bench live` runs this module (~15 s).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly
import shapely
from flask_login import login_user

import layers
from bench import Figure, median_seconds
from eoc.auth import User, create_user
from eoc.config import DEFAULT_SEED_DIR, Settings
from eoc.store import GeoPackageStore
from eoc.store.edits import Edit
from eoc.store.seed import load_seed
from eoc.web import create_app
from eoc.web.pages.operations import update_map
from eoc.web.pages.wall import update_wall_panels
from eoc.web.polling import poll_version
from layers.displacement_sites import SITE_STATUSES, SITE_TYPES
from layers.hazard_zones import HAZARD_TYPES, SEVERITIES
from layers.incidents import INCIDENT_SEVERITIES, INCIDENT_STATUSES, INCIDENT_TYPES
from layers.regions import ADM1_CODES

BOX = (67.3, 36.6, 75.2, 41.1)  # lon_min, lat_min, lon_max, lat_max
SITES = 10_000
ZONES = 1_000
INCIDENTS = 500
NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
SEED = 20261122
POLLS = 300
EDITS = 7  # one-incident edits timed (median)
ALL = list(layers.OPERATIONAL)
SECRET = "bench-secret-key-" + "0" * 32
BENCH_USER = "bench"
BENCH_PASSWORD = "bench password, not a secret"


def make_sites(rng: np.random.Generator) -> gpd.GeoDataFrame:
    n = SITES
    types = np.array([t for t in SITE_TYPES if t != "protection_shelter"])
    capacity = rng.integers(50, 2_000, n)
    return gpd.GeoDataFrame(
        {
            "site_id": [f"BENCH-DS-{i:05d}" for i in range(n)],
            "name": [f"Bench site {i}" for i in range(n)],
            "site_type": types[rng.integers(0, len(types), n)],
            "adm1_iso": np.array(ADM1_CODES)[rng.integers(0, len(ADM1_CODES), n)],
            "adm2_name": "Bench district",
            "individuals": (capacity * rng.uniform(0.2, 1.3, n)).astype("int64"),
            "capacity": capacity,
            "status": np.array(SITE_STATUSES)[rng.integers(0, len(SITE_STATUSES), n)],
            "sensitive": False,
        },
        geometry=shapely.points(rng.uniform(BOX[0], BOX[2], n), rng.uniform(BOX[1], BOX[3], n)),
        crs="EPSG:4326",
    )


def make_zones(rng: np.random.Generator) -> gpd.GeoDataFrame:
    n = ZONES
    centres = shapely.points(rng.uniform(BOX[0], BOX[2], n), rng.uniform(BOX[1], BOX[3], n))
    radius = rng.uniform(0.10, 0.25, n)
    quad_segs = rng.integers(16, 51, n)  # 64–200 segments per ring
    squash = rng.uniform(0.7, 1.0, n)
    polygons = [
        shapely.affinity.scale(shapely.buffer(c, r, quad_segs=int(q)), xfact=float(s))
        for c, r, q, s in zip(centres, radius, quad_segs, squash, strict=True)
    ]
    starts = [NOW - timedelta(hours=int(h)) for h in rng.integers(1, 24 * 30, n)]
    return gpd.GeoDataFrame(
        {
            "zone_id": [f"BENCH-HZ-{i:04d}" for i in range(n)],
            "name": [f"Bench zone {i}" for i in range(n)],
            "hazard_type": np.array(HAZARD_TYPES)[rng.integers(0, len(HAZARD_TYPES), n)],
            "severity": np.array(SEVERITIES)[rng.integers(0, len(SEVERITIES), n)],
            "source": "bench",
            "valid_from": pd.Series(starts, dtype="datetime64[ms, UTC]"),
        },
        geometry=polygons,
        crs="EPSG:4326",
    )


def make_incidents(rng: np.random.Generator) -> gpd.GeoDataFrame:
    n = INCIDENTS
    times = [NOW - timedelta(minutes=int(m)) for m in rng.integers(1, 60 * 24 * 14, n)]
    return gpd.GeoDataFrame(
        {
            "incident_id": [f"BENCH-INC-{i:04d}" for i in range(n)],
            "time_utc": pd.Series(times, dtype="datetime64[ms, UTC]"),
            "incident_type": np.array(INCIDENT_TYPES)[rng.integers(0, len(INCIDENT_TYPES), n)],
            "severity": np.array(INCIDENT_SEVERITIES)[rng.integers(0, 4, n)],
            "status": np.array(INCIDENT_STATUSES)[rng.integers(0, 3, n)],
            "people_affected": rng.integers(0, 5_000, n),
            "description": [
                f"Bench incident {i} on the road near village {i % 97}" for i in range(n)
            ],
            "source": "bench",
        },
        geometry=shapely.points(rng.uniform(BOX[0], BOX[2], n), rng.uniform(BOX[1], BOX[3], n)),
        crs="EPSG:4326",
    )


def build_frames() -> dict[str, gpd.GeoDataFrame]:
    rng = np.random.default_rng(SEED)
    seed = load_seed(Path(DEFAULT_SEED_DIR))
    generated = {
        "displacement_sites": make_sites(rng),
        "hazard_zones": make_zones(rng),
        "incidents": make_incidents(rng),
    }
    frames = dict(seed)
    for name, gdf in generated.items():
        spec = layers.get(name)
        problems = layers.validate(gdf, spec)
        if problems:
            raise SystemExit(f"generated {name} is not valid: {problems[:3]}")
        frames[name] = layers.conform(gdf, spec)
    return frames


def json_bytes(value) -> int:
    return len(json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder).encode())


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench-live-") as folder:
        store = GeoPackageStore(Path(folder) / "bench.gpkg")
        store.replace_all(build_frames(), now=NOW)
        create_user(store, BENCH_USER, role="viewer", password=BENCH_PASSWORD, now=NOW)
        app = create_app(store, Settings(store=store.location, secret_key=SECRET))
        with app.server.test_request_context():
            login_user(User(BENCH_USER, "viewer"))
            return _measure(app, store)


def _measure(app, store: GeoPackageStore) -> list[Figure]:
    version = store.version()
    poll_s = median_seconds(lambda: poll_version(1, version), repeat=POLLS)
    http_poll_s = _http_poll_seconds(app, version)

    figure, _footer, state = update_map(None, ALL, "all", state=None)
    first_bytes = len(figure.to_json().encode())
    naive_bytes = sum(
        len(store.read_layer(name).to_json(default=str).encode()) for name in layers.OPERATIONAL
    )

    patch_times, patch_bytes = [], []
    for i in range(EDITS):
        store.apply_edits(
            "incidents",
            [Edit("BENCH-INC-0001", {"status": "verified", "people_affected": 100 + i})],
            user="bench",
            reason="benchmark edit",
            now=NOW + timedelta(minutes=i + 1),
        )
        new_version = store.version()
        start = time.perf_counter()
        patch, _footer, state = update_map(new_version, ALL, "all", state=state)
        patch_times.append(time.perf_counter() - start)
        patch_bytes.append(json_bytes(patch.to_plotly_json()))
    patch_s = statistics.median(patch_times)

    wall_params = {"views": ["country"], "rotate_s": None, "stale_after_min": 30.0, "now": None}
    update_wall_panels(0, store.version(), wall_params)  # layers read once per version
    wall_s = median_seconds(lambda: update_wall_panels(1, store.version(), wall_params), repeat=5)

    return [
        Figure("live: version poll, nothing changed (callback)", poll_s * 1e3, "ms", "<", 5),
        Figure("live: version poll round trip through Flask", http_poll_s * 1e3, "ms", "<", 5),
        Figure("live: map update after one incident edit", patch_s * 1e3, "ms", "<", 300),
        Figure("live: first map figure sent", first_bytes / 1e6, "MB", "<", 3),
        Figure("live: patch after one edit", max(patch_bytes) / 1e3, "kB", "<", naive_bytes / 1e4),
        Figure(
            "live: patch after one edit / naive GeoJSON refresh",
            100 * max(patch_bytes) / naive_bytes,
            "%",
            "<",
            10,
        ),
        Figure(
            "live: naive GeoJSON refresh of every layer (baseline)", naive_bytes / 1e6, "MB", ">", 0
        ),
        Figure("live: wall KPIs, banners and feed refresh", wall_s * 1e3, "ms", "<", 300),
    ]


def _http_poll_seconds(app, version: int) -> float:
    """Median time of a real poll request: session cookie, gate, Dash dispatch, JSON."""
    client = app.server.test_client()
    response = client.post(
        "/login", data={"username": BENCH_USER, "password": BENCH_PASSWORD, "next": "/"}
    )
    if response.status_code != 302:
        raise SystemExit("the benchmark user could not sign in")
    body = {
        "output": "store-version.data",
        "outputs": {"id": "store-version", "property": "data"},
        "inputs": [{"id": "poll-interval", "property": "n_intervals", "value": 1}],
        "changedPropIds": ["poll-interval.n_intervals"],
        "state": [{"id": "store-version", "property": "data", "value": version}],
    }
    response = client.post("/_dash-update-component", json=body)
    # Nothing changed: an empty answer (204, or Dash 4's {"multi":true,"response":{}}).
    if response.status_code not in (200, 204) or b"store-version" in response.get_data():
        raise SystemExit(f"the poll did not answer 'no change': {response.get_data()[:300]!r}")
    return median_seconds(
        lambda: client.post("/_dash-update-component", json=body), repeat=POLLS // 3
    )
