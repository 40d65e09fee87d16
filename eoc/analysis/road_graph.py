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

Closed roads (through an active hazard zone, blocked by an incident: see `road_closures`) are
either removed (`restrict_road_graph` without a penalty) or kept at a higher routing cost
(their length times `penalty_factor`); routes are then chosen by cost, and the distance
reported is the true length of the chosen route, flagged `through_closed`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Sequence
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
    matrix: csr_matrix  # symmetric adjacency by routing cost (km, penalised), for dijkstra
    segments: shapely.STRtree  # one straight segment per edge, between its nodes
    edge_road: np.ndarray  # (edges,) road_id of each edge
    edge_cost: np.ndarray  # (edges,) routing cost in km: edge_km unless penalised
    edge_closed: np.ndarray  # (edges,) True: closed but kept at a penalty

    @property
    def penalised(self) -> bool:
        return bool(self.edge_closed.any())

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

    distance_km: np.ndarray  # (origins, destinations) true length of the least-cost route
    straight_line: np.ndarray  # True: no road joins them; straight line × detour factor
    cost_km: np.ndarray  # the routing cost (distance_km unless closed roads are penalised)
    through_closed: np.ndarray  # True: the route uses a closed (penalised) road


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

    return _assemble(node_xy, u, v, seg_km, seg_road, snap_m=snap_m)


def restrict_road_graph(
    road_graph: RoadGraph, closed: np.ndarray, *, penalty_factor: float | None = None
) -> RoadGraph:
    """The graph without the `closed` edges, or with them kept at `penalty_factor` × length.

    `closed` is a boolean per edge of `road_graph` (see `road_closures.closed_roads`).
    """
    closed = np.asarray(closed, bool)
    if closed.shape != road_graph.edge_km.shape:
        raise RoadGraphError("the closures do not belong to this road graph")
    u, v = road_graph.edge_nodes[:, 0], road_graph.edge_nodes[:, 1]
    km, road = road_graph.edge_km, road_graph.edge_road
    snap_m = road_graph.graph.graph.get("snap_m", DEFAULT_SNAP_M)
    if penalty_factor is None:
        keep = ~closed
        return _assemble(road_graph.node_xy, u[keep], v[keep], km[keep], road[keep], snap_m=snap_m)
    if penalty_factor < 1:
        raise RoadGraphError(f"the penalty factor must be at least 1 (got {penalty_factor})")
    cost = np.where(closed, km * penalty_factor, road_graph.edge_cost)
    return _assemble(
        road_graph.node_xy, u, v, km, road, snap_m=snap_m, cost=cost,
        closed=closed | road_graph.edge_closed,
    )  # fmt: skip


def _assemble(
    node_xy: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    km: np.ndarray,
    road: np.ndarray,
    *,
    snap_m: float,
    cost: np.ndarray | None = None,
    closed: np.ndarray | None = None,
) -> RoadGraph:
    cost = km if cost is None else cost
    closed = np.zeros(len(km), bool) if closed is None else closed
    node_count = len(node_xy)
    graph = nx.Graph(crs=METRIC_CRS, snap_m=snap_m)
    graph.add_nodes_from((i, {"x": float(x), "y": float(y)}) for i, (x, y) in enumerate(node_xy))
    graph.add_edges_from(
        (
            int(p),
            int(q),
            {"length_km": float(k), "road_id": r, "cost_km": float(c), "closed": bool(x)},
        )
        for p, q, k, r, c, x in zip(u, v, km, road, cost, closed, strict=True)
    )
    matrix = coo_matrix(
        (np.concatenate([cost, cost]), (np.concatenate([u, v]), np.concatenate([v, u]))),
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
        edge_nodes=np.stack([u, v], axis=1).astype(np.int64).reshape(-1, 2),
        edge_km=np.asarray(km, float),
        matrix=matrix,
        segments=shapely.STRtree(segments),
        edge_road=np.asarray(road, object),
        edge_cost=np.asarray(cost, float),
        edge_closed=np.asarray(closed, bool),
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
    """Least-cost road route from each origin to each destination (one Dijkstra per join node).

    Distance = straight link to the road + along the roads + straight link to the point. Where
    no road joins the two, straight line × `detour_factor`, flagged in `straight_line`.
    """
    if detour_factor < 1:
        raise RoadGraphError(f"the detour factor must be at least 1 (got {detour_factor})")
    routes = _routes(
        road_graph, attach_points(road_graph, origins), attach_points(road_graph, destinations)
    )
    unreachable = ~np.isfinite(routes.cost)
    detour = routes.straight_km * detour_factor
    return RouteMatrix(
        distance_km=np.where(unreachable, detour, routes.km),
        straight_line=unreachable,
        cost_km=np.where(unreachable, detour, routes.cost),
        through_closed=routes.closed & ~unreachable,
    )


def route_lines(
    road_graph: RoadGraph,
    origins: gpd.GeoDataFrame | gpd.GeoSeries,
    destinations: gpd.GeoDataFrame | gpd.GeoSeries,
    pairs: Sequence[tuple[int, int]],
) -> list[shapely.LineString]:
    """The line (EPSG:32642) of the route `road_distances_km` measures, for each (origin, dest).

    Where no road joins them, the straight line between the two points.
    """
    if not len(pairs):
        return []
    o_pos, d_pos = (np.asarray(column, np.int64) for column in zip(*pairs, strict=True))
    o_used, o_row = np.unique(o_pos, return_inverse=True)
    d_used, d_col = np.unique(d_pos, return_inverse=True)
    start = _subset(attach_points(road_graph, origins), o_used)
    end = _subset(attach_points(road_graph, destinations), d_used)
    routes = _routes(road_graph, start, end, paths=True)
    lines = []
    for i, j in zip(o_row, d_col, strict=True):
        a, b = start.xy[i], end.xy[j]
        if not np.isfinite(routes.cost[i, j]):
            lines.append(shapely.linestrings([a, b]))
            continue
        choice = routes.choice[i, j]
        if choice == _SAME_SEGMENT:
            coords = [a, _join_point(road_graph, start, i), _join_point(road_graph, end, j), b]
        else:
            from_end, to_end = divmod(int(choice), 2)
            first = road_graph.edge_nodes[start.edge[i], from_end]
            last = road_graph.edge_nodes[end.edge[j], to_end]
            nodes = _walk(routes.predecessors[routes.row_of[i, from_end]], int(first), int(last))
            coords = [
                a,
                _join_point(road_graph, start, i),
                *road_graph.node_xy[nodes],
                _join_point(road_graph, end, j),
                b,
            ]
        lines.append(shapely.linestrings(_dedupe(np.asarray(coords, float))))
    return lines


_SAME_SEGMENT = 4  # route choice: along the one segment both points join


@dataclass(frozen=True)
class _Routes:
    straight_km: np.ndarray
    cost: np.ndarray  # inf where no road joins
    km: np.ndarray
    closed: np.ndarray
    choice: np.ndarray  # 2 × origin end + destination end, or _SAME_SEGMENT
    row_of: np.ndarray  # (origins, 2): row of each segment end in `predecessors`
    predecessors: np.ndarray | None


def _routes(
    road_graph: RoadGraph, start: Attachment, end: Attachment, *, paths: bool = False
) -> _Routes:
    """Least-cost routes between joined points, with their true length and closure flag."""
    straight_km = (
        np.hypot(
            start.xy[:, None, 0] - end.xy[None, :, 0], start.xy[:, None, 1] - end.xy[None, :, 1]
        )
        / 1000
    )
    shape = straight_km.shape
    empty = _Routes(
        straight_km, np.full(shape, np.inf), np.full(shape, np.inf), np.zeros(shape, bool),
        np.zeros(shape, np.int64), np.zeros((shape[0], 2), np.int64), None,
    )  # fmt: skip
    if not road_graph.edge_count or not straight_km.size:
        return empty
    ends_o = road_graph.edge_nodes[start.edge]  # (origins, 2)
    ends_d = road_graph.edge_nodes[end.edge]
    sources, row_of = np.unique(ends_o, return_inverse=True)
    row_of = row_of.reshape(ends_o.shape)
    found = dijkstra(
        road_graph.matrix,
        directed=False,
        indices=sources,
        return_predecessors=paths or road_graph.penalised,
    )
    network, predecessors = found if isinstance(found, tuple) else (found, None)
    if road_graph.penalised:
        network_km = _tree_sums(network, predecessors, _edge_matrix(road_graph, road_graph.edge_km))
        closed_km = _tree_sums(
            network, predecessors, _edge_matrix(road_graph, road_graph.edge_closed * 1.0)
        )
    else:
        network_km, closed_km = network, np.zeros_like(network)

    def lead(at: Attachment):
        """(cost, km, closed) from each point to each end of its segment."""
        along = np.stack([at.to_u_km, at.to_v_km], axis=1)
        rate = (road_graph.edge_cost / road_graph.edge_km)[at.edge][:, None]
        closed = road_graph.edge_closed[at.edge][:, None] & (along > 0)
        return at.access_km[:, None] + along * rate, at.access_km[:, None] + along, closed

    cost_o, km_o, closed_o = lead(start)
    cost_d, km_d, closed_d = lead(end)
    same = start.edge[:, None] == end.edge[None, :]
    along = np.abs(start.to_u_km[:, None] - end.to_u_km[None, :])
    rate = (road_graph.edge_cost / road_graph.edge_km)[start.edge][:, None]
    direct_cost = start.access_km[:, None] + along * rate + end.access_km[None, :]
    direct_cost = np.where(same, direct_cost, np.inf)
    if not (paths or road_graph.penalised):
        # Lengths are costs and nothing is closed: a running minimum is enough (and fast).
        cost = direct_cost
        for i in (0, 1):
            for j in (0, 1):
                via = network[np.ix_(row_of[:, i], ends_d[:, j])]
                cost = np.minimum(cost, cost_o[:, i, None] + via + cost_d[None, :, j])
        return _Routes(
            straight_km, cost, cost, np.zeros(shape, bool), np.zeros(shape, np.int64), row_of, None
        )
    candidates = []
    for i in (0, 1):
        for j in (0, 1):
            rows, cols = np.ix_(row_of[:, i], ends_d[:, j])
            candidates.append(
                (
                    cost_o[:, i, None] + network[rows, cols] + cost_d[None, :, j],
                    km_o[:, i, None] + network_km[rows, cols] + km_d[None, :, j],
                    closed_o[:, i, None] | (closed_km[rows, cols] > 0) | closed_d[None, :, j],
                )
            )
    # Both on one segment: along it directly, without going round by a node.
    direct_km = start.access_km[:, None] + along + end.access_km[None, :]
    closed_direct = road_graph.edge_closed[start.edge][:, None] & (along > 0)
    candidates.append((direct_cost, direct_km, closed_direct))
    cost = np.stack([c[0] for c in candidates])
    choice = np.argmin(cost, axis=0)
    pick = choice[None]
    return _Routes(
        straight_km=straight_km,
        cost=np.take_along_axis(cost, pick, 0)[0],
        km=np.take_along_axis(np.stack([c[1] for c in candidates]), pick, 0)[0],
        closed=np.take_along_axis(np.stack([c[2] for c in candidates]), pick, 0)[0],
        choice=choice,
        row_of=row_of,
        predecessors=predecessors,
    )


def _edge_matrix(road_graph: RoadGraph, weights: np.ndarray) -> csr_matrix:
    u, v = road_graph.edge_nodes[:, 0], road_graph.edge_nodes[:, 1]
    n = road_graph.node_count
    return coo_matrix(
        (np.concatenate([weights, weights]), (np.concatenate([u, v]), np.concatenate([v, u]))),
        shape=(n, n),
    ).tocsr()


def _tree_sums(network: np.ndarray, predecessors: np.ndarray, weights: csr_matrix) -> np.ndarray:
    """`weights` summed along each source's shortest-path tree (rows: sources)."""
    total = np.where(np.isfinite(network), 0.0, np.inf)
    order = np.argsort(network, axis=1, kind="stable")  # a parent is nearer than its child
    rows = np.arange(len(network))
    for k in range(1, network.shape[1]):
        node = order[:, k]
        parent = predecessors[rows, node]
        ok = parent >= 0
        if ok.any():
            r, n, p = rows[ok], node[ok], parent[ok]
            total[r, n] = total[r, p] + np.asarray(weights[p, n]).ravel()
    return total


def _walk(predecessors: np.ndarray, first: int, last: int) -> list[int]:
    """Nodes from `first` to `last` along one source's shortest-path tree."""
    nodes = [last]
    while nodes[-1] != first:
        nodes.append(int(predecessors[nodes[-1]]))
        if nodes[-1] < 0 or len(nodes) > len(predecessors):
            raise RoadGraphError("a route could not be traced back; report this")
    return nodes[::-1]


def _join_point(road_graph: RoadGraph, at: Attachment, i: int) -> np.ndarray:
    u, v = road_graph.node_xy[road_graph.edge_nodes[at.edge[i]]]
    km = road_graph.edge_km[at.edge[i]]
    fraction = at.to_u_km[i] / km if km > 0 else 0.0
    return u + (v - u) * fraction


def _subset(at: Attachment, keep: np.ndarray) -> Attachment:
    return Attachment(
        at.xy[keep], at.edge[keep], at.access_km[keep], at.to_u_km[keep], at.to_v_km[keep]
    )


def _dedupe(coords: np.ndarray) -> np.ndarray:
    keep = np.ones(len(coords), bool)
    keep[1:] = np.any(np.abs(np.diff(coords, axis=0)) > 1e-6, axis=1)
    coords = coords[keep]
    return coords if len(coords) > 1 else np.vstack([coords, coords])


def connect_points(
    road_graph: RoadGraph, points: gpd.GeoDataFrame | gpd.GeoSeries, *, prefix: str = "point"
) -> nx.Graph:
    """A copy of the graph with node (prefix, i) for each point, linked to its segment's ends.

    The links carry `straight_line=True` and the straight-line plus along-segment length (and
    `cost_km`, the same with the segment's penalty), so a least-cost path between two points on
    different segments has the length `road_distances_km` reports.
    """
    joined = road_graph.graph.copy()
    at = attach_points(road_graph, points)
    for i in range(len(at.xy)):
        node = (prefix, i)
        joined.add_node(node, x=float(at.xy[i, 0]), y=float(at.xy[i, 1]))
        if at.edge[i] < 0:
            continue
        u, v = road_graph.edge_nodes[at.edge[i]]
        rate = road_graph.edge_cost[at.edge[i]] / road_graph.edge_km[at.edge[i]]
        for end, along in ((int(u), at.to_u_km[i]), (int(v), at.to_v_km[i])):
            joined.add_edge(
                node,
                end,
                length_km=float(at.access_km[i] + along),
                cost_km=float(at.access_km[i] + along * rate),
                straight_line=True,
            )
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
