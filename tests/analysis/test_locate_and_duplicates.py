"""Where a point lies (region, district) and which open incident a new report duplicates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from eoc.analysis.duplicates import likely_duplicates
from eoc.analysis.regions import locate_points
from eoc.errors import EocError

AT = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
VANJ = Point(71.45, 38.37)


@pytest.fixture
def two_regions():
    return gpd.GeoDataFrame(
        {"adm1_iso": ["TJ-GB", "TJ-RA"]},
        geometry=[box(71, 38, 72, 39), box(70, 38, 71, 39)],
        crs=4326,
    )


@pytest.fixture
def three_districts():
    return gpd.GeoDataFrame(
        {"adm2_name": ["Vanj", "Rushon", "Tavildara"], "adm1_iso": ["TJ-GB", "TJ-GB", "TJ-RA"]},
        geometry=[box(71, 38, 72, 38.5), box(71, 38.5, 72, 39), box(70, 38, 71, 39)],
        crs=4326,
    )


@pytest.mark.parametrize(
    ("point", "adm1", "adm2"),
    [
        (Point(71.45, 38.37), "TJ-GB", "Vanj"),
        (Point(71.45, 38.7), "TJ-GB", "Rushon"),
        (Point(70.5, 38.5), "TJ-RA", "Tavildara"),
        (Point(72.005, 38.2), "TJ-GB", "Vanj"),  # ~440 m outside a simplified boundary
        (Point(73.5, 38.2), None, None),  # abroad, far from every unit
    ],
)
def test_a_point_gets_its_region_and_district(two_regions, three_districts, point, adm1, adm2):
    found = locate_points(gpd.GeoSeries([point], crs=4326), two_regions, three_districts)
    got = tuple(None if pd.isna(v) else v for v in found.iloc[0])
    assert got == (adm1, adm2)


def test_points_in_another_crs_are_refused(two_regions, three_districts):
    with pytest.raises(EocError, match="share one CRS"):
        locate_points(gpd.GeoSeries([VANJ], crs=32642), two_regions, three_districts)


def incidents(*rows):
    """(type, status, minutes before AT, metres north of Vanj) per incident."""
    metres_per_degree = 111_000
    return gpd.GeoDataFrame(
        {
            "incident_id": [f"INC-{i}" for i in range(len(rows))],
            "incident_type": [r[0] for r in rows],
            "status": [r[1] for r in rows],
            "time_utc": [AT - timedelta(minutes=r[2]) for r in rows],
        },
        geometry=[Point(VANJ.x, VANJ.y + r[3] / metres_per_degree) for r in rows],
        crs=4326,
    )


@pytest.mark.parametrize(
    ("row", "duplicate"),
    [
        (("mudflow", "reported", 40, 800), True),
        (("mudflow", "verified", -90, 1900), True),  # logged for a time after the new one
        (("flood", "reported", 40, 800), False),  # another type
        (("mudflow", "reported", 40, 2500), False),  # too far
        (("mudflow", "reported", 150, 800), False),  # too long before
        (("mudflow", "closed", 40, 800), False),  # closed: counted nowhere
    ],
)
def test_a_likely_duplicate_is_the_same_type_near_in_space_and_time(row, duplicate):
    found = likely_duplicates(incidents(row), incident_type="mudflow", location=VANJ, at=AT)
    assert (not found.empty) is duplicate
    if duplicate:
        assert found.iloc[0]["distance_km"] == pytest.approx(row[3] / 1000, rel=0.02)
        assert found.iloc[0]["minutes_apart"] == pytest.approx(row[2])


def test_duplicates_come_nearest_first():
    rows = [("mudflow", "reported", 10, 1500), ("mudflow", "reported", 60, 300)]
    found = likely_duplicates(incidents(*rows), incident_type="mudflow", location=VANJ, at=AT)
    assert list(found["incident_id"]) == ["INC-1", "INC-0"]
