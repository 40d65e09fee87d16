"""Displaced people and minimum needs: rates and profiles from data/standards, rounded up."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from eoc.analysis.active import AnalysisInputError
from eoc.analysis.needs import (
    DISPLACEMENT_RATES_FILE,
    NEEDS_PROFILES_FILE,
    NeedItem,
    NeedsProfile,
    choose_profile,
    displaced_by_zone,
    displaced_people,
    load_displacement_rates,
    load_needs_profiles,
    needs_of,
)

FIVE_PER_KIT = NeedsProfile(
    "test",
    (
        NeedItem("family kits", "kits", Decimal("0.2"), "once", "1 per 5 people"),
        NeedItem("toilets", "toilets", Decimal("0.05"), "once", "1 per 20 people"),
        NeedItem("rice", "kg", Decimal("2.8"), "weekly", "2.8 kg per person"),
    ),
)


@pytest.fixture
def villages_in_a_flood_and_a_quake() -> pd.DataFrame:
    """Exposure rows: village A in quake VII and VI (overlap) and a flood; B in quake VI only."""
    return pd.DataFrame(
        {
            "zone_id": ["EQ-VII", "EQ-VI", "FL-1", "EQ-VI", "EQ-VI"],
            "hazard_type": ["earthquake", "earthquake", "flood", "earthquake", "earthquake"],
            "severity": ["high", "moderate", "high", "moderate", "moderate"],
            "mmi": [7.0, 6.0, None, 6.0, 6.0],
            "layer": ["places", "places", "places", "places", "displacement_sites"],
            "feature_id": ["A", "A", "A", "B", "S-1"],
            "people": pd.array([1_001, 1_001, 1_001, 333, 50], dtype="Int64"),
        }
    )


@pytest.fixture
def half_and_tenth_rates() -> dict[tuple[str, str], Decimal]:
    return {
        ("earthquake", "high"): Decimal("0.5"),
        ("earthquake", "moderate"): Decimal("0.1"),
        ("flood", "high"): Decimal("0.05"),
    }


@pytest.mark.parametrize(
    ("displaced", "kits", "toilets", "rice_kg"),
    [
        (0, 0, 0, 0),
        (1, 1, 1, 3),  # 2.8 kg rounds up to 3
        (5, 1, 1, 14),  # exactly one kit: no float 1.0000000000000002 → 2
        (6, 2, 1, 17),  # 16.8 → 17
        (20, 4, 1, 56),
        (21, 5, 2, 59),  # 58.8 → 59
        (10_474_000, 2_094_800, 523_700, 29_327_200),
    ],
)
def test_needs_are_rounded_up_never_fractions(displaced, kits, toilets, rice_kg):
    needs = needs_of(displaced, FIVE_PER_KIT).set_index("item")["quantity"]
    assert (needs["family kits"], needs["toilets"], needs["rice"]) == (kits, toilets, rice_kg)


@pytest.mark.parametrize("displaced", [-1, 2.5, True])
def test_needs_refuse_what_is_not_a_head_count(displaced):
    with pytest.raises(AnalysisInputError, match="whole number of people"):
        needs_of(displaced, FIVE_PER_KIT)


def test_shipped_profiles_hold_the_inasafe_and_sphere_figures():
    profiles = load_needs_profiles(NEEDS_PROFILES_FILE)
    assert {"inasafe", "sphere"} <= set(profiles)
    inasafe = {
        n.item: (n.quantity_per_person, n.unit, n.frequency) for n in profiles["inasafe"].items
    }
    assert inasafe == {
        "rice": (Decimal("2.8"), "kg", "weekly"),
        "drinking water": (Decimal("17.5"), "l", "weekly"),
        "clean water": (Decimal("67"), "l", "weekly"),
        "family kits": (Decimal("0.2"), "kits", "weekly"),
        "toilets": (Decimal("0.05"), "toilets", "once"),
    }
    sphere = {n.item: n.quantity_per_person for n in profiles["sphere"].items}
    assert sphere["food"] == Decimal("2100")
    assert sphere["water (drinking cooking hygiene)"] == Decimal("15")
    assert sphere["toilets (first phase)"] == Decimal("0.02")
    assert sphere["toilets (longer term)"] == Decimal("0.05")
    assert all(n.source for p in profiles.values() for n in p.items)


def test_inasafe_profile_reproduces_an_inasafe_report_line():
    # InaSAFE's Jakarta flood example: 979,000 displaced → rice 2,741,200 kg, drinking water
    # 17,132,500 l, clean water 65,593,000 l, family kits 195,800, toilets 48,950.
    needs = needs_of(979_000, choose_profile(load_needs_profiles(), "inasafe"))
    assert dict(zip(needs["item"], needs["quantity"], strict=True)) == {
        "rice": 2_741_200,
        "drinking water": 17_132_500,
        "clean water": 65_593_000,
        "family kits": 195_800,
        "toilets": 48_950,
    }


def test_an_unknown_profile_lists_the_known_ones():
    with pytest.raises(AnalysisInputError, match="profiles: inasafe, sphere"):
        choose_profile(load_needs_profiles(), "unhcr")


def test_shipped_rates_cover_every_hazard_and_severity():
    rates = load_displacement_rates(DISPLACEMENT_RATES_FILE)
    assert len(rates) == 28  # 7 hazard types × 4 severities
    assert rates[("earthquake", "moderate")] == Decimal("1.0")  # InaSAFE: MMI VI and above
    assert rates[("drought", "very_high")] == Decimal("0.0")  # nobody displaced within a report
    assert rates[("earthquake", "low")] == Decimal("0.0")
    assert rates[("flood", "high")] == Decimal("0.05")


def test_displaced_by_zone_counts_a_village_in_its_worst_zone_of_each_hazard(
    villages_in_a_flood_and_a_quake, half_and_tenth_rates
):
    table = displaced_by_zone(villages_in_a_flood_and_a_quake, half_and_tenth_rates)
    assert list(table.itertuples(index=False, name=None)) == [
        ("EQ-VI", "earthquake", "moderate", 333, 0.1, 34),  # 33.3 → 34; A counted in VII only
        ("EQ-VII", "earthquake", "high", 1_001, 0.5, 501),  # 500.5 → 501
        ("FL-1", "flood", "high", 1_001, 0.05, 51),  # 50.05 → 51
    ]


def test_displaced_people_are_counted_once_at_their_highest_rate(
    villages_in_a_flood_and_a_quake, half_and_tenth_rates
):
    # A: max(0.5, 0.05) × 1001 = 500.5; B: 0.1 × 333 = 33.3; the site is not residents.
    assert displaced_people(villages_in_a_flood_and_a_quake, half_and_tenth_rates) == 534


def test_a_missing_rate_is_named(villages_in_a_flood_and_a_quake):
    with pytest.raises(
        AnalysisInputError, match="no displacement rate for flood zones of severity high"
    ):
        displaced_by_zone(
            villages_in_a_flood_and_a_quake,
            {("earthquake", "high"): 1, ("earthquake", "moderate"): 1},
        )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("hazard_type,severity,rate\nflood,high,0.1\n", "no column source"),
        ("hazard_type,severity,rate,source\nflood,high,lots,x\n", "rate 'lots' is not a number"),
        ("hazard_type,severity,rate,source\nflood,high,1.5,x\n", "not between 0 and 1"),
        ("hazard_type,severity,rate,source\ntsunami,high,1,x\n", "unknown hazard/severity"),
        ("hazard_type,severity,rate,source\nflood,high,0.1,\n", "has no source"),
        (
            "hazard_type,severity,rate,source\nflood,high,0.1,x\n",
            "no displacement rate for earthquake/low",
        ),
    ],
)
def test_a_bad_rates_file_is_refused_with_its_line(tmp_path, content, message):
    path = tmp_path / "rates.csv"
    path.write_text(content)
    with pytest.raises(AnalysisInputError, match=message):
        load_displacement_rates(path)


def test_a_missing_standards_file_is_named(tmp_path):
    with pytest.raises(AnalysisInputError, match="cannot read the standards file"):
        load_needs_profiles(tmp_path / "none.csv")


def test_seed_needs_end_to_end(seed_frames):
    from eoc.analysis.active import active_at
    from eoc.analysis.exposure import exposed_features

    zones = active_at(seed_frames["hazard_zones"], "2026-11-22T06:00Z")
    exposed = exposed_features({"places": seed_frames["places"]}, zones)
    displaced = displaced_people(exposed, load_displacement_rates())
    # Rasht (10,771) in the Gharm landslide zone at rate 1.0; Panji Poyon (5,303) in the lower
    # Panj flood zone (high) at 0.05 → 265.15.
    assert displaced == 10_771 + 266
    sphere = needs_of(displaced, load_needs_profiles()["sphere"]).set_index("item")["quantity"]
    assert sphere["water (drinking cooking hygiene)"] == 15 * displaced
