"""The road graph: snapping, lengths, joining points, shortest distances, the cache, closures."""

from __future__ import annotations

from datetime import UTC, datetime

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from eoc.analysis.road_closures import closed_roads
from eoc.analysis.road_graph import (
    DETOUR_FACTOR,
    METRIC_CRS,
    RoadGraphError,
    attach_points,
    build_road_graph,
    clear_road_graph_cache,
    connect_points,
    restrict_road_graph,
    road_distances_km,
    road_graph_for,
    route_lines,
)

# Metric coordinates (UTM 42N) near Khorog: kilometres are easy to read.
X0, Y0 = 700_000.0, 4_150_000.0


def km(x: float, y: float) -> tuple[float, float]:
    return (X0 + x * 1000, Y0 + y * 1000)


def roads(*lines: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"road_id": [f"R-{i}" for i in range(len(lines))]},
        geometry=[LineString([km(*p) for p in line]) for line in lines],
        crs=METRIC_CRS,
    )


def points(*xy: tuple[float, float]) -> gpd.GeoSeries:
    return gpd.GeoSeries([Point(km(*p)) for p in xy], crs=METRIC_CRS)


@pytest.fixture
def t_junction() -> gpd.GeoDataFrame:
    # A 10 km road west-east; a 5 km road north from its middle, drawn 200 m off the vertex.
    return roads([(0, 0), (5, 0), (10, 0)], [(5.2, 0), (5.2, 5)])


@pytest.fixture
def two_islands() -> gpd.GeoDataFrame:
    return roads([(0, 0), (10, 0)], [(50, 0), (60, 0)])


def test_lengths_are_kilometres_and_ends_snap(t_junction):
    graph = build_road_graph(t_junction, snap_m=500)
    assert graph.node_count == 4  # (0,0), the junction, (10,0), (5.2,5)
    assert nx.is_connected(graph.graph)
    total = sum(length for *_, length in graph.graph.edges(data="length_km"))
    assert total == pytest.approx(5 + 5 + 5)


def test_no_snapping_leaves_the_junction_open(t_junction):
    graph = build_road_graph(t_junction, snap_m=100)
    assert nx.number_connected_components(graph.graph) == 2


def test_vertices_of_one_road_are_never_merged():
    # A densely drawn road: vertices 100 m apart, tolerance 500 m. It must stay 2 km long.
    dense = roads([(i / 10, 0) for i in range(21)])
    graph = build_road_graph(dense, snap_m=500)
    assert graph.node_count == 21
    assert graph.edge_km.sum() == pytest.approx(2.0)


def test_distances_follow_the_roads(t_junction):
    graph = build_road_graph(t_junction)
    # West end to the north end: 5 km east, then 5 km north (the snapped junction is the mean
    # of (5, 0) and (5.2, 0), but lengths are the drawn segments).
    routes = road_distances_km(graph, points((0, 0)), points((5.2, 5)))
    assert routes.distance_km[0, 0] == pytest.approx(10.0, abs=0.01)
    assert not routes.straight_line[0, 0]


def test_points_join_the_nearest_segment_not_the_nearest_vertex():
    # One 100 km segment. A village 1 km north of km 30, a site 2 km south of km 70:
    # 1 + 40 + 2 = 43 km, not via the vertices 30 and 70 km away.
    graph = build_road_graph(roads([(0, 0), (100, 0)]))
    routes = road_distances_km(graph, points((30, 1)), points((70, -2)))
    assert routes.distance_km[0, 0] == pytest.approx(43.0)


def test_many_to_many_matches_networkx(t_junction):
    graph = build_road_graph(t_junction)
    origins = points((1, 1), (9, -0.5), (5.5, 4))
    sites = points((0, 0.3), (10, 0), (5, 2), (2, -1))
    routes = road_distances_km(graph, origins, sites)
    joined = connect_points(graph, origins, prefix="o")
    joined = nx.compose(joined, connect_points(graph, sites, prefix="s"))
    edge_o, edge_s = attach_points(graph, origins).edge, attach_points(graph, sites).edge
    for i in range(len(origins)):
        lengths = nx.single_source_dijkstra_path_length(joined, ("o", i), weight="length_km")
        for j in range(len(sites)):
            if edge_o[i] == edge_s[j]:  # one segment: straight along it, never via a node
                assert routes.distance_km[i, j] <= lengths[("s", j)] + 1e-9
            else:
                assert routes.distance_km[i, j] == pytest.approx(lengths[("s", j)])
    # (1, 1) and (2, -1) share the west segment: 1 km up + 1 km along (0.98 drawn) + 1 km.
    assert routes.distance_km[0, 3] == pytest.approx(1 + 5 / 5.1 + 1)


def test_straight_links_are_flagged(t_junction):
    graph = build_road_graph(t_junction)
    joined = connect_points(graph, points((1, 1)), prefix="village")
    links = [data for u, v, data in joined.edges(("village", 0), data=True)]
    assert len(links) == 2 and all(link["straight_line"] for link in links)
    assert not any("straight_line" in data for *_, data in graph.graph.edges(data=True))


def test_disconnected_roads_fall_back_to_a_flagged_detour(two_islands):
    graph = build_road_graph(two_islands)
    routes = road_distances_km(graph, points((0, 0)), points((60, 0), (10, 0)))
    assert routes.distance_km[0, 0] == pytest.approx(60 * DETOUR_FACTOR)
    assert routes.straight_line.tolist() == [[True, False]]
    assert routes.distance_km[0, 1] == pytest.approx(10.0)


def test_a_detour_factor_below_one_is_refused(two_islands):
    with pytest.raises(RoadGraphError, match="at least 1"):
        road_distances_km(
            build_road_graph(two_islands), points((0, 0)), points((1, 1)), detour_factor=0.5
        )


def test_no_roads_at_all_means_straight_lines():
    graph = build_road_graph(roads()[:0])
    routes = road_distances_km(graph, points((0, 0)), points((3, 4)))
    assert routes.distance_km[0, 0] == pytest.approx(5 * DETOUR_FACTOR)
    assert routes.straight_line.all()


def test_points_in_another_crs_are_reprojected(t_junction):
    graph = build_road_graph(t_junction)
    metric = points((2, 1))
    routes = road_distances_km(graph, metric.to_crs(4326), points((8, 0)))
    assert routes.distance_km[0, 0] == pytest.approx(1 + 6, abs=0.01)


def test_the_cache_builds_once_per_key(t_junction, two_islands):
    clear_road_graph_cache()
    first = road_graph_for(t_junction, key=("store", 7))
    assert road_graph_for(t_junction, key=("store", 7)) is first
    assert road_graph_for(two_islands, key=("store", 8)) is not first
    assert road_graph_for(t_junction, key=("store", 7), snap_m=100) is not first
    clear_road_graph_cache()


def test_roads_without_a_crs_are_refused(t_junction):
    with pytest.raises(RoadGraphError, match="no CRS"):
        build_road_graph(t_junction.set_crs(None, allow_override=True))


def test_the_seed_roads_make_one_network(seed_frames):
    seed_roads = seed_frames["roads"]
    graph = build_road_graph(seed_roads)
    assert nx.is_connected(graph.graph)
    # Snapping drops nothing: the graph is as long as the drawn roads.
    assert graph.edge_km.sum() == pytest.approx(seed_roads["length_km_schematic"].sum(), rel=0.01)
    places = seed_frames["places"].set_index("name")
    routes = road_distances_km(graph, places.loc[["Dushanbe"]], places.loc[["Khorugh", "Kŭlob"]])
    assert not routes.straight_line.any()
    # Schematic roads: Dushanbe-Khorog ~392 km via Tavildara (the published M41 is longer);
    # Dushanbe-Kulob 20.8 + 59.9 + 44.0 = 124.7 km drawn.
    assert routes.distance_km[0, 0] == pytest.approx(392, abs=10)
    assert routes.distance_km[0, 1] == pytest.approx(124.7, abs=3)
    assert np.all(routes.distance_km >= 0)


# Closures. A direct road west-east, A (0, 0) to B (100, 0) through (50, 0), and a detour over
# the hill (50, 40): 2 × √(50² + 40²) = 128.06 km. A village 1 km south of A, a site 1 km
# south of B. Open: 1 + 100 + 1 = 102 km; the direct road closed: 1 + 128.06 + 1 = 130.06 km.
HILL_KM = 2 * np.hypot(50, 40)


@pytest.fixture
def direct_and_detour():
    return build_road_graph(roads([(0, 0), (50, 0), (100, 0)], [(0, 0), (50, 40), (100, 0)]))


def direct_closed(graph) -> np.ndarray:
    return np.array([road == "R-0" for road in graph.edge_road])


def test_a_removed_road_sends_the_route_round_by_the_detour(direct_and_detour):
    graph = restrict_road_graph(direct_and_detour, direct_closed(direct_and_detour))
    assert graph.edge_count == direct_and_detour.edge_count - 2
    routes = road_distances_km(graph, points((0, -1)), points((100, -1)))
    assert routes.distance_km[0, 0] == pytest.approx(2 + HILL_KM)
    assert not routes.through_closed[0, 0] and not routes.straight_line[0, 0]
    open_routes = road_distances_km(direct_and_detour, points((0, -1)), points((100, -1)))
    assert open_routes.distance_km[0, 0] == pytest.approx(102)


@pytest.mark.parametrize(
    ("factor", "km_expected", "cost_expected", "through"),
    [
        (2.0, 2 + HILL_KM, 2 + HILL_KM, False),  # 200 km of penalty: the detour is cheaper
        (1.2, 102.0, 2 + 120.0, True),  # 120 < 128: the closed road, its true 100 km
    ],
)
def test_a_penalised_road_is_used_only_when_the_detour_costs_more(
    direct_and_detour, factor, km_expected, cost_expected, through
):
    graph = restrict_road_graph(
        direct_and_detour, direct_closed(direct_and_detour), penalty_factor=factor
    )
    assert graph.edge_count == direct_and_detour.edge_count and graph.penalised
    routes = road_distances_km(graph, points((0, -1)), points((100, -1)))
    assert routes.distance_km[0, 0] == pytest.approx(km_expected)
    assert routes.cost_km[0, 0] == pytest.approx(cost_expected)
    assert routes.through_closed[0, 0] == through


def test_route_lines_follow_the_chosen_roads(direct_and_detour):
    (open_line,) = route_lines(direct_and_detour, points((0, -1)), points((100, -1)), [(0, 0)])
    assert open_line.length / 1000 == pytest.approx(102)
    assert open_line.distance(Point(km(50, 0))) < 1
    closed = restrict_road_graph(direct_and_detour, direct_closed(direct_and_detour))
    lines = route_lines(closed, points((0, -1), (1, -1)), points((100, -1)), [(1, 0), (0, 0)])
    assert lines[1].length / 1000 == pytest.approx(2 + HILL_KM)
    assert lines[1].distance(Point(km(50, 40))) < 1  # over the hill
    assert lines[0].coords[0] == pytest.approx(km(1, -1))


def test_route_lines_without_a_road_are_straight(two_islands):
    (line,) = route_lines(build_road_graph(two_islands), points((0, 0)), points((60, 0)), [(0, 0)])
    assert line.length / 1000 == pytest.approx(60)
    assert len(line.coords) == 2


def test_the_penalised_distance_matches_networkx_on_the_seed(seed_frames):
    graph = build_road_graph(seed_frames["roads"])
    closed = np.zeros(graph.edge_count, bool)
    closed[::7] = True
    penalised = restrict_road_graph(graph, closed, penalty_factor=3.0)
    places = seed_frames["places"].set_index("name")
    here, there = places.loc[["Dushanbe", "Khorugh"]], places.loc[["Kŭlob", "Khujand"]]
    routes = road_distances_km(penalised, here, there)
    joined = nx.compose(
        connect_points(penalised, here, prefix="o"), connect_points(penalised, there, prefix="s")
    )
    for i in range(2):
        _costs, paths = nx.single_source_dijkstra(joined, ("o", i), weight=_cost)
        for j in range(2):
            path = paths[("s", j)]
            true_km = sum(
                joined.edges[a, b]["length_km"] for a, b in zip(path[:-1], path[1:], strict=True)
            )
            assert routes.distance_km[i, j] == pytest.approx(true_km, rel=1e-6)


def _cost(_u, _v, data) -> float:
    return data.get("cost_km", data["length_km"])


T_NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def zones(*rows: tuple[str, tuple[float, float, float, float], str | None]) -> gpd.GeoDataFrame:
    """(zone_id, (x0, y0, x1, y1) km, valid_to) rows, all valid from 1 November."""
    return gpd.GeoDataFrame(
        {
            "zone_id": [r[0] for r in rows],
            "name": [f"zone {r[0]}" for r in rows],
            "valid_from": pd.to_datetime(["2026-11-01T00:00Z"] * len(rows)),
            "valid_to": pd.to_datetime([r[2] for r in rows], utc=True),
        },
        geometry=[box(*km(*r[1][:2]), *km(*r[1][2:])) for r in rows],
        crs=METRIC_CRS,
    )


def incidents(*rows: tuple[str, str, str, tuple[float, float]]) -> gpd.GeoDataFrame:
    """(incident_id, incident_type, status, (x, y) km) rows, all reported on 21 November."""
    return gpd.GeoDataFrame(
        {
            "incident_id": [r[0] for r in rows],
            "incident_type": [r[1] for r in rows],
            "status": [r[2] for r in rows],
            "time_utc": pd.to_datetime(["2026-11-21T07:00Z"] * len(rows)),
            "description": [f"incident {r[0]}" for r in rows],
        },
        geometry=[Point(km(*r[3])) for r in rows],
        crs=METRIC_CRS,
    )


def test_active_zones_and_open_blockages_close_roads(direct_and_detour):
    graph = direct_and_detour
    found = closed_roads(
        graph,
        zones(
            ("Z-ON", (45, -5, 55, 5), None),  # over the direct road: closes both its segments
            ("Z-OVER", (45, 35, 55, 45), "2026-11-10T00:00Z"),  # the hill, expired
            ("Z-LEFT", (95, 30, 105, 45), None),  # no road there
        ),
        incidents(
            ("I-OPEN", "road_blocked", "reported", (25.5, 20)),  # 0.3 km off the west climb
            ("I-CLOSED", "road_blocked", "closed", (75, 20)),
            ("I-FLOOD", "flood", "verified", (75, 20)),
        ),
        now=T_NOW,
    )
    by_edge = dict(zip(found.segments["edge"], found.segments["cause_id"], strict=True))
    west_climb = graph.segments.query_nearest(Point(km(25, 20)))[0]
    assert sorted(by_edge.values()) == ["I-OPEN", "Z-ON", "Z-ON"]
    assert by_edge[west_climb] == "I-OPEN"
    assert found.closed.sum() == 3 and found.segments.crs.to_epsg() == 4326
    assert found.causes(["R-0"]) == ["zone Z-ON"]


def test_the_zone_people_leave_keeps_its_roads(direct_and_detour):
    found = closed_roads(
        direct_and_detour,
        zones(("Z-ON", (45, -5, 55, 5), None)),
        None,
        now=T_NOW,
        exempt_zone_ids=["Z-ON"],
    )
    assert not found.closed.any() and found.segments.empty
