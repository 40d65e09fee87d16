"""A routable graph of the roads layer and shortest road distances between many points.

Metric work in UTM 42N (EPSG:32642). Nodes are the roads' vertices; vertices of different
roads closer than `snap_m` are merged into one node (the schematic roads meet exactly, an
imported OpenStreetMap extract will not), vertices of one road are never merged with each
other, so a densely drawn road does not collapse (near a junction, a chain of close vertices
of several roads still becomes one node). Edge weights are drawn segment lengths in km.

A point (village, site) joins the network at the nearest point of the nearest road segment
by a straight-line link, then follows the segment to either end: this is more faithful than
jumping to the nearest vertex when vertices are tens of kilometres apart. Where no road joins
two points (disconnected parts of the network), the distance is the straight line times
`detour_factor` and flagged `straight_line`.

DETOUR_FACTOR 1.3 is a project assumption: road distance is commonly estimated at 1.2–1.4×
the straight line on national road networks (circuity factors, e.g. Ballou, Rahardja and
Sakai 2002, Transportation Research Part A 36(9)); mountain valleys can be far worse, which
is why such distances are flagged rather than trusted.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from eoc.errors import EocError

METRIC_CRS = "EPSG:32642"
DEFAULT_SNAP_M = 500.0
DETOUR_FACTOR = 1.3
_DUPLICATE_M = 1.0  # vertices this close are the same point, even on one road
_CACHE_SIZE = 4


class RoadGraphError(EocError):
    """The roads or points cannot be turned into a graph or routed."""


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """The road network: a networkx graph plus the arrays the fast routines use.

    `graph` has nodes 0..n-1 with `x`, `y` (EPSG:32642 metres) and edges with `length_km`
    and `road_id`. Treat it as read-only: it may be shared through the cache.
    """

    graph: nx.Graph
    node_xy: np.ndarray  # (nodes, 2) metres
    edge_nodes: np.ndarray  # (edges, 2) node ids, u < v
    edge_km: np.ndarray  # (edges,)
    matrix: csr_matrix  # symmetric adjacency in km, for scipy's dijkstra
    segments: shapely.STRtree  # one straight segment per edge, between its nodes

    @property
    def node_count(self) -> int:
        return len(self.node_xy)

    @property
    def edge_count(self) -> int:
        return len(self.edge_km)


@dataclass(frozen=True)
class Attachment:
    """Where points join the network: their nearest segment and the distances to its ends."""

    xy: np.ndarray  # (points, 2) metres
    edge: np.ndarray  # (points,) edge index, -1 with no roads at all
    access_km: np.ndarray  # straight-line link from the point to the segment
    to_u_km: np.ndarray  # along the segment from the join to its node u
    to_v_km: np.ndarray  # ... and to its node v


@dataclass(frozen=True)
class RouteMatrix:
    """Distances from every origin (rows) to every destination (columns)."""

    distance_km: np.ndarray  # (origins, destinations)
    straight_line: np.ndarray  # True: no road joins them; straight line × detour factor


def build_road_graph(roads: gpd.GeoDataFrame, *, snap_m: float = DEFAULT_SNAP_M) -> RoadGraph:
    """The graph of `roads` (LineStrings in any CRS), vertices snapped within `snap_m`."""
    if roads.crs is None:
        raise RoadGraphError("the roads have no CRS: cannot measure road lengths")
    if snap_m < 0:
        raise RoadGraphError(f"the snapping tolerance must not be negative (got {snap_m} m)")
    lines = roads.to_crs(METRIC_CRS)
    ids = (
        lines["road_id"].astype("string").fillna("")
        if "road_id" in lines.columns
        else lines.index.astype("string")
    ).to_numpy(object)
    lines = lines.assign(_road=ids).explode(index_parts=False)
    lines = lines[lines.geometry.notna() & ~lines.geometry.is_empty]
    geoms = lines.geometry.to_numpy()
    coords, line_of = shapely.get_coordinates(geoms, return_index=True)
    road_of_line = lines["_road"].to_numpy(object)

    labels = _snap_labels(coords, line_of, snap_m)
    node_count = int(labels.max()) + 1 if len(labels) else 0
    node_xy = np.zeros((node_count, 2))
    if node_count:
        counts = np.bincount(labels, minlength=node_count)
        for axis in (0, 1):
            node_xy[:, axis] = np.bincount(labels, coords[:, axis], node_count) / counts

    # A segment joins consecutive vertices of one line; snapping may turn it into a loop.
    same_line = line_of[1:] == line_of[:-1]
    a, b = labels[:-1][same_line], labels[1:][same_line]
    seg_km = np.hypot(*(coords[1:][same_line] - coords[:-1][same_line]).T) / 1000
    seg_road = road_of_line[line_of[:-1][same_line]]
    keep = a != b
    u, v = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
    seg_km, seg_road = seg_km[keep], seg_road[keep]
    # Parallel segments between the same two nodes: keep the shortest.
    order = np.lexsort((seg_km, v, u))
    u, v, seg_km, seg_road = u[order], v[order], seg_km[order], seg_road[order]
    first = np.ones(len(u), bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, seg_km, seg_road = u[first], v[first], seg_km[first], seg_road[first]

    graph = nx.Graph(crs=METRIC_CRS, snap_m=snap_m)
    graph.add_nodes_from((i, {"x": float(x), "y": float(y)}) for i, (x, y) in enumerate(node_xy))
    graph.add_edges_from(
        (int(p), int(q), {"length_km": float(km), "road_id": road})
        for p, q, km, road in zip(u, v, seg_km, seg_road, strict=True)
    )
    matrix = coo_matrix(
        (np.concatenate([seg_km, seg_km]), (np.concatenate([u, v]), np.concatenate([v, u]))),
        shape=(node_count, node_count),
    ).tocsr()
    segments = (
        shapely.linestrings(
            np.stack([node_xy[u], node_xy[v]], axis=1).reshape(-1, 2),
            indices=np.repeat(np.arange(len(u)), 2),
        )
        if len(u)
        else np.array([], dtype=object)
    )
    return RoadGraph(
        graph=graph,
        node_xy=node_xy,
        edge_nodes=np.stack([u, v], axis=1).astype(np.int64),
        edge_km=seg_km.astype(float),
        matrix=matrix,
        segments=shapely.STRtree(segments),
    )


_CACHE: OrderedDict[tuple[Hashable, float], RoadGraph] = OrderedDict()


def road_graph_for(
    roads: gpd.GeoDataFrame, *, key: Hashable, snap_m: float = DEFAULT_SNAP_M
) -> RoadGraph:
    """The graph of `roads`, built once per `key` (e.g. the store version) and `snap_m`.

    The caller promises that the same key means the same roads.
    """
    cache_key = (key, float(snap_m))
    if cache_key in _CACHE:
        _CACHE.move_to_end(cache_key)
        return _CACHE[cache_key]
    graph = build_road_graph(roads, snap_m=snap_m)
    _CACHE[cache_key] = graph
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return graph


def clear_road_graph_cache() -> None:
    """Forget every cached graph."""
    _CACHE.clear()


def attach_points(road_graph: RoadGraph, points: gpd.GeoDataFrame | gpd.GeoSeries) -> Attachment:
    """Where each point joins the network: the nearest point on the nearest segment."""
    xy = _metric_xy(points)
    n = len(xy)
    if road_graph.edge_count == 0 or n == 0:
        nothing = np.full(n, np.nan)
        return Attachment(xy, np.full(n, -1, np.int64), nothing, nothing, nothing)
    pts = shapely.points(xy)
    pairs, distance_m = road_graph.segments.query_nearest(
        pts, return_distance=True, all_matches=False
    )
    edge = np.empty(n, np.int64)
    access_m = np.empty(n)
    edge[pairs[0]] = pairs[1]
    access_m[pairs[0]] = distance_m
    lines = road_graph.segments.geometries[edge]
    fraction = shapely.line_locate_point(lines, pts, normalized=True)
    fraction = np.nan_to_num(fraction, nan=0.0)  # a segment of length 0 cannot survive snapping
    km = road_graph.edge_km[edge]
    return Attachment(xy, edge, access_m / 1000, fraction * km, (1 - fraction) * km)


def road_distances_km(
    road_graph: RoadGraph,
    origins: gpd.GeoDataFrame | gpd.GeoSeries,
    destinations: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    detour_factor: float = DETOUR_FACTOR,
) -> RouteMatrix:
    """Shortest road distance from each origin to each destination (one Dijkstra per join node).

    Distance = straight link to the road + along the roads + straight link to the point. Where
    no road joins the two, straight line × `detour_factor`, flagged in `straight_line`.
    """
    if detour_factor < 1:
        raise RoadGraphError(f"the detour factor must be at least 1 (got {detour_factor})")
    start = attach_points(road_graph, origins)
    end = attach_points(road_graph, destinations)
    straight_km = (
        np.hypot(
            start.xy[:, None, 0] - end.xy[None, :, 0], start.xy[:, None, 1] - end.xy[None, :, 1]
        )
        / 1000
    )
    road_km = np.full(straight_km.shape, np.inf)
    if road_graph.edge_count and straight_km.size:
        ends_o = road_graph.edge_nodes[start.edge]  # (origins, 2)
        ends_d = road_graph.edge_nodes[end.edge]
        sources, row_of = np.unique(ends_o, return_inverse=True)
        row_of = row_of.reshape(ends_o.shape)
        network = dijkstra(road_graph.matrix, directed=False, indices=sources)
        lead_o = start.access_km[:, None] + np.stack([start.to_u_km, start.to_v_km], axis=1)
        lead_d = end.access_km[:, None] + np.stack([end.to_u_km, end.to_v_km], axis=1)
        for i in (0, 1):
            for j in (0, 1):
                via = network[np.ix_(row_of[:, i], ends_d[:, j])]
                road_km = np.minimum(road_km, lead_o[:, i, None] + via + lead_d[None, :, j])
        # Both on one segment: along it directly, without going round by a node.
        same = start.edge[:, None] == end.edge[None, :]
        along = np.abs(start.to_u_km[:, None] - end.to_u_km[None, :])
        direct = start.access_km[:, None] + along + end.access_km[None, :]
        road_km = np.where(same, np.minimum(road_km, direct), road_km)
    unreachable = ~np.isfinite(road_km)
    distance = np.where(unreachable, straight_km * detour_factor, road_km)
    return RouteMatrix(distance_km=distance, straight_line=unreachable)


def connect_points(
    road_graph: RoadGraph, points: gpd.GeoDataFrame | gpd.GeoSeries, *, prefix: str = "point"
) -> nx.Graph:
    """A copy of the graph with node (prefix, i) for each point, linked to its segment's ends.

    The links carry `straight_line=True` and the straight-line plus along-segment length, so a
    shortest path between two points on different segments equals `road_distances_km`.
    """
    joined = road_graph.graph.copy()
    at = attach_points(road_graph, points)
    for i in range(len(at.xy)):
        node = (prefix, i)
        joined.add_node(node, x=float(at.xy[i, 0]), y=float(at.xy[i, 1]))
        if at.edge[i] < 0:
            continue
        u, v = road_graph.edge_nodes[at.edge[i]]
        for end, along in ((int(u), at.to_u_km[i]), (int(v), at.to_v_km[i])):
            joined.add_edge(node, end, length_km=float(at.access_km[i] + along), straight_line=True)
    return joined


def _snap_labels(coords: np.ndarray, line_of: np.ndarray, snap_m: float) -> np.ndarray:
    """A node label per vertex: vertices of different lines within `snap_m` share one."""
    n = len(coords)
    if n == 0:
        return np.zeros(0, np.int64)
    tree = cKDTree(coords)
    pairs = tree.query_pairs(max(snap_m, _DUPLICATE_M), output_type="ndarray")
    if len(pairs):
        gap = np.hypot(*(coords[pairs[:, 0]] - coords[pairs[:, 1]]).T)
        other_line = line_of[pairs[:, 0]] != line_of[pairs[:, 1]]
        pairs = pairs[(other_line & (gap <= snap_m)) | (gap <= _DUPLICATE_M)]
    links = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(links, directed=False)
    return labels.astype(np.int64)


def _metric_xy(points: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray:
    geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    if len(geoms) == 0:
        return np.zeros((0, 2))
    if geoms.crs is None:
        raise RoadGraphError("the points have no CRS: cannot place them on the roads")
    geoms = geoms.to_crs(METRIC_CRS)
    if geoms.isna().any() or geoms.is_empty.any():
        raise RoadGraphError("some points have no geometry: give every origin and site a location")
    # Polygons (a zone, a district) join the network at a point inside them.
    return shapely.get_coordinates(geoms.representative_point().to_numpy())
