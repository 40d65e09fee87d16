"""Relocation planning: min-cost flow places everyone greedy strands, within capacity and reach."""

from __future__ import annotations

import csv
import io
from datetime import date

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
from eoc.analysis.road_graph import METRIC_CRS, build_road_graph, road_distances_km

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


def moves(plan) -> dict[tuple[str, str], int]:
    return {(r.origin_id, r.site_id): r.people for r in plan.flows.itertuples()}


def test_greedy_strands_people_min_cost_flow_places(greedy_trap, valley_road, rules):
    villages, camps = greedy_trap
    greedy = greedy_nearest_plan(villages, camps, valley_road, rules=rules, max_distance_km=60)
    assert greedy.people_unmet == 100
    assert greedy.unmet.iloc[0]["origin_id"] == "B"

    plan = plan_relocation(villages, camps, valley_road, rules=rules, max_distance_km=60)
    assert plan.people_unmet == 0 and plan.unmet.empty
    assert moves(plan) == {("A", "S2"): 100, ("B", "S1"): 100}
    assert plan.total_person_km == pytest.approx(8_000)


def test_min_cost_flow_beats_greedy_on_distance(greedy_trap, valley_road, rules):
    # No distance limit: greedy A->S1 (20 km), B->S2 (100 km) = 12,000 person-km.
    villages, camps = greedy_trap
    greedy = greedy_nearest_plan(villages, camps, valley_road, rules=rules)
    plan = plan_relocation(villages, camps, valley_road, rules=rules)
    assert greedy.total_person_km == pytest.approx(12_000)
    assert plan.total_person_km == pytest.approx(8_000)


def test_capacity_is_respected_and_the_rest_is_reported(valley_road, rules):
    villages = origins(("A", 0, 250))
    camps = sites(
        {"site_id": "S1", "x": 10, "capacity": 100},
        {"site_id": "S2", "x": 20, "capacity": 120, "individuals": 70},  # 50 free
    )
    plan = plan_relocation(villages, camps, valley_road, rules=rules)
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
    plan = plan_relocation(origins(("A", 0, 300)), camps, valley_road, rules=rules)
    site = plan.sites.iloc[0]
    # 300 people, winter first phase: ceil(300 / 50) = 6 latrines (2 present), 2 taps (1).
    assert site["latrines_needed"] == 6 and site["latrine_gap"] == 4
    assert site["water_point_gap"] == 1 and site["water_need_l_day"] == 4_500


def test_max_distance_is_respected(valley_road, rules):
    villages = origins(("A", 0, 100), ("B", 150, 50))
    camps = sites({"site_id": "near", "x": 30}, {"site_id": "far", "x": -90, "capacity": 500})
    plan = plan_relocation(villages, camps, valley_road, rules=rules, max_distance_km=100)
    assert (plan.flows["distance_km"] <= 100).all()
    assert moves(plan) == {("A", "near"): 100}
    reasons = dict(zip(plan.unmet["origin_id"], plan.unmet["reason"], strict=True))
    assert reasons == {"B": NO_SITE_IN_REACH.format(km=100)}


def test_reason_when_the_sites_in_reach_are_full(valley_road, rules):
    plan = plan_relocation(
        origins(("A", 0, 150)), sites({"site_id": "S", "x": 10}), valley_road,
        rules=rules, max_distance_km=50,
    )  # fmt: skip
    assert plan.unmet.iloc[0]["reason"] == NOT_ENOUGH_IN_REACH.format(km=50)


def test_reason_when_the_site_type_filter_leaves_nothing(valley_road, rules):
    plan = plan_relocation(
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
    plan = plan_relocation(
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
    plan = plan_relocation(origins(("A", 0, 60)), camps, valley_road, rules=rules, avoid=zone)
    assert moves(plan) == {("A", "ok"): 60}


def test_origins_with_nobody_are_fine(valley_road, rules):
    plan = plan_relocation(
        origins(("A", 0, 0)), sites({"site_id": "S", "x": 10}), valley_road, rules=rules
    )
    assert plan.flows.empty and plan.unmet.empty and plan.total_person_km == 0


@pytest.mark.parametrize("people", [-1, 2.5, None])
def test_bad_people_counts_are_refused(valley_road, rules, people):
    villages = origins(("A", 0, 10)).astype({"people": object})
    villages.loc[0, "people"] = people
    with pytest.raises(RelocationError, match="whole, non-negative"):
        plan_relocation(villages, sites({"site_id": "S", "x": 1}), valley_road, rules=rules)


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
    plan = plan_relocation(villages, camps, valley_road, rules=rules, max_distance_km=limit)

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
    plan = plan_relocation(villages, sites({"site_id": "S", "x": 10}), valley_road, rules=rules)
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


def test_barsem_3000_people_are_all_placed_within_capacity(barsem_plan, rules):
    plan, sites_in_zone = barsem_plan
    assert plan.people_to_move == 3000
    assert plan.people_placed + plan.people_unmet == 3000
    assert plan.people_unmet == 0  # the seed has over 4,000 free places outside the zone
    receiving = plan.sites[plan.sites["incoming"] > 0]
    assert not receiving["over_capacity"].any()
    assert (receiving["individuals"] <= receiving["binding_capacity"]).all()
    assert not set(receiving["site_id"]) & set(sites_in_zone)  # nobody back into the zone
    assert not (plan.flows["straight_line"]).any()
    # Khorog's sites fill first: the park and the airport reserve are closest.
    nearest = plan.flows.sort_values("distance_km").iloc[0]
    assert nearest["site_id"] in ("TJ-DS-0003", "TJ-DS-0007") and nearest["distance_km"] < 25
