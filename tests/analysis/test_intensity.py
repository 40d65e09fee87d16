"""Allen, Wald & Worden (2012) intensity prediction and the MMI rings drawn from it."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely

import layers
from eoc.analysis.active import AnalysisInputError
from eoc.analysis.intensity import (
    intensity_zones,
    mmi_at,
    mmi_at_hypocentral,
    radius_km,
    severity_of_mmi,
)

# GEM OpenQuake verification table for AllenEtAl2012Rhypo
# (openquake/hazardlib/tests/gsim/data/a12ipe/AWW_IPE_RHYPO_MEAN.csv; GEM: "generated from
# independent Matlab implementation"): magnitude, hypocentral distance km, mean MMI.
OPENQUAKE_AWW12_RHYPO = [
    (5.0, 1.0, 8.1928149),
    (5.0, 5.0, 6.8801720),
    (5.0, 10.0, 5.9736099),
    (5.0, 20.0, 5.0191197),
    (5.0, 50.0, 3.7394023),
    (5.0, 100.0, 2.8223814),
    (5.0, 300.0, 1.3680280),
    (6.0, 1.0, 8.2797327),
    (6.0, 5.0, 7.8627966),
    (6.0, 10.0, 7.2488079),
    (6.0, 20.0, 6.4046804),
    (6.0, 50.0, 5.1603881),
    (6.0, 100.0, 4.2486195),
    (6.0, 300.0, 2.7958320),
    (7.0, 1.0, 8.2924672),
    (7.0, 5.0, 8.2206291),
    (7.0, 10.0, 8.0343509),
    (7.0, 20.0, 7.5721877),
    (7.0, 50.0, 6.5368604),
    (7.0, 100.0, 5.6632662),
    (7.0, 300.0, 4.2223319),
]
EVENT_TIME = "2026-11-22T01:12:34Z"


@pytest.mark.parametrize(("magnitude", "rhypo_km", "expected"), OPENQUAKE_AWW12_RHYPO)
def test_mmi_reproduces_the_openquake_verification_table(magnitude, rhypo_km, expected):
    assert mmi_at_hypocentral(magnitude, rhypo_km) == pytest.approx(expected, abs=1e-6)


def test_mmi_is_vectorised_over_magnitudes_and_distances():
    magnitudes = np.array([[5.0], [6.0], [7.0]])
    distances = np.array([1.0, 5.0, 10.0, 20.0, 50.0, 100.0, 300.0])
    expected = np.array([row[2] for row in OPENQUAKE_AWW12_RHYPO]).reshape(3, 7)
    np.testing.assert_allclose(mmi_at_hypocentral(magnitudes, distances), expected, atol=1e-6)


def test_depth_and_epicentral_distance_make_the_hypocentral_distance():
    # 30 km out, 40 km down: 50 km from the hypocentre.
    assert mmi_at(6.0, 30.0, 40.0) == pytest.approx(5.1603881, abs=1e-6)


@pytest.mark.parametrize(
    ("magnitude", "depth_km"), [(5.5, 10.0), (6.8, 20.0), (7.3, 10.0), (7.8, 15.0)]
)
@pytest.mark.parametrize("level", [6, 7, 8])
def test_radius_is_where_the_median_mmi_equals_the_level(magnitude, depth_km, level):
    radius = radius_km(magnitude, level, depth_km)
    if radius == 0:
        assert mmi_at(magnitude, 0.0, depth_km) < level
    else:
        assert mmi_at(magnitude, radius, depth_km) == pytest.approx(level, abs=1e-6)
        assert mmi_at(magnitude, radius * 1.01, depth_km) < level


def test_mmi_falls_with_distance_on_both_sides_of_50_km():
    distances = np.linspace(0.0, 1000.0, 20001)
    for magnitude in (4.5, 6.0, 7.5, 8.5):
        assert np.all(np.diff(mmi_at_hypocentral(magnitude, distances)) < 0)


@pytest.mark.parametrize(
    ("level", "severity"),
    [(5, "low"), (6, "moderate"), (7, "high"), (8, "very_high"), (9, "very_high")],
)
def test_severity_of_mmi(level, severity):
    assert severity_of_mmi(level) == severity


@pytest.fixture
def murghob_m73_zones():
    return intensity_zones(
        73.502, 38.171, 10.0, 7.3, event_id="us7000tjm1", event_time=EVENT_TIME, title="M 7.3 test"
    )


def test_zones_are_valid_hazard_zones(murghob_m73_zones):
    assert layers.validate(murghob_m73_zones, layers.get("hazard_zones")) == []
    assert list(murghob_m73_zones.columns) == [*layers.get("hazard_zones").field_names, "geometry"]
    assert murghob_m73_zones.crs.to_epsg() == 4326


def test_zones_are_rings_named_by_level_and_unreached_levels_are_dropped(murghob_m73_zones):
    # M7.3 at 10 km reaches VIII (10.8 km) but not IX: three rings.
    rows = murghob_m73_zones[["zone_id", "severity", "mmi"]].itertuples(index=False, name=None)
    assert list(rows) == [
        ("USGS-us7000tjm1-MMI6", "moderate", 6.0),
        ("USGS-us7000tjm1-MMI7", "high", 7.0),
        ("USGS-us7000tjm1-MMI8", "very_high", 8.0),
    ]
    assert (murghob_m73_zones["hazard_type"] == "earthquake").all()
    assert murghob_m73_zones["valid_to"].isna().all()
    assert (murghob_m73_zones["valid_from"] == EVENT_TIME).all()
    assert murghob_m73_zones["adm1_iso"].isna().all()
    assert murghob_m73_zones["source"].str.contains("Allen, Wald & Worden").all()
    assert murghob_m73_zones["name"].iloc[2] == "M 7.3 test - estimated MMI VIII"


def test_rings_do_not_overlap_and_have_the_solved_radii(murghob_m73_zones):
    metric = murghob_m73_zones.to_crs(32642)
    rings = list(metric.geometry)
    for i in range(len(rings)):
        for j in range(i + 1, len(rings)):
            assert rings[i].intersection(rings[j]).area < 1.0  # m²: edges only
    centre = shapely.Point(73.502, 38.171)
    centre_m = gpd.GeoSeries([centre], crs=4326).to_crs(32642).iloc[0]
    for ring, level in zip(rings, (6, 7, 8), strict=True):
        outer_km = radius_km(7.3, level, 10.0)
        farthest = shapely.hausdorff_distance(shapely.Polygon(ring.exterior), centre_m)
        assert farthest / 1000 == pytest.approx(outer_km, rel=1e-3)
    # The top ring is a disc with the epicentre inside; the others have a hole.
    assert rings[2].contains(centre_m) and not rings[0].contains(centre_m)
    assert len(rings[0].interiors) == 1 and len(rings[2].interiors) == 0


def test_circles_have_at_least_64_segments(murghob_m73_zones):
    for ring in murghob_m73_zones.geometry:
        assert len(ring.exterior.coords) - 1 >= 64


def test_a_small_deep_quake_draws_no_zone():
    zones = intensity_zones(70.71, 36.55, 211.4, 4.6, event_id="deep", event_time=EVENT_TIME)
    assert zones.empty
    assert list(zones.columns) == [*layers.get("hazard_zones").field_names, "geometry"]


def test_ring_area_matches_the_annulus(murghob_m73_zones):
    metric = murghob_m73_zones.to_crs(32642)
    r6, r7 = radius_km(7.3, 6, 10.0), radius_km(7.3, 7, 10.0)
    expected_km2 = math.pi * (r6**2 - r7**2)
    # 64-gon area is 0.16 % below the circle's; UTM scale at 73.5° E adds about 0.3 %.
    assert metric.geometry.iloc[0].area / 1e6 == pytest.approx(expected_km2, rel=0.01)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"levels": (0, 6)}, "MMI levels"),
        ({"levels": ()}, "MMI levels"),
        ({"event_time": "2026-11-22T01:12:34"}, "no time zone"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    arguments = {"event_id": "x", "event_time": EVENT_TIME} | kwargs
    with pytest.raises(AnalysisInputError, match=message):
        intensity_zones(73.5, 38.2, 10.0, 7.0, **arguments)
