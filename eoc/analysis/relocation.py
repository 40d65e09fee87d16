"""Relocation planning: who moves to which site, as a minimum-cost flow along the roads.

People at origins (villages, a hazard zone, a district) are allocated to sites with free
places so that, first, as many people as possible are placed and, second, the total
person-km along the roads is the least. It is a transportation problem: origins supply
people, sites accept up to their free places, each person-km costs 1, and people nobody can
take go to a "not placed" sink at a cost higher than any re-routing could save, so the solver
never strands someone to shorten another's trip. A greedy nearest-site loop can strand people
(an early origin takes the only site a later one can reach); `greedy_nearest_plan` is kept
as the benchmark's baseline only.

Free places come from `capacity.site_capacity` (the binding capacity: the lower of the space
standards and the declared capacity), and the plan's effect on every site is recomputed with
the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog
from shapely.geometry.base import BaseGeometry

from eoc.analysis.capacity import CapacityRules, site_capacity
from eoc.analysis.road_graph import DETOUR_FACTOR, RoadGraph, RouteMatrix, road_distances_km
from eoc.errors import EocError

DEFAULT_STATUSES = ("open", "planned")
# The planner never sends people to a protection shelter: those places are allocated case by
# case by protection staff, not by a map.
EXCLUDED_SITE_TYPES = ("protection_shelter",)

NO_FREE_PLACES = "no site has free places"
TYPE_FILTER = "no site of the chosen types has free places"
NO_SITE_IN_REACH = "no site with free places within {km:g} km"
TYPE_FILTER_IN_REACH = "no site of the chosen types with free places within {km:g} km"
NOT_ENOUGH_IN_REACH = "not enough free places in the sites within {km:g} km"
NOT_ENOUGH_OVERALL = "not enough free places overall"

_START_ARCS = 20  # nearest sites per origin in the solver's first round
_ENTER_PER_ORIGIN = 10  # arcs that may join per origin per round (partial pricing)
_PRICE_TOLERANCE = 1e-9


class RelocationError(EocError):
    """The relocation inputs are wrong; nothing was planned."""


@dataclass(frozen=True)
class RelocationPlan:
    """A relocation plan.

    `flows`: origin_id, origin_name, site_id, site_name, people, distance_km, straight_line.
    `unmet`: origin_id, origin_name, people, reason.
    `sites`: every site given, checked by `site_capacity` after the moves, with `incoming`
    (people the plan sends) and `individuals_before`.
    """

    flows: pd.DataFrame
    unmet: pd.DataFrame
    sites: gpd.GeoDataFrame
    people_to_move: int
    total_person_km: float

    @property
    def people_placed(self) -> int:
        return int(self.flows["people"].sum())

    @property
    def people_unmet(self) -> int:
        return int(self.unmet["people"].sum())


def origins_from_zone(
    features: gpd.GeoDataFrame,
    zone: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    people_field: str,
    id_field: str,
    name_field: str = "name",
    people: int | None = None,
    zone_name: str = "zone",
) -> gpd.GeoDataFrame:
    """Origins (origin_id, name, people, geometry) for the features inside `zone`.

    With `people` given, that many people are spread over the features in proportion to
    `people_field` (whole people, adding up exactly); when no feature lies inside the zone,
    one origin at a point inside the zone carries them all. A shapely `zone` is taken to be in
    the features' CRS.
    """
    if features.crs is None:
        raise RelocationError("the features have no CRS")
    for name in (people_field, id_field):
        if name not in features.columns:
            raise RelocationError(f"the features have no '{name}' field")
    if isinstance(zone, gpd.GeoDataFrame | gpd.GeoSeries):
        area = zone.to_crs(features.crs).geometry.union_all()
    else:
        area = zone
    if area is None or area.is_empty:
        raise RelocationError("the zone is empty: draw or choose an area with an outline")
    inside = features[features.intersects(area)]
    names = inside[name_field] if name_field in inside.columns else inside[id_field]
    counts = pd.to_numeric(inside[people_field], errors="coerce").fillna(0).to_numpy(float)
    if people is not None:
        if people < 0:
            raise RelocationError(f"the number of people to move cannot be negative ({people})")
        if inside.empty or counts.sum() <= 0:
            return gpd.GeoDataFrame(
                {"origin_id": [zone_name], "name": [zone_name], "people": [int(people)]},
                geometry=[area.representative_point()],
                crs=features.crs,
            )
        counts = _share_out(people, counts)
    return gpd.GeoDataFrame(
        {
            "origin_id": inside[id_field].astype("string").to_numpy(),
            "name": names.astype("string").to_numpy(),
            "people": counts.astype(np.int64),
        },
        geometry=inside.geometry.to_numpy(),
        crs=features.crs,
    )


def plan_relocation(
    origins: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    road_graph: RoadGraph,
    *,
    rules: CapacityRules,
    site_types: Iterable[str] | None = None,
    max_distance_km: float | None = None,
    statuses: Iterable[str] = DEFAULT_STATUSES,
    avoid: BaseGeometry | gpd.GeoDataFrame | None = None,
    detour_factor: float = DETOUR_FACTOR,
) -> RelocationPlan:
    """The plan that places the most people, then at the least total person-km.

    `origins` need `origin_id` and `people`; `sites` are the displacement sites layer. Sites
    take people if their status is in `statuses`, their type in `site_types` (all but
    protection shelters when None), they lie outside `avoid` (e.g. the hazard zone) and have
    free places under `rules`; an origin reaches a site if the road distance is at most
    `max_distance_km`.
    """
    return _plan(
        origins, sites, road_graph, rules=rules, site_types=site_types,
        max_distance_km=max_distance_km, statuses=statuses, avoid=avoid,
        detour_factor=detour_factor, solve=_solve_min_cost,
    )  # fmt: skip


def greedy_nearest_plan(
    origins: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    road_graph: RoadGraph,
    *,
    rules: CapacityRules,
    site_types: Iterable[str] | None = None,
    max_distance_km: float | None = None,
    statuses: Iterable[str] = DEFAULT_STATUSES,
    avoid: BaseGeometry | gpd.GeoDataFrame | None = None,
    detour_factor: float = DETOUR_FACTOR,
) -> RelocationPlan:
    """Baseline for the benchmark only: each origin in turn fills its nearest sites.

    It can strand people a min-cost flow would place; do not use it for real plans.
    """
    return _plan(
        origins, sites, road_graph, rules=rules, site_types=site_types,
        max_distance_km=max_distance_km, statuses=statuses, avoid=avoid,
        detour_factor=detour_factor, solve=_solve_greedy,
    )  # fmt: skip


def plan_to_csv(plan: RelocationPlan) -> str:
    """The plan as CSV: one row per move, then one per group of people not placed."""
    moves = plan.flows.assign(kind="move", reason="")
    unmet = plan.unmet.assign(
        kind="not placed", site_id="", site_name="", distance_km=np.nan, straight_line=pd.NA
    )
    columns = [
        "kind", "origin_id", "origin_name", "site_id", "site_name", "people", "distance_km",
        "straight_line", "reason",
    ]  # fmt: skip
    table = pd.concat(
        [frame.reindex(columns=columns) for frame in (moves, unmet) if not frame.empty]
        or [pd.DataFrame(columns=columns)],
        ignore_index=True,
    )
    table["distance_km"] = pd.to_numeric(table["distance_km"]).round(1)
    for name in ("origin_id", "origin_name", "site_id", "site_name", "reason"):
        table[name] = table[name].astype("string").fillna("").map(_csv_safe)
    return table.to_csv(index=False, lineterminator="\n")


Solver = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _plan(
    origins: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    road_graph: RoadGraph,
    *,
    rules: CapacityRules,
    site_types: Iterable[str] | None,
    max_distance_km: float | None,
    statuses: Iterable[str],
    avoid: BaseGeometry | gpd.GeoDataFrame | None,
    detour_factor: float,
    solve: Solver,
) -> RelocationPlan:
    demand = _demand(origins)
    if max_distance_km is not None and max_distance_km <= 0:
        raise RelocationError(f"the maximum distance must be above 0 km (got {max_distance_km})")
    checked = site_capacity(sites, rules=rules)
    usable = _usable_sites(checked, statuses=statuses, avoid=avoid)
    candidates = checked[usable]
    # Every usable site is routed, not only the chosen types, so that the reasons can tell a
    # type filter from distance.
    of_type = np.ones(len(candidates), bool)
    if site_types is not None:
        of_type = candidates["site_type"].isin(set(site_types)).to_numpy(bool).copy()
    free = candidates["free_places"].fillna(0).to_numpy(np.int64)
    routes = road_distances_km(road_graph, origins, candidates, detour_factor=detour_factor)
    reach = np.ones(routes.distance_km.shape, bool)
    if max_distance_km is not None:
        reach = routes.distance_km <= max_distance_km
    allowed = reach & (of_type & (free > 0))[None, :]
    moved = solve(demand, np.where(of_type, free, 0), np.where(allowed, routes.distance_km, np.inf))

    flows = _flows_table(origins, candidates, moved, routes)
    left = demand - moved.sum(axis=1)
    stranded = np.nonzero(left > 0)[0]
    reasons = [
        _reason(reach[i], free, of_type, filtered=site_types is not None, max_km=max_distance_km)
        for i in stranded
    ]
    unmet = pd.DataFrame(
        {
            "origin_id": pd.array(_ids(origins, "origin_id")[stranded], dtype="string"),
            "origin_name": pd.array(_names(origins, "origin_id")[stranded], dtype="string"),
            "people": left[stranded].astype(np.int64),
            "reason": pd.array(reasons, dtype="string"),
        }
    )
    incoming = np.zeros(len(sites), np.int64)
    incoming[np.nonzero(usable)[0]] = moved.sum(axis=0)
    return RelocationPlan(
        flows=flows,
        unmet=unmet,
        sites=_sites_after(sites, incoming, rules=rules),
        people_to_move=int(demand.sum()),
        total_person_km=float((flows["people"] * flows["distance_km"]).sum()),
    )


def _demand(origins: gpd.GeoDataFrame) -> np.ndarray:
    for name in ("origin_id", "people"):
        if name not in origins.columns:
            raise RelocationError(f"the origins have no '{name}' field")
    people = pd.to_numeric(origins["people"], errors="coerce")
    if people.isna().any() or (people < 0).any() or (people % 1 != 0).any():
        raise RelocationError("every origin needs a whole, non-negative number of people")
    return people.to_numpy(np.int64)


def _flows_table(
    origins: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    moved: np.ndarray,
    routes: RouteMatrix,
) -> pd.DataFrame:
    o_idx, s_idx = np.nonzero(moved)
    flows = pd.DataFrame(
        {
            "origin_id": pd.array(_ids(origins, "origin_id")[o_idx], dtype="string"),
            "origin_name": pd.array(_names(origins, "origin_id")[o_idx], dtype="string"),
            "site_id": pd.array(_ids(candidates, "site_id")[s_idx], dtype="string"),
            "site_name": pd.array(_names(candidates, "site_id")[s_idx], dtype="string"),
            "people": moved[o_idx, s_idx].astype(np.int64),
            "distance_km": routes.distance_km[o_idx, s_idx],
            "straight_line": routes.straight_line[o_idx, s_idx],
        }
    )
    return flows.sort_values(["origin_id", "distance_km", "site_id"], ignore_index=True)


def _sites_after(
    sites: gpd.GeoDataFrame, incoming: np.ndarray, *, rules: CapacityRules
) -> gpd.GeoDataFrame:
    """Every site with the plan's people added, checked again against the same rules."""
    before = pd.to_numeric(sites["individuals"]).astype("Int64")
    after = sites.copy()
    after["individuals"] = (before.fillna(0) + incoming).astype("Int64")
    after = site_capacity(after, rules=rules)
    after.insert(after.columns.get_loc("individuals"), "individuals_before", before)
    after.insert(after.columns.get_loc("individuals") + 1, "incoming", incoming)
    return after


def _usable_sites(
    checked: gpd.GeoDataFrame,
    *,
    statuses: Iterable[str],
    avoid: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | None,
) -> np.ndarray:
    usable = checked["status"].isin(list(statuses)).to_numpy(bool).copy()
    usable &= ~checked["site_type"].isin(EXCLUDED_SITE_TYPES).to_numpy(bool)
    if "sensitive" in checked.columns:
        usable &= ~checked["sensitive"].astype("boolean").fillna(False).to_numpy(bool)
    usable &= checked["free_places"].notna().to_numpy(bool)
    if avoid is not None:
        if isinstance(avoid, gpd.GeoDataFrame | gpd.GeoSeries):
            avoid = avoid.to_crs(checked.crs).geometry.union_all()
        usable &= ~checked.intersects(avoid).to_numpy(bool)
    return usable


def _reason(
    reach: np.ndarray,
    free: np.ndarray,
    of_type: np.ndarray,
    *,
    filtered: bool,
    max_km: float | None,
) -> str:
    """Why an origin's remaining people could not be placed."""
    open_any = free > 0
    open_chosen = open_any & of_type
    if not open_chosen.any():
        return TYPE_FILTER if filtered and open_any.any() else NO_FREE_PLACES
    if max_km is None:
        return NOT_ENOUGH_OVERALL
    if not (open_chosen & reach).any():
        if filtered and (open_any & reach).any():
            return TYPE_FILTER_IN_REACH.format(km=max_km)
        return NO_SITE_IN_REACH.format(km=max_km)
    return NOT_ENOUGH_IN_REACH.format(km=max_km)


def _solve_min_cost(demand: np.ndarray, capacity: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """People moved from each origin (rows) to each site (columns): most placed, least km.

    A transportation LP (HiGHS dual simplex: its vertex solutions are whole people, the
    constraint matrix being totally unimodular) solved on each origin's nearest sites first,
    then priced: arcs with a negative reduced cost join (the most negative few per origin) and
    the LP is solved again, until none is left. The result is the optimum over all arcs
    without handing the solver all of them.
    """
    n, m = cost.shape
    moved = np.zeros((n, m), np.int64)
    feasible = np.isfinite(cost)
    if n == 0 or m == 0 or demand.sum() == 0 or not feasible.any():
        return moved
    # Not placing one person costs more than the longest chain of re-routings can save.
    unplaced_cost = float(cost[feasible].max()) * (n + m + 1) + 1.0
    tolerance = _PRICE_TOLERANCE * unplaced_cost + 1e-6  # km; the duals reach unplaced_cost
    active = _most_negative(np.where(feasible, cost, np.inf), _START_ARCS)  # nearest sites
    while True:
        rows, cols = np.nonzero(active)
        result = _transport_lp(demand, capacity, rows, cols, cost[rows, cols], unplaced_cost)
        reduced = cost - result.eqlin.marginals[:, None] - result.ineqlin.marginals[None, :]
        candidates = feasible & ~active & (reduced < -tolerance)
        if not candidates.any():
            break
        active |= _most_negative(np.where(candidates, reduced, np.inf), _ENTER_PER_ORIGIN)
    flows = np.rint(result.x[: len(rows)]).astype(np.int64)
    moved[rows, cols] = flows
    if (moved.sum(axis=1) > demand).any() or (moved.sum(axis=0) > capacity).any():
        raise RelocationError("the solver returned a plan that breaks a capacity; report this")
    return moved


def _most_negative(values: np.ndarray, k: int) -> np.ndarray:
    """A mask of the (up to) `k` smallest finite values of each row."""
    k = min(k, values.shape[1])
    picked = np.argpartition(values, k - 1, axis=1)[:, :k]
    mask = np.zeros(values.shape, bool)
    mask[np.arange(len(values))[:, None], picked] = True
    return mask & np.isfinite(values)


def _transport_lp(
    demand: np.ndarray,
    capacity: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    arc_cost: np.ndarray,
    unplaced_cost: float,
):
    n, m, arcs = len(demand), len(capacity), len(rows)
    # Variables: one per active arc, then one "not placed" per origin.
    origin_rows = np.concatenate([rows, np.arange(n)])
    equal = sp.csr_matrix(
        (np.ones(arcs + n), (origin_rows, np.arange(arcs + n))), shape=(n, arcs + n)
    )
    at_most = sp.csr_matrix((np.ones(arcs), (cols, np.arange(arcs))), shape=(m, arcs + n))
    result = linprog(
        np.concatenate([arc_cost, np.full(n, unplaced_cost)]),
        A_ub=at_most,
        b_ub=capacity.astype(float),
        A_eq=equal,
        b_eq=demand.astype(float),
        bounds=(0, None),
        method="highs-ds",
    )
    if result.status != 0:
        raise RelocationError(f"the relocation solver failed: {result.message}")
    return result


def _solve_greedy(demand: np.ndarray, capacity: np.ndarray, cost: np.ndarray) -> np.ndarray:
    moved = np.zeros(cost.shape, np.int64)
    left = capacity.astype(np.int64).copy()
    for i in range(len(demand)):
        need = int(demand[i])
        for j in np.argsort(cost[i], kind="stable"):
            if need == 0 or not np.isfinite(cost[i, j]):
                break
            take = min(need, int(left[j]))
            moved[i, j] += take
            left[j] -= take
            need -= take
    return moved


def _share_out(total: int, weights: np.ndarray) -> np.ndarray:
    """`total` split in proportion to `weights` in whole numbers (largest remainders)."""
    exact = weights / weights.sum() * total
    whole = np.floor(exact).astype(np.int64)
    short = int(total - whole.sum())
    whole[np.argsort(-(exact - whole), kind="stable")[:short]] += 1
    return whole


def _ids(frame: pd.DataFrame, id_field: str) -> np.ndarray:
    return frame[id_field].astype("string").fillna("").to_numpy(object)


def _names(frame: pd.DataFrame, id_field: str) -> np.ndarray:
    column = frame["name"] if "name" in frame.columns else frame[id_field]
    return column.astype("string").fillna("").to_numpy(object)


def _csv_safe(text: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
