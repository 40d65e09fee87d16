"""Site capacity against the Sphere standards, checked by hand to the person."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from eoc.analysis.capacity import (
    PARAMETERS,
    PROFILES_FILE,
    CapacityRules,
    ColdSeason,
    StandardsError,
    list_profiles,
    load_standards,
    occupancy_by_region,
    site_capacity,
    wash_gaps_by_region,
)

SUMMER = date(2026, 7, 1)
WINTER = date(2026, 12, 1)


@pytest.fixture(scope="module")
def sphere():
    return load_standards()


def sites_frame(*rows: dict) -> gpd.GeoDataFrame:
    base = {
        "site_id": "TJ-DS-9000",
        "name": "test site",
        "site_type": "planned_site",
        "adm1_iso": "TJ-GB",
        "status": "open",
        "individuals": 100,
        "capacity": 1000,
        "site_area_m2": 100_000.0,
        "covered_area_m2": 10_000.0,
        "latrines": 10,
        "water_points": 2,
    }
    records = [{**base, **row} for row in rows]
    frame = pd.DataFrame(records).astype(
        {
            "individuals": "Int64",
            "capacity": "Int64",
            "site_area_m2": "Float64",
            "covered_area_m2": "Float64",
            "latrines": "Int64",
            "water_points": "Int64",
        }
    )
    return gpd.GeoDataFrame(
        frame, geometry=[Point(71.5 + i / 100, 37.5) for i in range(len(records))], crs=4326
    )


# Site A, summer (3.5 m² covered per person), first phase (1 toilet per 50):
#   covered 720 / 3.5 = 205.71 -> 205; site 11,000 / 45 = 244.44 -> 244
#   standards = min(205, 244) = 205 (covered space); binding = min(205, declared 500) = 205
#   occupancy 400 / 205 = 195.12 %; free 0; over capacity
#   site area per person 11,000 / 400 = 27.5 m² -> moderate (20 <= 27.5 < 30)
#   latrines ceil(400 / 50) = 8, present 5 -> gap 3; taps ceil(400 / 250) = 2, present 1 -> gap 1
#   water 400 × 15 = 6,000 l/day
SITE_A = {
    "site_id": "A", "individuals": 400, "capacity": 500, "covered_area_m2": 720.0,
    "site_area_m2": 11_000.0, "latrines": 5, "water_points": 1,
}  # fmt: skip
EXPECTED_A = {
    "capacity_covered": 205, "capacity_site_area": 244, "standards_capacity": 205,
    "binding_capacity": 205, "binding_standard": "covered_space", "free_places": 0,
    "over_capacity": True, "congestion": "moderate", "latrines_needed": 8, "latrine_gap": 3,
    "water_points_needed": 2, "water_point_gap": 1, "water_need_l_day": 6000.0,
}  # fmt: skip

# Site B, winter (4.5 m² covered per person), medium term (1 toilet per 20):
#   covered 1,400 / 4.5 = 311.11 -> 311; site 9,100 / 45 = 202.22 -> 202
#   standards = min(311, 202) = 202 (site area); binding = min(202, declared 300) = 202
#   occupancy 260 / 202 = 128.71 %; free 0; over capacity
#   site area per person 9,100 / 260 = 35 m² -> low (30 <= 35 < 45)
#   latrines ceil(260 / 20) = 13, present 10 -> gap 3; taps ceil(260 / 250) = 2, present 2 -> 0
#   water 260 × 15 = 3,900 l/day
SITE_B = {
    "site_id": "B", "individuals": 260, "capacity": 300, "covered_area_m2": 1_400.0,
    "site_area_m2": 9_100.0, "latrines": 10, "water_points": 2,
}  # fmt: skip
EXPECTED_B = {
    "capacity_covered": 311, "capacity_site_area": 202, "standards_capacity": 202,
    "binding_capacity": 202, "binding_standard": "site_area", "free_places": 0,
    "over_capacity": True, "congestion": "low", "latrines_needed": 13, "latrine_gap": 3,
    "water_points_needed": 2, "water_point_gap": 0, "water_need_l_day": 3900.0,
}  # fmt: skip

# Site C, winter, first phase, communal services elsewhere (30 m² of site per person):
#   covered 1,000 / 4.5 = 222.22 -> 222; site 9,000 / 30 = 300
#   standards = min(222, 300) = 222 (covered space); binding = min(222, declared 200) = 200
#   occupancy 180 / 200 = 90 %; free 200 - 180 = 20; not over capacity
#   site area per person 9,000 / 180 = 50 m² -> none (>= 45)
#   latrines ceil(180 / 50) = 4, present 4 -> gap 0; taps ceil(180 / 250) = 1, present 1 -> 0
#   water 180 × 15 = 2,700 l/day
SITE_C = {
    "site_id": "C", "individuals": 180, "capacity": 200, "covered_area_m2": 1_000.0,
    "site_area_m2": 9_000.0, "latrines": 4, "water_points": 1, "communal_services_elsewhere": True,
}  # fmt: skip
EXPECTED_C = {
    "capacity_covered": 222, "capacity_site_area": 300, "standards_capacity": 222,
    "binding_capacity": 200, "binding_standard": "declared", "free_places": 20,
    "over_capacity": False, "congestion": "none", "latrines_needed": 4, "latrine_gap": 0,
    "water_points_needed": 1, "water_point_gap": 0, "water_need_l_day": 2700.0,
}  # fmt: skip


@pytest.mark.parametrize(
    ("site", "on", "phase", "expected", "occupancy"),
    [
        (SITE_A, SUMMER, "first", EXPECTED_A, 400 / 205 * 100),
        (SITE_B, WINTER, "medium_term", EXPECTED_B, 260 / 202 * 100),
        (SITE_C, WINTER, "first", EXPECTED_C, 90.0),
    ],
    ids=["A-covered-space-binds", "B-site-area-binds", "C-declared-binds"],
)
def test_hand_worked_sites(sphere, site, on, phase, expected, occupancy):
    result = site_capacity(sites_frame(site), rules=CapacityRules(sphere, on=on, phase=phase))
    row = result.iloc[0]
    assert {name: row[name] for name in expected} == expected
    assert row["occupancy_pct"] == pytest.approx(occupancy)


def test_three_sites_in_one_frame_match_one_by_one(sphere):
    rules = CapacityRules(sphere, on=WINTER)
    together = site_capacity(sites_frame(SITE_A, SITE_B, SITE_C), rules=rules)
    for i, site in enumerate((SITE_A, SITE_B, SITE_C)):
        alone = site_capacity(sites_frame(site), rules=rules)
        assert together.iloc[i]["binding_capacity"] == alone.iloc[0]["binding_capacity"]


def test_the_input_frame_is_not_changed(sphere):
    sites = sites_frame(SITE_A)
    before = sites.copy()
    result = site_capacity(sites, rules=CapacityRules(sphere, on=SUMMER))
    assert result is not sites
    assert list(sites.columns) == list(before.columns)
    pd.testing.assert_frame_equal(pd.DataFrame(sites), pd.DataFrame(before))


@pytest.mark.parametrize(
    ("on", "covered_capacity"),
    [
        (date(2026, 10, 14), 1000 // 3.5),  # last warm day
        (date(2026, 10, 15), 1000 // 4.5),  # first cold day
        (date(2027, 1, 10), 1000 // 4.5),
        (date(2027, 4, 15), 1000 // 4.5),  # last cold day
        (date(2027, 4, 16), 1000 // 3.5),
    ],
)
def test_cold_season_switches_covered_space(sphere, on, covered_capacity):
    sites = sites_frame({"covered_area_m2": 1000.0})
    result = site_capacity(sites, rules=CapacityRules(sphere, on=on))
    assert result.iloc[0]["capacity_covered"] == covered_capacity  # 285 warm, 222 cold


def test_cold_season_dates_are_a_setting(sphere):
    short_winter = ColdSeason(start=(12, 1), end=(2, 28))
    rules = CapacityRules(sphere, on=date(2026, 11, 22), cold_season=short_winter)
    assert not rules.cold
    result = site_capacity(sites_frame({"covered_area_m2": 1000.0}), rules=rules)
    assert result.iloc[0]["capacity_covered"] == 285


@pytest.mark.parametrize(
    ("phase", "people", "needed"),
    [("first", 101, 3), ("first", 100, 2), ("medium_term", 101, 6), ("medium_term", 100, 5)],
)
def test_response_phase_switches_toilet_ratio(sphere, phase, people, needed):
    rules = CapacityRules(sphere, on=SUMMER, phase=phase)
    result = site_capacity(sites_frame({"individuals": people, "latrines": 1}), rules=rules)
    assert result.iloc[0]["latrines_needed"] == needed
    assert result.iloc[0]["latrine_gap"] == needed - 1


def test_an_unknown_phase_is_refused(sphere):
    with pytest.raises(StandardsError, match="medium_term"):
        CapacityRules(sphere, on=SUMMER, phase="late")


@pytest.mark.parametrize(
    ("site_area_m2", "band"),
    [
        (1_999.0, "high"),
        (2_000.0, "moderate"),  # exactly 20 m² per person
        (2_999.0, "moderate"),
        (3_000.0, "low"),  # exactly 30
        (4_499.0, "low"),
        (4_500.0, "none"),  # exactly 45
        (90_000.0, "none"),
    ],
)
def test_congestion_band_edges(sphere, site_area_m2, band):
    result = site_capacity(
        sites_frame({"individuals": 100, "site_area_m2": site_area_m2}),
        rules=CapacityRules(sphere, on=SUMMER),
    )
    assert result.iloc[0]["congestion"] == band


def test_a_planned_site_with_no_people_is_empty_not_broken(sphere):
    result = site_capacity(
        sites_frame({"individuals": 0, "capacity": 1500, "latrines": 0, "water_points": 0}),
        rules=CapacityRules(sphere, on=SUMMER),
    ).iloc[0]
    assert result["occupancy_pct"] == 0
    assert result["free_places"] == result["binding_capacity"]
    assert not result["over_capacity"]
    assert result["latrines_needed"] == 0 and result["latrine_gap"] == 0
    assert result["water_need_l_day"] == 0
    assert pd.isna(result["site_m2_per_person"]) and pd.isna(result["congestion"])


def test_a_site_without_areas_is_not_assessed(sphere):
    shelter = {
        "site_type": "protection_shelter", "individuals": 24, "capacity": 30,
        "site_area_m2": None, "covered_area_m2": None, "latrines": None, "water_points": None,
    }  # fmt: skip
    result = site_capacity(sites_frame(shelter), rules=CapacityRules(sphere, on=SUMMER)).iloc[0]
    for name in (
        "capacity_covered", "capacity_site_area", "standards_capacity", "binding_capacity",
        "binding_standard", "occupancy_pct", "free_places", "congestion",
        "latrine_gap", "water_point_gap",
    ):  # fmt: skip
        assert pd.isna(result[name]), name
    # What people need does not depend on the site's areas.
    assert result["latrines_needed"] == 1 and result["water_need_l_day"] == 360
    # Not assessed against the standards, but its declared capacity still counts.
    assert result["over_capacity"] == False  # noqa: E712
    crowded = site_capacity(
        sites_frame(shelter | {"individuals": 40}), rules=CapacityRules(sphere, on=SUMMER)
    ).iloc[0]
    assert crowded["over_capacity"] == True  # noqa: E712


def test_one_missing_area_leaves_the_other_standard(sphere):
    result = site_capacity(
        sites_frame({"covered_area_m2": None, "site_area_m2": 4_500.0, "capacity": 1000}),
        rules=CapacityRules(sphere, on=SUMMER),
    ).iloc[0]
    assert result["standards_capacity"] == 100
    assert result["binding_standard"] == "site_area"


def test_a_site_with_no_space_and_people_is_over_capacity(sphere):
    result = site_capacity(
        sites_frame({"covered_area_m2": 0.0, "individuals": 10}),
        rules=CapacityRules(sphere, on=SUMMER),
    ).iloc[0]
    assert result["binding_capacity"] == 0 and result["over_capacity"]
    assert pd.isna(result["occupancy_pct"])


def test_exact_multiples_are_not_lost_to_rounding(sphere):
    # 13.5 / 4.5 is 2.9999999999999996 in floating point: still 3 people.
    result = site_capacity(
        sites_frame({"covered_area_m2": 13.5}), rules=CapacityRules(sphere, on=WINTER)
    )
    assert result.iloc[0]["capacity_covered"] == 3


def test_profiles_switch_the_site_area_standard():
    assert list_profiles() == ["sphere_2018", "sphere_2018_communal_elsewhere"]
    elsewhere = load_standards(profile="sphere_2018_communal_elsewhere")
    result = site_capacity(
        sites_frame({"site_area_m2": 9_000.0}), rules=CapacityRules(elsewhere, on=SUMMER)
    )
    assert result.iloc[0]["capacity_site_area"] == 300


def test_every_profile_has_every_number_with_a_source():
    for profile in list_profiles():
        standards = load_standards(profile=profile)
        assert set(standards.sources) == set(PARAMETERS)
        assert all(source.strip() for source in standards.sources.values())


def test_the_sphere_numbers(sphere):
    assert (sphere.covered_m2_per_person, sphere.covered_m2_per_person_cold) == (3.5, 4.5)
    assert (sphere.site_m2_per_person, sphere.site_m2_per_person_communal_elsewhere) == (45, 30)
    assert (sphere.water_l_per_person_day, sphere.people_per_tap) == (15, 250)
    assert (sphere.people_per_toilet_first_phase, sphere.people_per_toilet) == (50, 20)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sphere_2018,people_per_tap,many,people,Sphere", "'many' is not a number"),
        ("sphere_2018,people_per_tap,0,people,Sphere", "must be above 0"),
        ("sphere_2018,people_per_tap,250,people,", "the source is empty"),
        ("sphere_2018,taps,250,people,Sphere", "unknown parameter 'taps'"),
    ],
)
def test_a_bad_standards_file_is_refused(tmp_path: Path, text, message):
    path = tmp_path / "profiles.csv"
    path.write_text("profile,parameter,value,unit,source\n" + text + "\n", encoding="utf-8")
    with pytest.raises(StandardsError, match=message):
        load_standards(path)


def test_an_unknown_profile_names_the_known_ones():
    with pytest.raises(StandardsError, match="sphere_2018"):
        load_standards(PROFILES_FILE, profile="unhcr")


def test_region_summaries_add_up(sphere):
    sites = sites_frame(
        {**SITE_A, "adm1_iso": "TJ-GB"},
        {**SITE_C, "adm1_iso": "TJ-GB"},
        {**SITE_B, "adm1_iso": "TJ-KT"},
        {"site_id": "S", "adm1_iso": "TJ-KT", "individuals": 24, "site_area_m2": None,
         "covered_area_m2": None, "latrines": None},
    )  # fmt: skip
    checked = site_capacity(sites, rules=CapacityRules(sphere, on=WINTER))
    occupancy = occupancy_by_region(checked).set_index("adm1_iso")
    # Winter: A's covered space holds 720 / 4.5 = 160; C binds at its declared 200.
    assert occupancy.loc["TJ-GB", "binding_capacity"] == 160 + 200
    assert occupancy.loc["TJ-GB", "occupancy_pct"] == pytest.approx((400 + 180) / 360 * 100)
    assert occupancy.loc["TJ-GB", "free_places"] == 20
    assert occupancy.loc["TJ-GB", "sites_over_capacity"] == 1
    assert occupancy.loc["TJ-KT", "sites_not_assessed"] == 1
    assert occupancy.loc["TJ-KT", "individuals_not_assessed"] == 24
    assert occupancy.loc["TJ-KT", "occupancy_pct"] == pytest.approx(260 / 202 * 100)

    wash = wash_gaps_by_region(checked).set_index("adm1_iso")
    assert wash.loc["TJ-GB", "latrines_needed"] == 8 + 4
    assert wash.loc["TJ-GB", "latrine_gap"] == 3  # C's spare latrines do not fill A's gap
    assert wash.loc["TJ-KT", "water_need_l_day"] == (260 + 24) * 15
    assert wash.loc["TJ-GB", "sites_with_latrine_gap"] == 1
    # Winter, first phase: B needs ceil(260 / 50) = 6 and has 10; the shelter's is unknown.
    assert wash.loc["TJ-KT", "sites_with_latrine_gap"] == 0


def test_summaries_need_checked_sites():
    with pytest.raises(StandardsError, match="site_capacity"):
        occupancy_by_region(sites_frame({}))


def test_the_seed_sites(seed_frames, sphere):
    sites = seed_frames["displacement_sites"]
    checked = site_capacity(sites, rules=CapacityRules(sphere, on=date(2026, 11, 22)))
    assert len(checked) == len(sites)
    shelters = checked["site_type"] == "protection_shelter"
    assert checked.loc[shelters, "binding_capacity"].isna().all()
    assessed = checked[~shelters]
    assert (assessed["binding_capacity"] <= assessed["capacity"]).all()
    assert (assessed["free_places"] >= 0).all()
    over = assessed["individuals"] > assessed["binding_capacity"]
    assert (assessed["over_capacity"] == over).all()
    # Khorog School No. 3 in November (cold): 12,404.5 m² / 45 = 275.66 -> 275 people.
    khorog = checked.set_index("site_id").loc["TJ-DS-0001"]
    assert khorog["binding_capacity"] == 275 and khorog["binding_standard"] == "site_area"
    totals = occupancy_by_region(checked)
    assert totals["individuals"].sum() == sites["individuals"].sum()
