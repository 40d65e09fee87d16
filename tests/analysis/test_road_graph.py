"""The road graph: snapping, lengths, joining points, shortest distances, the cache."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString, Point

from eoc.analysis.road_graph import (
    DETOUR_FACTOR,
    METRIC_CRS,
    RoadGraphError,
    attach_points,
    build_road_graph,
    clear_road_graph_cache,
    connect_points,
    road_distances_km,
    road_graph_for,
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
