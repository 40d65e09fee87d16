"""Hazard zones as CAP polygons: bounded points, closed rings, checked against the original."""

import math

import geopandas as gpd
import pytest
from shapely.geometry import MultiPolygon, Point, Polygon

from eoc.alerts.model import AlertError
from eoc.alerts.polygon import cap_polygons, parse_cap_polygon
from eoc.config import PROJECT_DIR


def test_seed_zones_fit_the_point_limit_and_stay_close():
    zones = gpd.read_file(PROJECT_DIR / "data" / "seed" / "hazard_zones.geojson")
    for geometry in zones.geometry:
        for text in cap_polygons(geometry):
            pairs = text.split()
            assert 4 <= len(pairs) <= 100
            assert pairs[0] == pairs[-1]
            assert parse_cap_polygon(text).is_valid


def test_a_detailed_circle_is_simplified_within_five_percent():
    circle = Point(72.5, 38.3).buffer(0.3, quad_segs=256)  # 1,025 points
    (text,) = cap_polygons(circle, max_points=40)
    back = parse_cap_polygon(text)
    assert len(text.split()) <= 40
    assert back.symmetric_difference(circle).area / circle.area < 0.05


def test_pairs_are_latitude_then_longitude():
    square = Polygon([(72.0, 38.0), (73.0, 38.0), (73.0, 38.5), (72.0, 38.5)])
    (text,) = cap_polygons(square)
    assert {pair.split(",")[0] for pair in text.split()} == {"38.0000", "38.5000"}


def test_too_few_points_for_the_shape_is_refused():
    star = Polygon(
        [
            (72.5 + (0.5 if i % 2 else 0.1) * math.cos(i * 0.1),
             38.3 + (0.5 if i % 2 else 0.1) * math.sin(i * 0.1))
            for i in range(63)
        ]
    )  # fmt: skip
    with pytest.raises(AlertError, match="area changes by"):
        cap_polygons(star, max_points=8)


def test_self_intersecting_polygon_is_refused_naming_the_field():
    bow_tie = Polygon([(72, 38), (73, 39), (73, 38), (72, 39), (72, 38)])
    with pytest.raises(AlertError) as caught:
        cap_polygons(bow_tie, field_name="area.polygon")
    assert caught.value.field == "area.polygon"
    assert "Self-intersection" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("38,72 39,72 38,72", "at least 4 pairs"),
        ("38,72 39,72 39,73 38,73", "first and last"),
        ("38;72 39,72 39,73 38,72", "pair 1"),
        ("98,72 39,72 39,73 98,72", "outside WGS 84"),
    ],
)
def test_malformed_cap_polygons_are_refused(text, message):
    with pytest.raises(AlertError, match=message):
        parse_cap_polygon(text)


def test_multipolygon_gives_one_cap_polygon_per_part():
    parts = MultiPolygon([Point(72, 38).buffer(0.1), Point(73, 38).buffer(0.1)])
    assert len(cap_polygons(parts)) == 2
