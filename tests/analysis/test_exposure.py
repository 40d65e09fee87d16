"""Exposure: hand-drawn cases in UTM 42N (so distances are known), and the seed re-counted."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from eoc.analysis.active import AnalysisInputError, active_at
from eoc.analysis.exposure import (
    distance_to_nearest_zone,
    exposed_features,
    exposure_totals,
    features_near_zones,
    worst_exposure,
)

UTM = "EPSG:32642"
# Near Barsem (Gunt valley), in UTM 42N metres: x east, y north.
X0, Y0 = 800_000.0, 4_150_000.0


def utm_box(dx0: float, dy0: float, dx1: float, dy1: float):
    return shapely.box(X0 + dx0, Y0 + dy0, X0 + dx1, Y0 + dy1)


def utm_point(dx: float, dy: float):
    return shapely.Point(X0 + dx, Y0 + dy)


@pytest.fixture
def zones_at_barsem() -> gpd.GeoDataFrame:
    """Two overlapping shaking zones (VI over 0–10 km, VII over 0–4 km), a mudflow fan."""
    return gpd.GeoDataFrame(
        {
            "zone_id": ["EQ-VI", "EQ-VII", "MF-FAN"],
            "hazard_type": ["earthquake", "earthquake", "mudflow"],
            "severity": ["moderate", "high", "very_high"],
            "mmi": [6.0, 7.0, None],
        },
        geometry=[
            utm_box(0, 0, 10_000, 10_000),
            utm_box(0, 0, 4_000, 4_000),
            utm_box(2_000, 2_000, 3_000, 3_000),
        ],
        crs=UTM,
    ).to_crs(4326)


@pytest.fixture
def sites_near_barsem() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "site_id": ["S-FAN", "S-VII", "S-VI", "S-OUT"],
            "name": ["fan site", "inner site", "outer site", "site 5 km east"],
            "individuals": [100, 40, 25, 7],
            "adm1_iso": ["TJ-GB"] * 4,
            "adm2_name": ["Shughnon District"] * 4,
        },
        geometry=[
            utm_point(2_500, 2_500),
            utm_point(1_000, 1_000),
            utm_point(8_000, 8_000),
            utm_point(15_000, 5_000),
        ],
        crs=UTM,
    ).to_crs(4326)


@pytest.fixture
def places_near_barsem() -> gpd.GeoDataFrame:
    """One village in the fan; its region and district are unknown (found by location)."""
    return gpd.GeoDataFrame(
        {
            "geonameid": ["P-1"],
            "name": ["Barsem"],
            "population": [1_200],
            "adm1_iso": [None],
            "adm2_name": [None],
        },
        geometry=[utm_point(2_200, 2_800)],
        crs=UTM,
    ).to_crs(4326)


@pytest.fixture
def admin_areas_at_barsem():
    region = gpd.GeoDataFrame(
        {"adm1_iso": ["TJ-GB"]}, geometry=[utm_box(-50_000, -50_000, 50_000, 50_000)], crs=UTM
    ).to_crs(4326)
    district = gpd.GeoDataFrame(
        {"adm2_name": ["Shughnon District"], "adm1_iso": ["TJ-GB"]},
        geometry=[utm_box(-20_000, -20_000, 20_000, 20_000)],
        crs=UTM,
    ).to_crs(4326)
    return region, district


def pairs(table: pd.DataFrame) -> list[tuple[str, str]]:
    return sorted(zip(table["zone_id"].astype(str), table["feature_id"].astype(str), strict=True))


def test_each_feature_is_listed_in_every_zone_it_is_in(zones_at_barsem, sites_near_barsem):
    exposed = exposed_features({"displacement_sites": sites_near_barsem}, zones_at_barsem)
    assert pairs(exposed) == [
        ("EQ-VI", "S-FAN"),
        ("EQ-VI", "S-VI"),
        ("EQ-VI", "S-VII"),
        ("EQ-VII", "S-FAN"),
        ("EQ-VII", "S-VII"),
        ("MF-FAN", "S-FAN"),
    ]
    row = exposed[(exposed["zone_id"] == "EQ-VII") & (exposed["feature_id"] == "S-VII")].iloc[0]
    assert (row["hazard_type"], row["severity"], row["mmi"], row["layer"]) == (
        "earthquake",
        "high",
        7.0,
        "displacement_sites",
    )
    assert (row["name"], row["people"], row["adm1_iso"], row["adm2_name"]) == (
        "inner site",
        40,
        "TJ-GB",
        "Shughnon District",
    )


def test_worst_exposure_keeps_the_highest_severity_per_hazard(zones_at_barsem, sites_near_barsem):
    exposed = exposed_features({"displacement_sites": sites_near_barsem}, zones_at_barsem)
    worst = worst_exposure(exposed)
    assert pairs(worst) == [
        ("EQ-VI", "S-VI"),
        ("EQ-VII", "S-FAN"),
        ("EQ-VII", "S-VII"),
        ("MF-FAN", "S-FAN"),
    ]


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        (
            ("hazard_type", "severity"),
            [
                ("earthquake", "high", "displacement_sites", 2, 140),
                ("earthquake", "moderate", "displacement_sites", 1, 25),
                ("mudflow", "very_high", "displacement_sites", 1, 100),
            ],
        ),
        (
            ("hazard_type",),
            [
                ("earthquake", "displacement_sites", 3, 165),
                ("mudflow", "displacement_sites", 1, 100),
            ],
        ),
        # Across hazards a site counts once: 100 + 40 + 25 people, not 100 twice.
        (("adm1_iso",), [("TJ-GB", "displacement_sites", 3, 165)]),
        (
            ("zone_id",),
            [
                ("EQ-VI", "displacement_sites", 3, 165),
                ("EQ-VII", "displacement_sites", 2, 140),
                ("MF-FAN", "displacement_sites", 1, 100),
            ],
        ),
    ],
)
def test_totals_count_each_feature_once(zones_at_barsem, sites_near_barsem, by, expected):
    exposed = exposed_features({"displacement_sites": sites_near_barsem}, zones_at_barsem)
    totals = exposure_totals(exposed, by=by)
    assert list(totals.columns) == [*by, "layer", "features", "people"]
    assert list(totals.itertuples(index=False, name=None)) == expected


def test_missing_admin_fields_are_found_by_location(
    zones_at_barsem, places_near_barsem, admin_areas_at_barsem
):
    regions, districts = admin_areas_at_barsem
    exposed = exposed_features(
        {"places": places_near_barsem}, zones_at_barsem, regions=regions, districts=districts
    )
    assert set(exposed["adm1_iso"].astype(str)) == {"TJ-GB"}
    assert set(exposed["adm2_name"].astype(str)) == {"Shughnon District"}
    assert set(exposed["people"]) == {1_200}
    without = exposed_features({"places": places_near_barsem}, zones_at_barsem)
    assert without["adm1_iso"].isna().all()


def test_layers_without_people_have_missing_people_totals(zones_at_barsem):
    clinic = gpd.GeoDataFrame(
        {"osm_id": ["n1"], "name": ["Barsem clinic"]}, geometry=[utm_point(2_600, 2_600)], crs=UTM
    ).to_crs(4326)
    exposed = exposed_features({"health_facilities": clinic}, zones_at_barsem)
    totals = exposure_totals(exposed, by=("hazard_type",))
    assert list(totals["features"]) == [1, 1]
    assert totals["people"].isna().all()


def test_distance_to_nearest_zone_of_each_hazard(zones_at_barsem, sites_near_barsem):
    nearest = distance_to_nearest_zone(sites_near_barsem, zones_at_barsem)
    table = {
        (r.feature_id, r.hazard_type): (r.zone_id, r.distance_km) for r in nearest.itertuples()
    }
    assert len(table) == 8
    assert table[("S-OUT", "earthquake")][1] == pytest.approx(5.0, abs=1e-4)
    # From (15, 5) km to the fan's corner at (3, 3) km: √(12² + 2²).
    assert table[("S-OUT", "mudflow")] == ("MF-FAN", pytest.approx(12.1655, abs=1e-3))
    assert table[("S-VI", "earthquake")][1] == 0.0
    assert table[("S-VII", "mudflow")][1] == pytest.approx(2**0.5, abs=1e-4)


def test_features_near_zones_uses_a_metric_buffer(zones_at_barsem, sites_near_barsem):
    near = features_near_zones(
        {"displacement_sites": sites_near_barsem}, zones_at_barsem, buffer_m=5_500
    )
    out = near[near["feature_id"] == "S-OUT"]
    assert list(out["zone_id"].astype(str)) == ["EQ-VI"]
    assert out["distance_km"].iloc[0] == pytest.approx(5.0, abs=1e-4)
    inside = near[(near["feature_id"] == "S-VII") & (near["zone_id"] == "EQ-VII")]
    assert inside["distance_km"].iloc[0] == 0.0
    narrower = features_near_zones(
        {"displacement_sites": sites_near_barsem}, zones_at_barsem, buffer_m=4_900
    )
    # The six "inside" pairs, plus the inner site 1.41 km from the fan; S-OUT is 5 km away.
    assert pairs(narrower) == [
        ("EQ-VI", "S-FAN"),
        ("EQ-VI", "S-VI"),
        ("EQ-VI", "S-VII"),
        ("EQ-VII", "S-FAN"),
        ("EQ-VII", "S-VII"),
        ("MF-FAN", "S-FAN"),
        ("MF-FAN", "S-VII"),
    ]


@pytest.mark.parametrize("buffer_m", [-1.0, float("nan")])
def test_a_negative_buffer_is_refused(zones_at_barsem, sites_near_barsem, buffer_m):
    with pytest.raises(AnalysisInputError, match="buffer_m"):
        features_near_zones(
            {"displacement_sites": sites_near_barsem}, zones_at_barsem, buffer_m=buffer_m
        )


def test_no_zones_or_no_features_give_an_empty_typed_table(zones_at_barsem, sites_near_barsem):
    empty = exposed_features({"displacement_sites": sites_near_barsem}, zones_at_barsem.iloc[0:0])
    assert empty.empty
    assert list(empty.columns)[:6] == [
        "zone_id",
        "hazard_type",
        "severity",
        "mmi",
        "layer",
        "feature_id",
    ]
    assert exposure_totals(empty).empty


def test_a_crs_mismatch_is_refused(zones_at_barsem, sites_near_barsem):
    with pytest.raises(AnalysisInputError, match="EPSG:32642.*reproject"):
        exposed_features({"displacement_sites": sites_near_barsem.to_crs(UTM)}, zones_at_barsem)


def test_a_zone_layer_without_severity_is_refused(zones_at_barsem, sites_near_barsem):
    with pytest.raises(AnalysisInputError, match="no field severity"):
        exposed_features(
            {"displacement_sites": sites_near_barsem}, zones_at_barsem.drop(columns="severity")
        )


def test_inputs_are_not_changed(zones_at_barsem, sites_near_barsem):
    zones_before, sites_before = zones_at_barsem.copy(), sites_near_barsem.copy()
    exposed_features({"displacement_sites": sites_near_barsem}, zones_at_barsem)
    pd.testing.assert_frame_equal(zones_at_barsem, zones_before)
    pd.testing.assert_frame_equal(sites_near_barsem, sites_before)
    assert not any(shapely.is_prepared(zones_at_barsem.geometry.array))


# -- the seed ----------------------------------------------------------------------------------

SEED_NOW = "2026-11-22T06:00Z"
POINT_LAYERS = {  # layer: its people field
    "displacement_sites": "individuals",
    "places": "population",
    "health_facilities": None,
    "infrastructure_projects": None,
    "border_checkpoints": None,
}


def count_by_hand(seed_frames, zones):
    """Per zone and layer: features and people, with plain shapely `contains` in loops."""
    counts = {}
    for zone in zones.itertuples():
        for layer, people_field in POINT_LAYERS.items():
            frame = seed_frames[layer]
            inside = [i for i, point in enumerate(frame.geometry) if zone.geometry.contains(point)]
            if inside:
                people = (
                    sum(int(frame[people_field].iloc[i]) for i in inside) if people_field else None
                )
                counts[(zone.zone_id, layer)] = (len(inside), people)
    return counts


def test_seed_exposure_per_zone_matches_a_count_by_hand(seed_frames):
    zones = active_at(seed_frames["hazard_zones"], SEED_NOW)
    features = {layer: seed_frames[layer] for layer in POINT_LAYERS}
    exposed = exposed_features(features, zones)
    totals = exposure_totals(exposed, by=("zone_id",))
    ours = {
        (r.zone_id, r.layer): (r.features, None if pd.isna(r.people) else int(r.people))
        for r in totals.itertuples()
    }
    assert ours == count_by_hand(seed_frames, zones)


def test_seed_people_per_earthquake_band_match_a_count_by_hand(seed_frames):
    zones = active_at(seed_frames["hazard_zones"], SEED_NOW)
    quake = zones[zones["hazard_type"] == "earthquake"]
    exposed = exposed_features({"displacement_sites": seed_frames["displacement_sites"]}, zones)
    totals = exposure_totals(exposed[exposed["hazard_type"] == "earthquake"], by=("mmi",))
    ours = {float(r.mmi): (r.features, int(r.people)) for r in totals.itertuples()}
    by_hand = {}
    sites = seed_frames["displacement_sites"]
    for zone in quake.itertuples():
        inside = [i for i, p in enumerate(sites.geometry) if zone.geometry.contains(p)]
        if inside:
            by_hand[float(zone.mmi)] = (
                len(inside),
                sum(int(sites["individuals"].iloc[i]) for i in inside),
            )
    assert ours == by_hand
    assert by_hand  # the scenario puts sites in the shaking zones: the test compares something
