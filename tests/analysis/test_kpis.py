"""Headline figures: tiny frames for each rule, then the seed counted independently."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import Point, Polygon, box, shape

from eoc.analysis.active import AnalysisInputError
from eoc.analysis.capacity import CapacityRules, load_standards
from eoc.analysis.kpis import (
    active_hazard_zones,
    compute_kpis,
    compute_public_kpis,
    exposure_in_region,
    is_stale,
    new_severe_incidents,
    people_in_sites,
    points_in_zones,
    resident_exposure,
    residents_exposed,
    sites_over_capacity,
    sites_over_declared_capacity,
)
from eoc.config import DEFAULT_SEED_DIR

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
SPHERE = load_standards()
RULES = CapacityRules(SPHERE, on=NOW.date())  # 22 November: the cold season


def stamp(moment: datetime | None):
    return pd.NaT if moment is None else pd.Timestamp(moment)


@pytest.fixture
def sites_of_every_status() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "site_id": ["open-full", "open-over", "closing-over", "closed", "planned", "shelter"],
            "status": ["open", "open", "closing", "closed", "planned", "open"],
            "individuals": pd.array([100, 130, 90, 0, 0, 20], dtype="Int64"),
            "capacity": pd.array([100, 120, 80, 50, 400, 10], dtype="Int64"),
            "sensitive": pd.array([False, False, False, False, False, True], dtype="boolean"),
        },
        geometry=[Point(71.0 + i / 10, 38.0) for i in range(6)],
        crs="EPSG:4326",
    )


def test_people_count_open_and_closing_sites_shelters_included(sites_of_every_status):
    assert people_in_sites(sites_of_every_status) == 100 + 130 + 90 + 20


def test_a_site_is_over_capacity_only_above_it(sites_of_every_status):
    # No areas recorded: the declared capacity is the only one known.
    over = sites_over_capacity(sites_of_every_status, rules=RULES)
    assert list(over["site_id"]) == ["open-over", "closing-over", "shelter"]
    declared = sites_over_declared_capacity(sites_of_every_status)
    assert list(declared["site_id"]) == ["open-over", "closing-over", "shelter"]


def test_over_capacity_is_against_the_sphere_space_when_it_binds(sites_of_every_status):
    sites = sites_of_every_status.assign(
        # open-full: 100 people, declared 100, but 360 m² covered / 4.5 m² (cold) = 80 places.
        covered_area_m2=[360.0, None, None, None, None, None],
        site_area_m2=[100_000.0, None, None, None, None, None],
    )
    over = sites_over_capacity(sites, rules=RULES)
    assert list(over["site_id"]) == ["open-full", "open-over", "closing-over", "shelter"]
    # Summer: 360 / 3.5 = 102 places, so 100 people fit.
    summer = CapacityRules(SPHERE, on=NOW.date().replace(month=7))
    assert "open-full" not in set(sites_over_capacity(sites, rules=summer)["site_id"])
    assert "open-full" not in set(sites_over_declared_capacity(sites)["site_id"])


def test_missing_people_count_as_none(sites_of_every_status):
    sites = sites_of_every_status.copy()
    sites.loc[0, "individuals"] = pd.NA
    assert people_in_sites(sites) == 130 + 90 + 20
    assert "open-full" not in set(sites_over_capacity(sites, rules=RULES)["site_id"])


@pytest.fixture
def zones_around_now() -> gpd.GeoDataFrame:
    cases = {
        "starts-now": (NOW, None),
        "open-ended": (NOW - 48 * HOUR, None),
        "ends-later": (NOW - HOUR, NOW + HOUR),
        "ends-now": (NOW - HOUR, NOW),
        "ended": (NOW - 48 * HOUR, NOW - HOUR),
        "starts-later": (NOW + HOUR, None),
    }
    square = Polygon([(71, 38), (72, 38), (72, 39), (71, 39)])
    return gpd.GeoDataFrame(
        {
            "zone_id": list(cases),
            "valid_from": pd.Series(
                [stamp(a) for a, _b in cases.values()], dtype="datetime64[ms, UTC]"
            ),
            "valid_to": pd.Series(
                [stamp(b) for _a, b in cases.values()], dtype="datetime64[ms, UTC]"
            ),
        },
        geometry=[square] * len(cases),
        crs="EPSG:4326",
    )


def test_zones_active_from_their_start_until_just_before_their_end(zones_around_now):
    active = active_hazard_zones(zones_around_now, at=NOW)
    assert list(active["zone_id"]) == ["starts-now", "open-ended", "ends-later"]


def test_a_time_without_time_zone_is_refused(zones_around_now):
    with pytest.raises(AnalysisInputError, match="no time zone"):
        active_hazard_zones(zones_around_now, at=datetime(2026, 11, 22, 6, 0))


@pytest.fixture
def projects_near_a_zone() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"project_id": ["inside", "on-edge", "outside", "in-both"]},
        geometry=[Point(71.5, 38.5), Point(72.0, 38.5), Point(73.5, 38.5), Point(71.9, 38.9)],
        crs="EPSG:4326",
    )


@pytest.fixture
def two_overlapping_zones() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"zone_id": ["a", "b"]},
        geometry=[
            Polygon([(71, 38), (72, 38), (72, 39), (71, 39)]),
            Polygon([(71.8, 38.8), (72.5, 38.8), (72.5, 39.5), (71.8, 39.5)]),
        ],
        crs="EPSG:4326",
    )


def test_projects_in_zones_are_counted_once_edges_included(
    projects_near_a_zone, two_overlapping_zones
):
    inside = points_in_zones(projects_near_a_zone, two_overlapping_zones)
    assert sorted(inside["project_id"]) == ["in-both", "inside", "on-edge"]


def test_no_zones_means_no_project_inside(projects_near_a_zone, two_overlapping_zones):
    assert points_in_zones(projects_near_a_zone, two_overlapping_zones.iloc[0:0]).empty


def test_zones_in_another_crs_are_refused(projects_near_a_zone, two_overlapping_zones):
    with pytest.raises(AnalysisInputError, match="same CRS"):
        points_in_zones(projects_near_a_zone, two_overlapping_zones.to_crs("EPSG:32642"))


@pytest.fixture
def incidents_around_now() -> gpd.GeoDataFrame:
    rows = [
        ("critical-1h", NOW - HOUR, "critical", "verified"),
        ("high-5h", NOW - 5 * HOUR, "high", "reported"),
        ("high-closed", NOW - 2 * HOUR, "high", "closed"),
        ("moderate-1h", NOW - HOUR, "moderate", "reported"),
        ("high-7h", NOW - 7 * HOUR, "high", "reported"),
        ("high-exactly-6h", NOW - 6 * HOUR, "high", "reported"),
        ("critical-later", NOW + HOUR, "critical", "reported"),
    ]
    return gpd.GeoDataFrame(
        {
            "incident_id": [r[0] for r in rows],
            "time_utc": pd.Series([stamp(r[1]) for r in rows], dtype="datetime64[ms, UTC]"),
            "severity": [r[2] for r in rows],
            "status": [r[3] for r in rows],
        },
        geometry=[Point(71, 38)] * len(rows),
        crs="EPSG:4326",
    )


def test_new_severe_incidents_are_recent_high_or_critical_and_not_closed(incidents_around_now):
    new = new_severe_incidents(incidents_around_now, now=NOW, hours=6)
    assert list(new["incident_id"]) == ["critical-1h", "high-5h"]


@pytest.mark.parametrize(
    ("age", "threshold_min", "stale"),
    [
        (timedelta(minutes=10), 30, False),
        (timedelta(minutes=30), 30, False),
        (timedelta(minutes=31), 30, True),
        (timedelta(days=1), 30, True),
        (timedelta(days=1), 2 * 24 * 60, False),
        (-timedelta(minutes=5), 30, False),  # written "after now": a replay of the past
    ],
)
def test_data_is_stale_when_older_than_the_threshold(age, threshold_min, stale):
    assert is_stale(NOW - age, now=NOW, stale_after_min=threshold_min) is stale


def test_data_of_unknown_age_is_stale():
    assert is_stale(None, now=NOW, stale_after_min=30)


# -- residents exposed ----------------------------------------------------------------------

UTM = "EPSG:32642"


@pytest.fixture
def grid_1_to_9(tmp_path):
    """3 × 3 cells of 1 km, 1..9 people row by row from the top left corner at (0, 3000)."""
    path = tmp_path / "grid.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=3,
        height=3,
        count=1,
        dtype="float32",
        crs=UTM,
        transform=from_origin(0, 3000, 1000, 1000),
    ) as out:
        out.write(np.arange(1, 10, dtype="float32").reshape(3, 3), 1)
    with rasterio.open(path) as grid:
        yield grid


@pytest.fixture
def whole_grid_and_its_top_row() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "zone_id": ["all", "top"],
            "hazard_type": ["earthquake", "flood"],
            "severity": ["high", "high"],
        },
        geometry=[box(0, 0, 3000, 3000), box(0, 2000, 3000, 3000)],
        crs=UTM,
    )


@pytest.fixture
def two_districts() -> gpd.GeoDataFrame:
    """The first column of cells in region TJ-RA, the other two in TJ-KT."""
    return gpd.GeoDataFrame(
        {"adm1_iso": ["TJ-RA", "TJ-KT"], "adm2_name": ["West", "East"]},
        geometry=[box(-1000, -1000, 1000, 4000), box(1000, -1000, 4000, 4000)],
        crs=UTM,
    )


@pytest.fixture
def towns() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"geonameid": [1, 2, 3], "name": ["Top", "Low", "Away"], "population": [100, 40, 7]},
        geometry=[Point(500, 2500), Point(2500, 500), Point(9000, 9000)],
        crs=UTM,
    )


def test_residents_of_the_grid_are_counted_once_where_zones_overlap(
    grid_1_to_9, whole_grid_and_its_top_row, two_districts, towns
):
    rows = resident_exposure(
        whole_grid_and_its_top_row, places=towns, districts=two_districts, grid=grid_1_to_9
    )
    # The top row (1 + 2 + 3) lies in both zones: a plain sum would say 51.
    assert pd.to_numeric(rows["people"]).sum() == 51
    assert residents_exposed(rows) == 45
    assert residents_exposed(rows, layer="places") == 0  # with a grid the towns are not used
    assert residents_exposed(rows, min_mmi=7) == 0  # the zones carry no intensity
    assert residents_exposed(exposure_in_region(rows, "TJ-RA")) == 1 + 4 + 7
    assert residents_exposed(exposure_in_region(rows, "TJ-KT")) == 45 - 12
    assert residents_exposed(exposure_in_region(rows, "TJ-GB")) == 0


def test_without_a_grid_residents_are_the_towns_inside_each_once(
    whole_grid_and_its_top_row, two_districts, towns
):
    rows = resident_exposure(
        whole_grid_and_its_top_row, places=towns, districts=two_districts, regions=two_districts
    )
    assert set(rows["layer"]) == {"places"}
    assert residents_exposed(rows) == 100 + 40
    assert residents_exposed(exposure_in_region(rows, "TJ-KT")) == 40


def test_no_zone_in_force_exposes_nobody(grid_1_to_9, whole_grid_and_its_top_row, towns):
    rows = resident_exposure(
        whole_grid_and_its_top_row.iloc[0:0], places=towns, districts=None, grid=grid_1_to_9
    )
    assert residents_exposed(rows) == 0


def test_public_figures_refuse_frames_that_still_hold_the_shelters(seed_frames):
    with pytest.raises(AnalysisInputError, match="public view only"):
        compute_public_kpis(seed_frames, now=NOW)


def test_residents_are_a_figure_only_when_counted(seed_frames):
    assert compute_kpis(seed_frames, now=NOW, rules=RULES).residents_exposed is None


# -- the seed, counted without the code under test ----------------------------------------


def seed_features(name: str) -> list[dict]:
    path = Path(DEFAULT_SEED_DIR) / f"{name}.geojson"
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def utc(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def test_the_seed_figures_match_an_independent_count(seed_frames):
    sites = [f["properties"] for f in seed_features("displacement_sites")]
    occupied = [s for s in sites if s["status"] in ("open", "closing")]
    zones = [
        f
        for f in seed_features("hazard_zones")
        if utc(f["properties"]["valid_from"]) <= NOW
        and (f["properties"]["valid_to"] is None or utc(f["properties"]["valid_to"]) > NOW)
    ]
    zone_shapes = [shape(z["geometry"]) for z in zones]
    projects = seed_features("infrastructure_projects")
    in_zones = [p for p in projects if any(z.intersects(shape(p["geometry"])) for z in zone_shapes)]
    checkpoints = [f["properties"]["status"] for f in seed_features("border_checkpoints")]
    severe = [
        f["properties"]
        for f in seed_features("incidents")
        if f["properties"]["severity"] in ("high", "critical")
        and f["properties"]["status"] != "closed"
        and NOW - timedelta(hours=24) < utc(f["properties"]["time_utc"]) <= NOW
    ]

    kpis = compute_kpis(seed_frames, now=NOW, rules=RULES, new_incident_hours=24)

    def sphere_places(site: dict) -> float:
        # Sphere 2018 in the cold season: 4.5 m² covered per person, 45 m² of site (30 where
        # communal services are elsewhere); the lowest of these and the declared capacity.
        site_m2 = 30 if site.get("communal_services_elsewhere") else 45
        places = [site["capacity"]]
        if site.get("covered_area_m2"):
            places.append(site["covered_area_m2"] // 4.5)
        if site.get("site_area_m2"):
            places.append(site["site_area_m2"] // site_m2)
        return min(places)

    assert kpis.people_in_sites == sum(s["individuals"] for s in occupied)
    assert kpis.open_sites == sum(s["status"] == "open" for s in sites)
    assert kpis.sites_over_capacity == sum(s["individuals"] > sphere_places(s) for s in occupied)
    assert kpis.sites_over_declared_capacity == sum(
        s["individuals"] > s["capacity"] for s in occupied
    )
    assert kpis.active_hazard_zones == len(zones)
    assert kpis.projects_in_hazard_zones == len(in_zones)
    assert kpis.closed_checkpoints == checkpoints.count("closed")
    assert kpis.restricted_checkpoints == checkpoints.count("restricted")
    assert kpis.new_severe_incidents == len(severe)
    # The scenario as written in the seed (so a silent change to the seed is noticed too).
    assert (
        kpis.people_in_sites,
        kpis.sites_over_capacity,
        kpis.sites_over_declared_capacity,
        kpis.new_severe_incidents,
    ) == (15_458, 12, 9, 1)
    assert kpis.as_of == NOW


def test_analysis_modules_take_now_as_an_argument():
    """The clock is read at the edge: these modules never call it, nor import dash."""
    for module in ("kpis", "activity"):
        source = (Path(__file__).resolve().parents[2] / "eoc/analysis" / f"{module}.py").read_text()
        for forbidden in ("datetime.now", "date.today", "time.time(", "import dash", "sqlite3"):
            assert forbidden not in source, f"eoc/analysis/{module}.py uses {forbidden}"
