"""The situation report model: its key figures equal a hand count over the seed frames."""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import rasterio
import shapely
from exactextract import exact_extract

from eoc.analysis.needs import DISPLACEMENT_RATES_FILE, NEEDS_PROFILES_FILE
from eoc.errors import NotFoundError
from eoc.reports.build import build_sitrep
from eoc.reports.event import relative_location

AS_OF = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
QUAKE = "INC-20261121-003"
OCCUPIED = {"open", "closing"}
GRID = Path(__file__).parents[2] / "data" / "seed" / "tj_worldpop2020_10km.tif"
# Residents come in whole people per zone-and-district piece: a total may differ from the exact
# sum by half a person per piece (about 30 pieces in the seed's zones in force).
ROUNDING = 15


@pytest.fixture(scope="module")
def country(seed_store):
    return build_sitrep(seed_store, as_of=AS_OF, produced_by="test", draw_map=False)


@pytest.fixture(scope="module")
def quake(seed_store):
    return build_sitrep(seed_store, as_of=AS_OF, produced_by="test", event_id=QUAKE, draw_map=False)


def zones_in_force(frames) -> list[dict]:
    """Hazard zones valid at AS_OF, by plain comparison of their dates."""
    rows = []
    for zone in frames["hazard_zones"].itertuples(index=False):
        start = pd.Timestamp(zone.valid_from)
        end = None if pd.isna(zone.valid_to) else pd.Timestamp(zone.valid_to)
        if start <= AS_OF and (end is None or end >= AS_OF):
            rows.append(zone._asdict())
    return rows


def inside(point, zones) -> list[dict]:
    return [zone for zone in zones if zone["geometry"].contains(point)]


def grid_sum(geometries) -> float:
    """People of the seed grid inside the union of `geometries`, straight from exactextract."""
    if not geometries:
        return 0.0
    union = gpd.GeoDataFrame(geometry=[shapely.union_all(geometries)], crs="EPSG:4326")
    with rasterio.open(GRID) as grid:
        return float(exact_extract(grid, union, ["sum"], output="pandas")["sum"].iloc[0])


def hand_count(frames, zones):
    rates = {}
    with DISPLACEMENT_RATES_FILE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rates[(row["hazard_type"], row["severity"])] = Decimal(row["rate"])
    shapes = [z["geometry"] for z in zones]
    residents = grid_sum(shapes)
    residents_mmi7 = grid_sum(
        [z["geometry"] for z in zones if z["hazard_type"] == "earthquake" and (z["mmi"] or 0) >= 7]
    )
    # Each person once at the highest rate: zones by falling rate, each less those before it.
    displaced, done = Decimal(0), []
    for zone in sorted(zones, key=lambda z: -rates[(z["hazard_type"], z["severity"])]):
        rest = shapely.difference(zone["geometry"], shapely.union_all(done)) if done else None
        rest = zone["geometry"] if rest is None else rest
        people = 0.0 if rest.is_empty else grid_sum([rest])
        displaced += Decimal(people) * rates[(zone["hazard_type"], zone["severity"])]
        done.append(zone["geometry"])
    sites = site_people = mmi7_sites = mmi7_people = 0
    for site in frames["displacement_sites"].itertuples(index=False):
        if site.status not in OCCUPIED:
            continue
        hits = inside(site.geometry, zones)
        if hits:
            sites += 1
            site_people += int(site.individuals)
        if any(z["hazard_type"] == "earthquake" and (z["mmi"] or 0) >= 7 for z in hits):
            mmi7_sites += 1
            mmi7_people += int(site.individuals)
    return {
        "residents_in_zones": residents,
        "residents_mmi7": residents_mmi7,
        "displaced": math.ceil(displaced),
        "sites_in_zones": sites,
        "people_in_sites_in_zones": site_people,
        "mmi7_sites": mmi7_sites,
        "mmi7_people": mmi7_people,
    }


def test_key_figures_equal_a_hand_count(country, seed_frames):
    expected = hand_count(seed_frames, zones_in_force(seed_frames))
    for key in ("residents_in_zones", "residents_mmi7", "displaced"):
        assert country.figure(key) == pytest.approx(expected[key], abs=ROUNDING), key
    for key in ("sites_in_zones", "people_in_sites_in_zones"):
        assert country.figure(key) == expected[key], key
    assert country.displaced == country.figure("displaced")
    # The seed's numbers, pinned so that a change of the seed is noticed here.
    assert round(expected["residents_in_zones"]) == 61_127 and expected["sites_in_zones"] == 8


def test_the_scenario_earthquake_rings_hold_thousands_of_people(quake):
    """MMI VI and more around the Sarez epicentre: WorldPop counts the Bartang and Gunt
    valleys, which the 103 GeoNames towns missed (the report said 0 residents)."""
    rings = dict(zip(quake.zones.column("mmi"), quake.zones.column("residents"), strict=True))
    assert rings == {8.0: 245, 7.0: 3_148, 6.0: 23_150}  # exact sums 244.7, 3,147.5, 23,149.5
    assert quake.figure("residents_in_zones") == 26_543
    assert quake.figure("residents_mmi7") == 245 + 3_148
    assert quake.figure("displaced") > 0 and quake.needs.column("quantity")[0] > 0
    assert quake.coverage and "WorldPop" in quake.coverage[0].values["title"]


def test_schools_in_zones_are_counted_and_listed(quake):
    schools = quake.exposure_by_region.column("schools")
    assert schools and schools[0] > 0
    from eoc.reports.model import Sentence

    # Unnamed facilities are one row per kind and place, carrying their count.
    listed = sum(
        name.values["count"] if isinstance(name, Sentence) else 1
        for kind, name in zip(
            quake.infrastructure.column("kind"), quake.infrastructure.column("name"), strict=True
        )
        if kind == "School or education facility"
    )
    assert listed == schools[0]


def test_people_in_sites_and_over_capacity_count_occupied_sites(country, seed_frames):
    sites = seed_frames["displacement_sites"]
    occupied = sites[sites["status"].isin(OCCUPIED)]
    assert country.figure("people_in_sites") == int(occupied["individuals"].sum())
    over = int((occupied["individuals"] > occupied["capacity"]).sum())
    assert country.figure("sites_over_declared_capacity") == over
    # Against the binding capacity (Sphere space standards in the cold season, or declared):
    # the same 12 as every screen (tests/web/test_one_definition.py).
    assert country.figure("sites_over_capacity") == 12


def test_needs_rows_are_the_profile_times_the_displaced(country):
    with NEEDS_PROFILES_FILE.open(encoding="utf-8") as handle:
        sphere = [row for row in csv.DictReader(handle) if row["profile"] == "sphere"]
    assert len(country.needs.rows) == len(sphere)
    for (item, quantity, unit, _frequency), row in zip(country.needs.rows, sphere, strict=True):
        assert (item, unit) == (row["item"], row["unit"])
        assert quantity == math.ceil(country.displaced * Decimal(row["quantity_per_person"]))


def test_the_inasafe_profile_can_be_chosen(seed_store):
    report = build_sitrep(
        seed_store, as_of=AS_OF, produced_by="t", needs_profile="inasafe", draw_map=False
    )
    assert report.needs_profile == "inasafe"
    assert "rice" in report.needs.column("item")


def test_an_event_report_keeps_only_that_events_zones(quake, seed_frames):
    assert quake.event is not None
    assert quake.event.zone_ids == ("TJ-HZ-001", "TJ-HZ-002", "TJ-HZ-003")
    zones = [z for z in zones_in_force(seed_frames) if z["zone_id"] in quake.event.zone_ids]
    expected = hand_count(seed_frames, zones)
    assert quake.figure("sites_in_zones") == expected["sites_in_zones"] == 4
    assert quake.figure("people_in_sites_in_zones") == expected["people_in_sites_in_zones"]
    lead = quake.highlights[0]
    assert lead.values["magnitude"] == 7.2
    assert (lead.values["sites"], lead.values["people"]) == (
        expected["mmi7_sites"],
        expected["mmi7_people"],
    )
    assert str(lead.values["place"]) == "Murghob" and lead.values["direction"] == "W"
    assert lead.values["place"].tg == "Мурғоб"


def test_the_country_report_leads_with_the_most_severe_open_event(country, quake):
    assert country.event is None
    assert country.highlights[0] == quake.highlights[0]
    assert 3 <= len(country.highlights) <= 5


def test_header_period_and_version(country, seed_store):
    assert country.as_of == AS_OF
    assert country.period_start == AS_OF - timedelta(hours=24)
    assert country.next_issue == AS_OF + timedelta(hours=24)
    assert country.store_version == seed_store.version()
    assert country.data_time == seed_store.data_time()


def test_incidents_of_the_period_are_those_of_the_last_24_hours(country, seed_frames):
    incidents = seed_frames["incidents"]
    times = pd.to_datetime(incidents["time_utc"], utc=True)
    expected = int(((times > AS_OF - timedelta(hours=24)) & (times <= AS_OF)).sum())
    assert len(country.incidents.rows) == expected == country.figure("incidents_period")


def test_an_unknown_event_is_named(seed_store):
    with pytest.raises(NotFoundError, match="no incident NOPE"):
        build_sitrep(seed_store, as_of=AS_OF, produced_by="t", event_id="NOPE", draw_map=False)


def test_relative_location_gives_distance_and_compass_point(seed_frames):
    places = seed_frames["places"]
    murghob = places[places["name"] == "Murghob"].geometry.iloc[0]
    from shapely import Point

    east = Point(murghob.x + 0.5, murghob.y)
    distance, direction, name = relative_location(east, places)
    assert (name.en, name.ru, name.tg) == ("Murghob", "Мургаб", "Мурғоб") and direction == "E"
    assert 40 < distance < 48  # 0.5° of longitude at 38° N ≈ 44 km
