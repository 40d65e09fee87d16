"""What is in force at a moment: zones by validity window, incidents by time and status."""

from __future__ import annotations

from datetime import UTC, datetime

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from eoc.analysis.active import AnalysisInputError, active_at, open_incidents_at

SQUARE = shapely.box(71.0, 37.0, 71.1, 37.1)


@pytest.fixture
def winter_and_summer_zones() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "zone_id": ["open-ended", "summer-flood", "winter-avalanche", "not-yet"],
            "valid_from": pd.to_datetime(
                [
                    "2026-11-21T03:15Z",
                    "2026-07-10T00:00Z",
                    "2026-11-01T00:00Z",
                    "2026-12-01T00:00Z",
                ],
                utc=True,
            ),
            "valid_to": pd.to_datetime(
                [None, "2026-09-30T23:59:59Z", "2027-04-30T23:59:59Z", None], utc=True
            ),
        },
        geometry=[SQUARE] * 4,
        crs="EPSG:4326",
    )


@pytest.fixture
def incidents_in_gbao() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "incident_id": ["mudflow", "road", "future", "no-time"],
            "time_utc": pd.to_datetime(
                ["2026-11-19T14:05Z", "2026-11-21T07:40Z", "2026-11-23T00:00Z", None], utc=True
            ),
            "status": ["verified", "closed", "reported", "reported"],
        },
        geometry=[shapely.Point(71.5, 37.5)] * 4,
        crs="EPSG:4326",
    )


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2026-11-22T06:00Z", ["open-ended", "winter-avalanche"]),
        ("2026-08-15T12:00Z", ["summer-flood"]),
        ("2026-09-30T23:59:58Z", ["summer-flood"]),
        ("2026-09-30T23:59:59Z", []),  # the end is the first moment it no longer applies
        ("2026-11-21T03:15Z", ["open-ended", "winter-avalanche"]),  # so is the start
        ("2027-06-01T00:00Z", ["open-ended", "not-yet"]),
        ("2026-01-01T00:00Z", []),
    ],
)
def test_active_at_keeps_rows_valid_at_that_moment(winter_and_summer_zones, when, expected):
    active = active_at(winter_and_summer_zones, when)
    assert list(active["zone_id"]) == expected


def test_active_at_accepts_other_time_zones(winter_and_summer_zones):
    dushanbe = datetime.fromisoformat("2026-11-21T08:14:00+05:00")  # 03:14 UTC
    assert list(active_at(winter_and_summer_zones, dushanbe)["zone_id"]) == ["winter-avalanche"]


def test_active_at_refuses_a_time_without_zone(winter_and_summer_zones):
    with pytest.raises(AnalysisInputError, match="no time zone"):
        active_at(winter_and_summer_zones, datetime(2026, 11, 22, 6, 0))


def test_active_at_names_a_missing_field(winter_and_summer_zones):
    with pytest.raises(AnalysisInputError, match="no field valid_to"):
        active_at(winter_and_summer_zones.drop(columns="valid_to"), "2026-11-22T06:00Z")


def test_active_at_does_not_change_its_input(winter_and_summer_zones):
    before = winter_and_summer_zones.copy()
    active_at(winter_and_summer_zones, "2026-11-22T06:00Z")
    pd.testing.assert_frame_equal(winter_and_summer_zones, before)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (datetime(2026, 11, 22, 6, 0, tzinfo=UTC), ["mudflow"]),
        (datetime(2026, 11, 24, 0, 0, tzinfo=UTC), ["mudflow", "future"]),
        (datetime(2026, 11, 19, 0, 0, tzinfo=UTC), []),
    ],
)
def test_open_incidents_have_happened_and_are_not_closed(incidents_in_gbao, when, expected):
    assert list(open_incidents_at(incidents_in_gbao, when)["incident_id"]) == expected


def test_seed_zones_active_on_the_scenario_morning(seed_frames):
    active = active_at(seed_frames["hazard_zones"], "2026-11-22T06:00Z")
    # The summer flood warnings (TJ-HZ-007, -008) have expired; everything else is in force.
    assert set(seed_frames["hazard_zones"]["zone_id"]) - set(active["zone_id"]) == {
        "TJ-HZ-007",
        "TJ-HZ-008",
    }


def test_analysis_never_reads_the_clock_the_environment_or_the_store():
    """DESIGN: eoc/analysis is pure — "now" and thresholds are arguments."""
    import ast
    from pathlib import Path

    forbidden_modules = {"dash", "sqlite3", "sqlalchemy", "psycopg", "time", "os", "eoc.store"}
    clock_calls = {"now", "utcnow", "today"}
    package = Path(__file__).resolve().parents[2] / "eoc" / "analysis"
    problems = []
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if any(name == m or name.startswith(m + ".") for m in forbidden_modules):
                    problems.append(f"{path.name} imports {name}")
            if isinstance(node, ast.Attribute) and node.attr in clock_calls:
                problems.append(f"{path.name} line {node.lineno} reads the clock (.{node.attr})")
    assert problems == []
