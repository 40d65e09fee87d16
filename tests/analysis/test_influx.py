"""Influx projection, hand-worked: a constant rate fills known capacities on known days."""

from __future__ import annotations

from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from eoc.analysis.capacity import CapacityRules, load_standards
from eoc.analysis.influx import (
    AssignmentRule,
    InfluxError,
    InfluxModel,
    WhatIf,
    arrival_rates,
    cumulative_arrivals,
    project_influx,
)
from eoc.analysis.road_graph import build_road_graph

AS_OF = date(2026, 6, 30)  # summer: the warm-season covered-space standard
RULES = CapacityRules(load_standards(), on=AS_OF)
EXACT = AssignmentRule(fill_limit=1.0)


def constant_arrivals(per_day: int, days: int = 14, point: str = "P1") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"day": AS_OF - timedelta(days=i), "point_id": point, "direction": "in",
             "category": "refugees", "count": per_day}
            for i in range(days)
        ]
    )  # fmt: skip


@pytest.fixture
def point_west() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"point_id": ["P1"]}, geometry=[Point(68.0, 38.0)], crs=4326)


@pytest.fixture
def two_sites_east() -> gpd.GeoDataFrame:
    """Site A (1,000 places, region R1) ~9 km east of P1, site B (500, R2) ~26 km east."""
    return gpd.GeoDataFrame(
        {
            "site_id": ["A", "B"], "name": ["A", "B"], "site_type": "collective_centre",
            "adm1_iso": ["R1", "R2"], "status": "open", "individuals": [0, 0],
            "capacity": [1000, 500], "covered_area_m2": [1e6, 1e6], "site_area_m2": [1e7, 1e7],
        },
        geometry=[Point(68.1, 38.0), Point(68.3, 38.0)],
        crs=4326,
    )  # fmt: skip


@pytest.fixture
def road() -> object:
    roads = gpd.GeoDataFrame(
        {"road_id": [1]}, geometry=[LineString([(67.9, 38.0), (68.5, 38.0)])], crs=4326
    )
    return build_road_graph(roads)


def regions_of(projection) -> dict[str, dict]:
    return projection.regions.set_index("adm1_iso").to_dict("index")


def test_constant_rate_fills_nearest_site_then_next_on_known_days(point_west, two_sites_east, road):
    # 100 a day for 14 days: the rate is (1400 + 1/2) / 14 = 100.04 a day. Site A's 1,000
    # places are full after 1000 / 100.04 = 9.996 -> day 10 (10 July); then B's 500 places
    # take 5 more days -> day 15 (15 July).
    projection = project_influx(
        constant_arrivals(100), two_sites_east, point_west, road, as_of=AS_OF, rules=RULES,
        rule=EXACT,
    )  # fmt: skip
    regions = regions_of(projection)
    assert regions["R1"]["days_to_full"] == 10
    assert regions["R1"]["full_on"] == date(2026, 7, 10)
    assert regions["R2"]["days_to_full"] == 15
    assert regions["R1"]["days_to_full_early"] <= 10 <= regions["R1"]["days_to_full_late"]


def test_fill_limit_of_the_planner_applies(point_west, two_sites_east, road):
    # At the planner's 90 %: A takes 900 -> day 9; B 450 more -> 1,350 / 100.04 -> day 14.
    projection = project_influx(
        constant_arrivals(100), two_sites_east, point_west, road, as_of=AS_OF, rules=RULES
    )
    regions = regions_of(projection)
    assert (regions["R1"]["days_to_full"], regions["R2"]["days_to_full"]) == (9, 14)


def test_what_if_rate_new_site_and_closed_site(point_west, two_sites_east, road):
    def run(what_if):
        return regions_of(
            project_influx(
                constant_arrivals(100), two_sites_east, point_west, road, as_of=AS_OF,
                rules=RULES, rule=EXACT, what_if=what_if,
            )
        )  # fmt: skip

    assert run(WhatIf(rate_factor=2.0))["R1"]["days_to_full"] == 5  # 1000 / 200.07
    assert "R1" not in run(WhatIf(closed_site_ids=("A",)))
    assert run(WhatIf(closed_site_ids=("A",)))["R2"]["days_to_full"] == 5  # 500 / 100.04
    new = gpd.GeoDataFrame(
        {"site_id": ["NEW"], "adm1_iso": ["R1"], "capacity": [2000]},
        geometry=[Point(68.05, 38.0)],
        crs=4326,
    )
    opened = run(WhatIf(new_sites=new))
    # The new site is nearest: its 2,000 places first (day 20), then A's 1,000 (day 30).
    assert opened["R1"]["days_to_full"] == 30
    assert opened["R1"]["sites"] == 2
    with pytest.raises(InfluxError):
        WhatIf(rate_factor=5)


def test_sites_in_hazard_zones_and_shelters_take_nobody(point_west, two_sites_east, road):
    sites = two_sites_east.assign(site_type=["protection_shelter", "collective_centre"])
    zone = gpd.GeoDataFrame(
        {"name": ["flood"]}, geometry=[Point(68.3, 38.0).buffer(0.01)], crs=4326
    )
    projection = project_influx(
        constant_arrivals(100), sites, point_west, road, as_of=AS_OF, rules=RULES, rule=EXACT,
        hazard_zones=zone,
    )  # fmt: skip
    assert projection.regions.empty
    assert projection.unplaced[1] == pytest.approx(100.0357 * 365, rel=1e-3)


def test_band_widens_with_fewer_days_of_data():
    def width(days: int) -> float:
        rates = arrival_rates(constant_arrivals(100, days), as_of=AS_OF)
        low, mid, high = cumulative_arrivals(rates, horizon_days=30, band=0.8)
        return float(high[0, -1] - low[0, -1])

    assert width(3) > width(7) > width(28)


def test_dispersion_is_the_spread_of_the_daily_counts():
    # Counts 50, 150, 50, 150: mean 100, sample variance 3,333 -> dispersion 33.3; an
    # over-dispersed series has a wider band than a constant one with the same mean.
    counts = constant_arrivals(100, 4).assign(count=[50, 150, 50, 150])
    rates = arrival_rates(counts, as_of=AS_OF)
    assert rates.loc[0, "dispersion"] == pytest.approx(10000 / 3 / 100)
    assert rates.loc[0, "per_day"] == pytest.approx((400 / 33.333 + 0.5) / (4 / 33.333), 1e-3)
    steady = arrival_rates(constant_arrivals(100, 4), as_of=AS_OF)
    spread = [np.ptp(cumulative_arrivals(r, horizon_days=7, band=0.8), axis=0)[0, -1]
              for r in (rates, steady)]  # fmt: skip
    assert spread[0] > spread[1]


def test_only_arrivals_of_site_categories_count_and_missing_days_are_zero():
    counts = pd.concat(
        [
            constant_arrivals(70, 1),
            constant_arrivals(999, 1).assign(category="returning_migrants"),
            constant_arrivals(999, 1).assign(direction="out"),
            # first reported 14 days ago: the 12 days between without a row are 0 arrivals
            constant_arrivals(70, 1).assign(day=AS_OF - timedelta(days=13)),
        ]
    )
    rates = arrival_rates(counts, as_of=AS_OF, model=InfluxModel(window_days=14))
    assert (rates.loc[0, "days"], rates.loc[0, "arrivals"]) == (14, 140)


def test_unlocated_points_are_named(point_west, two_sites_east, road):
    counts = pd.concat([constant_arrivals(10), constant_arrivals(5, point="Bus station")])
    projection = project_influx(counts, two_sites_east, point_west, road, as_of=AS_OF, rules=RULES)
    assert projection.unlocated == ("Bus station",)
