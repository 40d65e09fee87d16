"""Relocation planning: min-cost flow places everyone greedy strands, within capacity and reach."""

from __future__ import annotations

import csv
import io
from datetime import date
from functools import partial

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from eoc.analysis.capacity import CapacityRules, load_standards
from eoc.analysis.relocation import (
    NO_SITE_IN_REACH,
    NOT_ENOUGH_IN_REACH,
    NOT_ENOUGH_OVERALL,
    TYPE_FILTER,
    RelocationError,
    greedy_nearest_plan,
    origins_from_zone,
    plan_relocation,
    plan_to_csv,
)
from eoc.analysis.relocation_warnings import (
    CLOSED_ROAD,
    HAZARD_SITE,
    HELD_BACK,
    HELD_DISTANCE,
    HELD_FILL,
    HELD_HAZARD,
    HELD_NO_ROAD,
    HELD_SPHERE,
    HELD_STATUS,
    LONG_TRIP,
    NOT_PLACED,
    SITE_NOT_OPEN,
    SPLIT_VILLAGE,
    where_text,
)
from eoc.analysis.road_graph import (
    METRIC_CRS,
    build_road_graph,
    restrict_road_graph,
    road_distances_km,
)

X0, Y0 = 700_000.0, 4_150_000.0
ON = date(2026, 11, 22)


def at(x_km: float, y_km: float = 0.0) -> Point:
    return Point(X0 + x_km * 1000, Y0 + y_km * 1000)


@pytest.fixture(scope="module")
def rules() -> CapacityRules:
    return CapacityRules(load_standards(), on=ON)


@pytest.fixture(scope="module")
def valley_road():
    """One straight 300 km road west to east, from x = -100 km to x = 200 km."""
    roads = gpd.GeoDataFrame(
        {"road_id": ["R-1"]},
        geometry=[LineString([(X0 - 100_000, Y0), (X0 + 200_000, Y0)])],
        crs=METRIC_CRS,
    )
    return build_road_graph(roads)


def origins(*rows: tuple[str, float, int]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "origin_id": [r[0] for r in rows],
            "name": [f"village {r[0]}" for r in rows],
            "people": [r[2] for r in rows],
        },
        geometry=[at(r[1]) for r in rows],
        crs=METRIC_CRS,
    )


def sites(*rows: dict) -> gpd.GeoDataFrame:
    """Sites whose only limit is the declared capacity (areas far above the standards)."""
    base = {
        "name": "site", "site_type": "planned_site", "adm1_iso": "TJ-GB", "status": "open",
        "individuals": 0, "capacity": 100, "site_area_m2": 1e7, "covered_area_m2": 1e6,
        "latrines": 0, "water_points": 0, "sensitive": False,
    }  # fmt: skip
    records = [{**base, **{k: v for k, v in row.items() if k != "x"}} for row in rows]
    frame = pd.DataFrame(records).astype(
        {"individuals": "Int64", "capacity": "Int64", "latrines": "Int64", "water_points": "Int64"}
    )
    return gpd.GeoDataFrame(frame, geometry=[at(row["x"]) for row in rows], crs=METRIC_CRS)


# Village A (100 people) at km 40, village B (100) at km 100; site S1 (100 places) at km 60,
# site S2 (100 places) at km 0. Within 60 km: A reaches S1 (20 km) and S2 (40 km); B reaches
# only S1 (40 km; S2 is 100 km away). Greedy sends A to its nearest, S1, and strands B.
# Min-cost flow sends A to S2 and B to S1: 100 × 40 + 100 × 40 = 8,000 person-km, all placed.
@pytest.fixture
def greedy_trap():
    return (
        origins(("A", 40, 100), ("B", 100, 100)),
        sites({"site_id": "S1", "x": 60}, {"site_id": "S2", "x": 0}),
    )


# The hand-worked cases below fill sites to 100 % and have no splitting penalty; the fill
# limit and the penalty have their own cases further down.
plan_full = partial(plan_relocation, fill_limit=1.0, split_penalty_km=0.0)
greedy_full = partial(greedy_nearest_plan, fill_limit=1.0)


def moves(plan) -> dict[tuple[str, str], int]:
    return {(r.origin_id, r.site_id): r.people for r in plan.flows.itertuples()}


def test_greedy_strands_people_min_cost_flow_places(greedy_trap, valley_road, rules):
    villages, camps = greedy_trap
    greedy = greedy_full(villages, camps, valley_road, rules=rules, max_distance_km=60)
    assert greedy.people_unmet == 100
    assert greedy.unmet.iloc[0]["origin_id"] == "B"

    plan = plan_full(villages, camps, valley_road, rules=rules, max_distance_km=60)
    assert plan.people_unmet == 0 and plan.unmet.empty
    assert moves(plan) == {("A", "S2"): 100, ("B", "S1"): 100}
    assert plan.total_person_km == pytest.approx(8_000)


def test_min_cost_flow_beats_greedy_on_distance(greedy_trap, valley_road, rules):
    # No distance limit: greedy A->S1 (20 km), B->S2 (100 km) = 12,000 person-km.
    villages, camps = greedy_trap
    greedy = greedy_full(villages, camps, valley_road, rules=rules)
    plan = plan_full(villages, camps, valley_road, rules=rules)
    assert greedy.total_person_km == pytest.approx(12_000)
    assert plan.total_person_km == pytest.approx(8_000)


def test_capacity_is_respected_and_the_rest_is_reported(valley_road, rules):
    villages = origins(("A", 0, 250))
    camps = sites(
        {"site_id": "S1", "x": 10, "capacity": 100},
        {"site_id": "S2", "x": 20, "capacity": 120, "individuals": 70},  # 50 free
    )
    plan = plan_full(villages, camps, valley_road, rules=rules)
    assert moves(plan) == {("A", "S1"): 100, ("A", "S2"): 50}
    assert plan.unmet.to_dict("records") == [
        {"origin_id": "A", "origin_name": "village A", "people": 100, "reason": NOT_ENOUGH_OVERALL}
    ]
    after = plan.sites.set_index("site_id")
    assert after["individuals"].tolist() == [100, 120]
    assert after["incoming"].tolist() == [100, 50]
    assert after["individuals_before"].tolist() == [0, 70]
    assert (after["occupancy_pct"] == 100).all() and not after["over_capacity"].any()


def test_wash_gaps_are_recomputed_after_the_moves(valley_road, rules):
    camps = sites({"site_id": "S1", "x": 10, "capacity": 300, "latrines": 2, "water_points": 1})
    plan = plan_full(origins(("A", 0, 300)), camps, valley_road, rules=rules)
    site = plan.sites.iloc[0]
    # 300 people, winter first phase: ceil(300 / 50) = 6 latrines (2 present), 2 taps (1).
    assert site["latrines_needed"] == 6 and site["latrine_gap"] == 4
    assert site["water_point_gap"] == 1 and site["water_need_l_day"] == 4_500


def test_max_distance_is_respected(valley_road, rules):
    villages = origins(("A", 0, 100), ("B", 150, 50))
    camps = sites({"site_id": "near", "x": 30}, {"site_id": "far", "x": -90, "capacity": 500})
    plan = plan_full(villages, camps, valley_road, rules=rules, max_distance_km=100)
    assert (plan.flows["distance_km"] <= 100).all()
    assert moves(plan) == {("A", "near"): 100}
    reasons = dict(zip(plan.unmet["origin_id"], plan.unmet["reason"], strict=True))
    assert reasons == {"B": NO_SITE_IN_REACH.format(km=100)}


def test_reason_when_the_sites_in_reach_are_full(valley_road, rules):
    plan = plan_full(
        origins(("A", 0, 150)), sites({"site_id": "S", "x": 10}), valley_road,
        rules=rules, max_distance_km=50,
    )  # fmt: skip
    assert plan.unmet.iloc[0]["reason"] == NOT_ENOUGH_IN_REACH.format(km=50)


def test_reason_when_the_site_type_filter_leaves_nothing(valley_road, rules):
    plan = plan_full(
        origins(("A", 0, 50)), sites({"site_id": "S", "x": 10}), valley_road,
        rules=rules, site_types=["collective_centre"],
    )  # fmt: skip
    assert plan.people_placed == 0
    assert plan.unmet.iloc[0]["reason"] == TYPE_FILTER


def test_site_type_filter_chooses_sites(valley_road, rules):
    camps = sites(
        {"site_id": "tents", "x": 5},
        {"site_id": "school", "x": 50, "site_type": "collective_centre"},
    )
    plan = plan_full(
        origins(("A", 0, 50)), camps, valley_road, rules=rules, site_types=["collective_centre"]
    )
    assert moves(plan) == {("A", "school"): 50}


def test_closed_sensitive_full_and_avoided_sites_take_nobody(valley_road, rules):
    camps = sites(
        {"site_id": "closed", "x": 1, "status": "closed"},
        {"site_id": "shelter", "x": 2, "site_type": "protection_shelter", "sensitive": True},
        {"site_id": "no-areas", "x": 3, "site_area_m2": None, "covered_area_m2": None},
        {"site_id": "in-zone", "x": 4},
        {"site_id": "ok", "x": 80, "capacity": 1000},
    )
    zone = gpd.GeoDataFrame(geometry=[at(4).buffer(500)], crs=METRIC_CRS)
    plan = plan_full(origins(("A", 0, 60)), camps, valley_road, rules=rules, avoid=zone)
    assert moves(plan) == {("A", "ok"): 60}


def test_origins_with_nobody_are_fine(valley_road, rules):
    plan = plan_full(
        origins(("A", 0, 0)), sites({"site_id": "S", "x": 10}), valley_road, rules=rules
    )
    assert plan.flows.empty and plan.unmet.empty and plan.total_person_km == 0


@pytest.mark.parametrize("people", [-1, 2.5, None])
def test_bad_people_counts_are_refused(valley_road, rules, people):
    villages = origins(("A", 0, 10)).astype({"people": object})
    villages.loc[0, "people"] = people
    with pytest.raises(RelocationError, match="whole, non-negative"):
        plan_full(villages, sites({"site_id": "S", "x": 1}), valley_road, rules=rules)


@pytest.mark.parametrize("seed", range(6))
def test_plan_matches_networkx_min_cost_flow(valley_road, rules, seed):
    """Random cases: as many placed as a max flow allows, at networkx's least person-km."""
    rng = np.random.default_rng(seed)
    villages = origins(
        *((f"O{i}", float(rng.uniform(-90, 190)), int(rng.integers(0, 300))) for i in range(12))
    )
    camps = sites(
        *(
            {"site_id": f"S{j}", "x": float(rng.uniform(-90, 190)),
             "capacity": int(rng.integers(20, 400))}
            for j in range(9)
        )
    )  # fmt: skip
    limit = 80.0
    plan = plan_full(villages, camps, valley_road, rules=rules, max_distance_km=limit)

    dist = road_distances_km(valley_road, villages, camps).distance_km
    flow = nx.DiGraph()
    total = int(villages["people"].sum())
    flow.add_node("unplaced", demand=0)
    for i, row in villages.iterrows():
        flow.add_node(row.origin_id, demand=-int(row.people))
        flow.add_edge(row.origin_id, "unplaced", weight=10**9)
        for j, site in camps.iterrows():
            if dist[i, j] <= limit:
                flow.add_edge(row.origin_id, site.site_id, weight=round(dist[i, j] * 1000))
    for _, site in camps.iterrows():
        flow.add_edge(site.site_id, "sink", capacity=int(site.capacity))
    flow.add_edge("unplaced", "sink")
    flow.add_node("sink", demand=total)
    cost, best = nx.network_simplex(flow)
    unplaced = sum(best[o]["unplaced"] for o in villages["origin_id"])

    assert plan.people_placed + plan.people_unmet == total
    assert plan.people_unmet == unplaced
    metres = cost - unplaced * 10**9
    assert plan.total_person_km == pytest.approx(metres / 1000, abs=total * 0.001)
    per_site = plan.flows.groupby("site_id")["people"].sum()
    capacity = dict(zip(camps["site_id"], camps["capacity"], strict=True))
    assert all(people <= capacity[site] for site, people in per_site.items())


def test_origins_from_zone_spreads_people_over_the_features_inside():
    villages = gpd.GeoDataFrame(
        {"geonameid": [1, 2, 3], "name": ["a", "b", "c"], "population": [100, 300, 900]},
        geometry=[at(0), at(1), at(50)],
        crs=METRIC_CRS,
    )
    zone = box(X0 - 5000, Y0 - 5000, X0 + 5000, Y0 + 5000)
    by_population = origins_from_zone(
        villages, zone, people_field="population", id_field="geonameid"
    )
    assert by_population["people"].tolist() == [100, 300]
    shared = origins_from_zone(
        villages, zone, people_field="population", id_field="geonameid", people=1001
    )
    assert shared["people"].tolist() == [250, 751]  # 250.25 and 750.75: the larger rest wins
    assert shared["origin_id"].tolist() == ["1", "2"]


def test_origins_from_an_empty_zone_is_one_origin_inside_it():
    villages = gpd.GeoDataFrame(
        {"geonameid": [1], "population": [100]}, geometry=[at(50)], crs=METRIC_CRS
    )
    zone = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 2000, Y0 + 2000)], crs=METRIC_CRS)
    origin = origins_from_zone(
        villages.to_crs(4326), zone, people_field="population", id_field="geonameid",
        people=3000, zone_name="mudflow",
    )  # fmt: skip
    assert origin[["origin_id", "people"]].to_dict("records") == [
        {"origin_id": "mudflow", "people": 3000}
    ]
    assert origin.to_crs(METRIC_CRS).within(zone.geometry.iloc[0]).all()


def test_plan_to_csv_lists_moves_then_the_unplaced(valley_road, rules):
    villages = origins(("A", 0, 150))
    villages.loc[0, "name"] = "=HYPERLINK(1)"
    plan = plan_full(villages, sites({"site_id": "S", "x": 10}), valley_road, rules=rules)
    rows = list(csv.DictReader(io.StringIO(plan_to_csv(plan))))
    assert [(r["kind"], r["site_id"], r["people"], r["distance_km"]) for r in rows] == [
        ("move", "S", "100", "10.0"),
        ("not placed", "", "50", ""),
    ]
    assert rows[1]["reason"] == NOT_ENOUGH_OVERALL
    assert rows[0]["origin_name"] == "'=HYPERLINK(1)"  # a spreadsheet will not run it


@pytest.fixture(scope="module")
def barsem_plan(seed_frames, rules):
    zones = seed_frames["hazard_zones"]
    barsem = zones[zones["name"].str.contains("Barsem")]
    assert len(barsem) == 2
    origin = origins_from_zone(
        seed_frames["places"], barsem, people_field="population", id_field="geonameid",
        people=3000, zone_name="Barsem mudflow zone",
    )  # fmt: skip
    graph = build_road_graph(seed_frames["roads"])
    sites_in_zone = seed_frames["displacement_sites"].intersects(
        barsem.to_crs(4326).geometry.union_all()
    )
    plan = plan_relocation(
        origin, seed_frames["displacement_sites"], graph, rules=rules, avoid=barsem
    )
    return plan, seed_frames["displacement_sites"][sites_in_zone]["site_id"].tolist()


def test_barsem_3000_people_respect_the_rules_and_the_rest_is_warned(barsem_plan, rules):
    plan, sites_in_zone = barsem_plan
    assert plan.people_to_move == 3000
    assert plan.people_placed + plan.people_unmet == 3000
    receiving = plan.sites[plan.sites["incoming"] > 0]
    assert not receiving["over_capacity"].any()
    assert (receiving["individuals"] <= receiving["fill_limit_places"]).all()  # 90 %
    assert set(receiving["status"]) == {"open"}  # the airport reserve is only planned
    assert not set(receiving["site_id"]) & set(sites_in_zone)  # nobody back into the zone
    assert not (plan.flows["straight_line"]).any()
    # Open sites below 90 % outside the zone hold fewer than 3,000: the rest is warned about.
    assert plan.people_unmet > 0
    assert sum(w.value("people") for w in plan.warnings if w.kind == NOT_PLACED) == (
        plan.people_unmet
    )
    # Khorog's park is above 90 % already (980 of 1,081): it takes nobody.
    assert "TJ-DS-0003" not in set(receiving["site_id"])


# The rules of issue 12, each on the valley road (km along it; sites 100 places by default).


def test_sites_fill_only_to_the_fill_limit(valley_road, rules):
    # S1: 100 places, 80 people: 90 % allows 10 more. S2: 95 of 100, already above: none.
    camps = sites(
        {"site_id": "S1", "x": 10, "individuals": 80},
        {"site_id": "S2", "x": 20, "individuals": 95},
        {"site_id": "S3", "x": 30, "capacity": 200},  # 180 at 90 %
    )
    plan = plan_relocation(origins(("A", 0, 250)), camps, valley_road, rules=rules, fill_limit=0.9)
    assert moves(plan) == {("A", "S1"): 10, ("A", "S3"): 180}
    assert plan.people_unmet == 60
    after = plan.sites.set_index("site_id")
    assert after.loc["S1", "occupancy_pct"] == 90 and after.loc["S3", "occupancy_pct"] == 90
    assert after["fill_limit_places"].tolist() == [90, 90, 180]


@pytest.mark.parametrize("limit", [0, 1.2])
def test_a_fill_limit_outside_0_to_100_percent_is_refused(valley_road, rules, limit):
    with pytest.raises(RelocationError, match="fill limit"):
        plan_relocation(
            origins(("A", 0, 1)), sites({"site_id": "S", "x": 1}), valley_road,
            rules=rules, fill_limit=limit,
        )  # fmt: skip


def test_planned_closing_and_closed_sites_take_nobody_unless_chosen(valley_road, rules):
    camps = sites(
        {"site_id": "planned", "x": 5, "status": "planned"},
        {"site_id": "closing", "x": 6, "status": "closing"},
        {"site_id": "closed", "x": 7, "status": "closed"},
        {"site_id": "open", "x": 90, "capacity": 1000},
    )
    default = plan_full(origins(("A", 0, 50)), camps, valley_road, rules=rules)
    assert moves(default) == {("A", "open"): 50}
    assert not [w for w in default.warnings if w.kind == SITE_NOT_OPEN]
    chosen = plan_full(
        origins(("A", 0, 50)), camps, valley_road, rules=rules, statuses=["open", "planned"]
    )
    assert moves(chosen) == {("A", "planned"): 50}
    (warning,) = [w for w in chosen.warnings if w.kind == SITE_NOT_OPEN]
    assert warning.text() == "site is planned, not open: 50 people are sent there"
    assert chosen.flows["site_status"].tolist() == ["planned"]


@pytest.fixture
def zone_at_km_5():
    """A hazard zone in force, 2 km around km 5 of the valley road."""
    return gpd.GeoDataFrame(
        {"zone_id": ["Z"], "name": ["Gharm landslide"]},
        geometry=[at(5).buffer(2000)],
        crs=METRIC_CRS,
    )


def test_sites_in_a_hazard_zone_are_excluded_or_flagged(valley_road, rules, zone_at_km_5):
    camps = sites({"site_id": "in-zone", "x": 5}, {"site_id": "safe", "x": 60, "capacity": 500})
    villages = origins(("A", 0, 50))
    kept_out = plan_full(villages, camps, valley_road, rules=rules, hazard_zones=zone_at_km_5)
    assert moves(kept_out) == {("A", "safe"): 50}
    assert kept_out.sites.set_index("site_id").loc["in-zone", "hazard_zones"] == "Gharm landslide"
    allowed = plan_full(
        villages, camps, valley_road, rules=rules, hazard_zones=zone_at_km_5,
        allow_hazard_sites=True,
    )  # fmt: skip
    assert moves(allowed) == {("A", "in-zone"): 50}
    assert allowed.flows["site_hazard"].tolist() == ["Gharm landslide"]  # on every row
    (warning,) = [w for w in allowed.warnings if w.kind == HAZARD_SITE]
    assert "inside an active hazard zone (Gharm landslide)" in warning.text()


# Splitting. Village V (300 people) at km 0; "small" at km 10 has 50 places, "big" at km 30
# has 300. Per person, small costs 10 + P × 300/50 = 10 + 6P, big 30 + P × 300/300 = 30 + P:
# small is used while 10 + 6P < 30 + P, i.e. P < 4 km.
@pytest.mark.parametrize(
    ("penalty_km", "expected"),
    [
        (0, {("V", "small"): 50, ("V", "big"): 250}),
        (3, {("V", "small"): 50, ("V", "big"): 250}),
        (5, {("V", "big"): 300}),
        (30, {("V", "big"): 300}),
    ],
)
def test_a_splitting_penalty_keeps_a_village_together(valley_road, rules, penalty_km, expected):
    camps = sites(
        {"site_id": "small", "x": 10, "capacity": 50},
        {"site_id": "big", "x": 30, "capacity": 300},
    )
    plan = plan_relocation(
        origins(("V", 0, 300)), camps, valley_road, rules=rules, fill_limit=1.0,
        split_penalty_km=penalty_km,
    )  # fmt: skip
    assert moves(plan) == expected
    split = [w for w in plan.warnings if w.kind == SPLIT_VILLAGE]
    assert len(split) == (len(expected) > 1)
    # Person-km are the true road km, without the surcharge.
    assert plan.total_person_km == pytest.approx(
        sum(people * {"small": 10, "big": 30}[site] for (_o, site), people in expected.items())
    )


def test_the_penalty_never_strands_people(valley_road, rules):
    # Only small sites: the village must be split; placing everyone comes first.
    camps = sites(*({"site_id": f"S{j}", "x": 10 + j, "capacity": 20} for j in range(5)))
    plan = plan_relocation(
        origins(("V", 0, 100)), camps, valley_road, rules=rules, fill_limit=1.0,
        split_penalty_km=500,
    )  # fmt: skip
    assert plan.people_unmet == 0 and plan.flows["site_id"].nunique() == 5


def test_warnings_list_long_trips_and_the_people_not_placed(valley_road, rules):
    camps = sites({"site_id": "far", "x": 180, "capacity": 60})
    plan = plan_full(origins(("A", 0, 100)), camps, valley_road, rules=rules, long_trip_km=150)
    kinds = [w.kind for w in plan.warnings]
    assert kinds == [NOT_PLACED, LONG_TRIP]  # what most needs a decision first
    assert plan.warnings[0].text() == (
        "40 people from village A could not be placed: not enough free places overall"
    )
    assert plan.warnings[1].text() == "60 people from village A travel 180 km by road to site"
    quiet = plan_full(origins(("A", 0, 10)), camps, valley_road, rules=rules, long_trip_km=200)
    assert quiet.warnings == ()


def test_a_route_on_a_penalised_closed_road_is_flagged(rules):
    # Only one road: closed at a penalty, it is still the way; the move says so.
    roads = gpd.GeoDataFrame(
        {"road_id": ["R-1"]}, geometry=[LineString([at(0), at(100)])], crs=METRIC_CRS
    )
    graph = build_road_graph(roads)
    graph = restrict_road_graph(graph, np.ones(graph.edge_count, bool), penalty_factor=3)
    plan = plan_full(origins(("A", 0, 10)), sites({"site_id": "S", "x": 50}), graph, rules=rules)
    assert plan.flows["distance_km"].tolist() == [pytest.approx(50)]
    assert plan.flows["through_closed"].tolist() == [True]
    assert [w.kind for w in plan.warnings] == [CLOSED_ROAD]


# Why people are not placed: the places each rule held back, on a hand-worked valley. Village
# A (1,000 people) at km 0, at most 100 km, sites filled to 90 %; a second road 100 km north
# joins nothing. Only "open" (100 places: 90) and "cramped" (200 declared, but 450 m² covered
# / 4.5 m² in the cold season = 100 by Sphere: 90) take people; 180 placed, 820 not.
def test_people_not_placed_say_which_rule_held_back_which_places(rules):
    roads = gpd.GeoDataFrame(
        {"road_id": ["valley", "north"]},
        geometry=[LineString([at(-100), at(200)]), LineString([at(0, 100), at(50, 100)])],
        crs=METRIC_CRS,
    )
    camps = sites(
        {"site_id": "open", "name": "Open", "x": 10},
        {"site_id": "planned", "name": "Planned", "x": 20, "status": "planned", "capacity": 200},
        {"site_id": "hazard", "name": "In zone", "x": 30},
        {"site_id": "both", "name": "Planned in zone", "x": 31, "status": "planned"},
        {"site_id": "far", "name": "Far", "x": 150},
        {"site_id": "cut", "name": "Cut off", "x": 20, "capacity": 50},
        {"site_id": "cramped", "name": "Cramped", "x": 40, "capacity": 200, "covered_area_m2": 450},
        {"site_id": "shelter", "name": "Shelter", "x": 5, "site_type": "protection_shelter",
         "sensitive": True},
    )  # fmt: skip
    camps.loc[camps["site_id"] == "cut", "geometry"] = at(20, 100)
    zone = gpd.GeoDataFrame({"zone_id": ["Z"], "name": ["Slide"]}, geometry=[at(30).buffer(2000)])
    plan = plan_relocation(
        origins(("A", 0, 1000)), camps, build_road_graph(roads), rules=rules,
        max_distance_km=100, hazard_zones=zone.set_crs(METRIC_CRS), split_penalty_km=0,
        straight_line_fallback=False,
    )  # fmt: skip
    assert moves(plan) == {("A", "open"): 90, ("A", "cramped"): 90}
    held = {w.kind: w for w in plan.warnings if w.kind in HELD_BACK}
    assert {kind: w.value("places") for kind, w in held.items()} == {
        HELD_STATUS: 180,
        HELD_HAZARD: 90,
        HELD_DISTANCE: 90,
        HELD_NO_ROAD: 45,
        HELD_FILL: 10 + 10,
        HELD_SPHERE: 200 - 100,
    }
    assert [w.kind for w in plan.warnings][:7] == [NOT_PLACED, *held]  # the why comes next
    assert held[HELD_STATUS].text() == (
        "180 free places in sites within reach whose status is not chosen: Planned (planned, 180)"
    )
    assert held[HELD_DISTANCE].text().startswith("90 free places in sites beyond the maximum "
                                                 "distance of 100 km: Far (90)")  # fmt: skip
    assert held[HELD_FILL].text() == (
        "20 places in the sites within reach are kept free by the 90 % fill limit"
    )
    # Allowing what was held back places those people: the lines say what a change buys.
    wider = plan_relocation(
        origins(("A", 0, 1000)), camps, build_road_graph(roads), rules=rules,
        max_distance_km=100, hazard_zones=zone.set_crs(METRIC_CRS), split_penalty_km=0,
        straight_line_fallback=False, statuses=["open", "planned"], allow_hazard_sites=True,
    )  # fmt: skip
    assert wider.people_placed == 180 + 180 + 90 + 90  # "both" is planned and in the zone


def test_where_lists_the_largest_sites_and_counts_the_rest():
    where = (("A", "open", 50), ("B", "open", 40), ("C", "open", 30), ("D", "open", 20))
    assert where_text(where) == "A (50), B (40), C (30) and 1 more"
    assert where_text(where[:1], status=str.upper) == "A (OPEN, 50)"


def test_a_plan_placing_everyone_has_no_why(valley_road, rules):
    plan = plan_relocation(
        origins(("A", 0, 10)), sites({"site_id": "S", "x": 5, "status": "open"},
                                     {"site_id": "P", "x": 6, "status": "planned"}),
        valley_road, rules=rules,
    )  # fmt: skip
    assert plan.people_unmet == 0
    assert not [w for w in plan.warnings if w.kind in HELD_BACK]
