"""Warnings out: the cost of a CAP area, of one alert's XML and schema check, and of the feed.

(a) a hazard zone of 10,000 vertices simplified to a CAP polygon of at most 100 points and
    checked against the original; (b) every seed hazard zone likewise; (c) one three-language
    alert built as XML and validated against the OASIS schema; (d) /cap/feed.xml's work with
    100 published Public alerts in a real GeoPackage (read, filter, build the Atom document).

`python -m bench alerts` runs this module (~10 s).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Point

from bench import Figure, median_seconds
from eoc.alerts import workflow as wf
from eoc.alerts.atom import build_feed
from eoc.alerts.cap_xml import build_cap_xml, schema_problems
from eoc.alerts.compose import area_for, compose_alert
from eoc.alerts.polygon import cap_polygons
from eoc.config import DEFAULT_CAP_SENDER, DEFAULT_SEED_DIR
from eoc.store import GeoPackageStore
from eoc.store.seed import build_from_seed

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
TEXTS = {
    lang: {"headline": "Headline " + lang, "description": "Description", "instruction": "Go up"}
    for lang in ("tg", "ru", "en")
}


def run() -> list[Figure]:
    figures = []
    zone = Point(71.5, 38.5).buffer(0.4, quad_segs=2500)  # 10,001 vertices
    started = time.perf_counter()
    cap_polygons(zone)
    figures.append(Figure("cap_polygon_10k_vertices", time.perf_counter() - started, "s", "<", 0.5))

    zones = gpd.read_file(DEFAULT_SEED_DIR / "hazard_zones.geojson")
    started = time.perf_counter()
    for geometry in zones.geometry:
        cap_polygons(geometry)
    figures.append(Figure("cap_polygons_seed_zones", time.perf_counter() - started, "s", "<", 1))

    districts = gpd.read_file(DEFAULT_SEED_DIR / "tj_adm2.geojson")
    area = area_for(zones.geometry.iloc[1], "zone", districts, max_points=100)
    alert = compose_alert(hazard="earthquake", area=area, texts=TEXTS, now=NOW, onset=NOW,
                          expires=NOW + timedelta(hours=24), sender=DEFAULT_CAP_SENDER)  # fmt: skip
    seconds = median_seconds(lambda: schema_problems(build_cap_xml(alert)), repeat=50)
    figures.append(Figure("cap_xml_build_and_validate", seconds * 1000, "ms", "<", 20))

    with tempfile.TemporaryDirectory() as folder:
        store = GeoPackageStore(Path(folder) / "bench.gpkg")
        build_from_seed(store, DEFAULT_SEED_DIR, now=NOW)
        for n in range(100):
            one = replace(alert, identifier=f"{alert.identifier}.{n}")
            wf.save_draft(store.sql, one, by="duty1", now=NOW)
            wf.approve_alert(store.sql, one.identifier, by="duty2", now=NOW)
            wf.publish_alert(store.sql, one.identifier, by="duty2", now=NOW)

        def feed() -> bytes:
            rows = wf.current_alerts(store.sql, now=NOW, scope="Public")
            return build_feed(rows, base_url="http://eoc", now=NOW)

        seconds = median_seconds(feed, repeat=5)
        figures.append(Figure("cap_feed_100_alerts", seconds, "s", "<", 1))
        shutil.rmtree(folder, ignore_errors=True)
    return figures
