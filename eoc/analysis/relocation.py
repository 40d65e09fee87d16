"""Relocation planning: who moves to which site, as a minimum-cost flow along the roads.

People at origins (villages, a hazard zone, a district) are allocated to sites with free
places so that, first, as many people as possible are placed and, second, the total cost
along the roads is the least. It is a transportation problem: origins supply people, sites
accept up to their free places, each person-km costs 1, and people nobody can take go to a
"not placed" sink at a cost higher than any re-routing could save, so the solver never
strands someone to shorten another's trip. A greedy nearest-site loop can strand people (an
early origin takes the only site a later one can reach); `greedy_nearest_plan` is kept as the
benchmark's baseline only.

What a site may take: its status must be chosen (only open sites by default: planned,
closing or closed sites take nobody unless asked for), it must not be a protection shelter,
it must lie outside the area people leave and outside every hazard zone in force (unless
`allow_hazard_sites`, then each such move is flagged), and it fills only up to
`fill_limit` of its binding capacity (the lower of the space standards and the declared
capacity, from `capacity.site_capacity`), leaving room for new arrivals and births. Roads
closed by hazards are handled in the road graph (`road_closures`, `restrict_road_graph`).

Keeping villages together: each extra site a village is split over costs as if the whole
village travelled `split_penalty_km` further (see `relocation_solver.split_surcharge`). The
reported distances and person-km are the true road km, without the surcharge.

Every plan carries its warnings (`relocation_warnings`): long trips, sites that are not open,
sites in hazard zones, routes on closed roads, straight-line estimates, split villages and
the people not placed, with the places each rule held back from them
(`relocation_shortfall`), so a plan that places few people says which rule to revisit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from eoc.analysis.capacity import CapacityRules, site_capacity
from eoc.analysis.relocation_shortfall import SiteRules, held_back_places
from eoc.analysis.relocation_solver import solve_greedy, solve_min_cost, split_surcharge
from eoc.analysis.relocation_warnings import PlanWarning, plan_warnings
from eoc.analysis.road_graph import DETOUR_FACTOR, RoadGraph, RouteMatrix, road_distances_km
from eoc.errors import EocError

DEFAULT_STATUSES = ("open",)
# The planner never sends people to a protection shelter: those places are allocated case by
# case by protection staff, not by a map.
EXCLUDED_SITE_TYPES = ("protection_shelter",)
DEFAULT_FILL_LIMIT = 0.9  # room for new arrivals and births
DEFAULT_SPLIT_PENALTY_KM = 30.0

NO_FREE_PLACES = "no site has free places"
TYPE_FILTER = "no site of the chosen types has free places"
NO_SITE_IN_REACH = "no site with free places within {km:g} km"
TYPE_FILTER_IN_REACH = "no site of the chosen types with free places within {km:g} km"
NOT_ENOUGH_IN_REACH = "not enough free places in the sites within {km:g} km"
NOT_ENOUGH_OVERALL = "not enough free places overall"
NO_OPEN_ROAD = "no site with free places can be reached on open roads"


class RelocationError(EocError):
    """The relocation inputs are wrong; nothing was planned."""


@dataclass(frozen=True)
class RelocationPlan:
    """A relocation plan.

    `flows`: origin_id, origin_name, site_id, site_name, people, distance_km, straight_line,
    through_closed (the route uses a closed road, kept at a penalty), site_status,
    site_hazard (names of the hazard zones in force around the site, "" if none).
    `unmet`: origin_id, origin_name, people, reason.
    `sites`: every site given, checked by `site_capacity` after the moves, with `incoming`
    (people the plan sends), `individuals_before`, `fill_limit_places` (the most people the
    fill limit allows) and `hazard_zones`.
    `warnings`: what to check before applying the plan.
    """

    flows: pd.DataFrame
    unmet: pd.DataFrame
    sites: gpd.GeoDataFrame
    people_to_move: int
    total_person_km: float
    warnings: tuple[PlanWarning, ...] = field(default=())

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
    hazard_zones: gpd.GeoDataFrame | None = None,
    allow_hazard_sites: bool = False,
    fill_limit: float = DEFAULT_FILL_LIMIT,
    split_penalty_km: float = DEFAULT_SPLIT_PENALTY_KM,
    long_trip_km: float | None = None,
    detour_factor: float = DETOUR_FACTOR,
    straight_line_fallback: bool = True,
) -> RelocationPlan:
    """The plan that places the most people, then at the least cost along the roads.

    `origins` need `origin_id` and `people`; `sites` are the displacement sites layer. Sites
    take people if their status is in `statuses`, their type in `site_types` (all but
    protection shelters when None), they lie outside `avoid` (e.g. the zone people leave) and
    outside `hazard_zones` (the zones in force; allowed but flagged with
    `allow_hazard_sites`), up to `fill_limit` (0-1] of their binding capacity; an origin
    reaches a site if the road distance is at most `max_distance_km`. Trips over
    `long_trip_km` are warned about. Where no road joins an origin and a site, the straight
    line × `detour_factor` stands in (flagged), unless `straight_line_fallback` is False (the
    roads between them are closed: nobody can go that way).
    """
    return _plan(
        origins, sites, road_graph, rules=rules, site_types=site_types,
        max_distance_km=max_distance_km, statuses=statuses, avoid=avoid,
        hazard_zones=hazard_zones, allow_hazard_sites=allow_hazard_sites,
        fill_limit=fill_limit, split_penalty_km=split_penalty_km, long_trip_km=long_trip_km,
        detour_factor=detour_factor, straight_line_fallback=straight_line_fallback,
        solve=solve_min_cost,
    )  # fmt: skip


def greedy_nearest_plan(
    origins: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    road_graph: RoadGraph,
    *,
    rules: CapacityRules,
    max_distance_km: float | None = None,
    fill_limit: float = DEFAULT_FILL_LIMIT,
) -> RelocationPlan:
    """Baseline for the benchmark only: each origin in turn fills its nearest sites.

    It can strand people a min-cost flow would place; do not use it for real plans.
    """
    return _plan(
        origins, sites, road_graph, rules=rules, site_types=None,
        max_distance_km=max_distance_km, statuses=DEFAULT_STATUSES, avoid=None,
        hazard_zones=None, allow_hazard_sites=False, fill_limit=fill_limit,
        split_penalty_km=0.0, long_trip_km=None, detour_factor=DETOUR_FACTOR,
        straight_line_fallback=True, solve=solve_greedy,
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
    hazard_zones: gpd.GeoDataFrame | None,
    allow_hazard_sites: bool,
    fill_limit: float,
    split_penalty_km: float,
    long_trip_km: float | None,
    detour_factor: float,
    straight_line_fallback: bool,
    solve: Solver,
) -> RelocationPlan:
    demand = _demand(origins)
    if max_distance_km is not None and max_distance_km <= 0:
        raise RelocationError(f"the maximum distance must be above 0 km (got {max_distance_km})")
    if not 0 < fill_limit <= 1:
        raise RelocationError(f"the fill limit must be above 0 % and at most 100 % ({fill_limit})")
    if split_penalty_km < 0:
        raise RelocationError(f"the splitting penalty cannot be negative ({split_penalty_km} km)")
    checked = site_capacity(sites, rules=rules)
    hazard = hazard_names(checked, hazard_zones)
    # Sites that could ever take people here, then the rules the user may change.
    eligible = usable_sites(checked, statuses=checked["status"].dropna().unique(), avoid=avoid)
    status_ok = checked["status"].isin(list(statuses)).to_numpy(bool)
    hazard_ok = np.full(len(checked), True) if allow_hazard_sites else hazard == ""
    usable = eligible & status_ok & hazard_ok
    candidates = checked[usable]
    # Every usable site is routed, not only the chosen types, so that the reasons can tell a
    # type filter from distance.
    of_type = np.ones(len(candidates), bool)
    if site_types is not None:
        of_type = candidates["site_type"].isin(set(site_types)).to_numpy(bool).copy()
    free = free_below(candidates, fill_limit)
    routes = road_distances_km(road_graph, origins, candidates, detour_factor=detour_factor)
    connected = np.ones(routes.distance_km.shape, bool)
    if not straight_line_fallback:
        connected = ~routes.straight_line
    reach = connected.copy()
    if max_distance_km is not None:
        reach &= routes.distance_km <= max_distance_km
    allowed = reach & (of_type & (free > 0))[None, :]
    capacity = np.where(of_type, free, 0)
    cost = routes.cost_km
    if split_penalty_km > 0:
        cost = cost + split_surcharge(demand, capacity, split_penalty_km)
    moved = solve(demand, capacity, np.where(allowed, cost, np.inf))

    flows = _flows_table(origins, candidates, moved, routes, hazard[usable])
    left = demand - moved.sum(axis=1)
    stranded = np.nonzero(left > 0)[0]
    reasons = [
        _reason(
            reach[i],
            connected[i],
            free,
            of_type,
            filtered=site_types is not None,
            max_km=max_distance_km,
        )  # fmt: skip
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
    held: tuple[PlanWarning, ...] = ()
    if len(stranded):
        of_type_all = np.ones(len(checked), bool)
        if site_types is not None:
            of_type_all = checked["site_type"].isin(set(site_types)).to_numpy(bool)
        site_rules = SiteRules(
            eligible=eligible[eligible],
            status_ok=status_ok[eligible],
            hazard_ok=hazard_ok[eligible],
            type_ok=of_type_all[eligible],
            free=free_below(checked[eligible], fill_limit),
        )
        routes_out = road_distances_km(
            road_graph, origins.iloc[stranded], checked[eligible], detour_factor=detour_factor
        )
        held = held_back_places(
            checked[eligible],
            site_rules,
            routes_out,
            max_distance_km=max_distance_km,
            fill_limit=fill_limit,
            connected=np.ones(routes_out.distance_km.shape, bool)
            if straight_line_fallback
            else ~routes_out.straight_line,
        )
    incoming = np.zeros(len(sites), np.int64)
    incoming[np.nonzero(usable)[0]] = moved.sum(axis=0)
    return RelocationPlan(
        flows=flows,
        unmet=unmet,
        sites=_sites_after(sites, incoming, rules=rules, fill_limit=fill_limit, hazard=hazard),
        people_to_move=int(demand.sum()),
        total_person_km=float((flows["people"] * flows["distance_km"]).sum()),
        warnings=plan_warnings(flows, unmet, long_trip_km=long_trip_km, held_back=held),
    )


def free_below(checked: gpd.GeoDataFrame, fill_limit: float) -> np.ndarray:
    """Free places up to `fill_limit` of the binding capacity (never negative)."""
    binding = pd.to_numeric(checked["binding_capacity"]).to_numpy(float)
    people = pd.to_numeric(checked["individuals"]).fillna(0).to_numpy(float)
    limit = np.floor(binding * fill_limit + 1e-9)
    return np.nan_to_num(np.maximum(limit - people, 0), nan=0).astype(np.int64)


def hazard_names(checked: gpd.GeoDataFrame, zones: gpd.GeoDataFrame | None) -> np.ndarray:
    """For each site, the names of the zones around it ("; "-joined), "" where none."""
    names = np.full(len(checked), "", dtype=object)
    if zones is None or zones.empty or checked.empty:
        return names
    zones = zones.to_crs(checked.crs)
    zone_names = (
        (zones["name"] if "name" in zones.columns else zones.index.to_series())
        .astype(str)
        .to_numpy(object)
    )
    site_pos, zone_pos = zones.sindex.query(checked.geometry.to_numpy(), predicate="intersects")
    for i in np.unique(site_pos):
        names[i] = "; ".join(sorted(set(zone_names[zone_pos[site_pos == i]])))
    return names


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
    hazard: np.ndarray,
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
            "through_closed": routes.through_closed[o_idx, s_idx],
            "site_status": pd.array(
                candidates["status"].astype(str).to_numpy(object)[s_idx], dtype="string"
            ),
            "site_hazard": pd.array(hazard[s_idx], dtype="string"),
        }
    )
    return flows.sort_values(["origin_id", "distance_km", "site_id"], ignore_index=True)


def _sites_after(
    sites: gpd.GeoDataFrame,
    incoming: np.ndarray,
    *,
    rules: CapacityRules,
    fill_limit: float,
    hazard: np.ndarray,
) -> gpd.GeoDataFrame:
    """Every site with the plan's people added, checked again against the same rules."""
    before = pd.to_numeric(sites["individuals"]).astype("Int64")
    after = sites.copy()
    after["individuals"] = (before.fillna(0) + incoming).astype("Int64")
    after = site_capacity(after, rules=rules)
    after.insert(after.columns.get_loc("individuals"), "individuals_before", before)
    after.insert(after.columns.get_loc("individuals") + 1, "incoming", incoming)
    binding = pd.to_numeric(after["binding_capacity"]).to_numpy(float)
    after["fill_limit_places"] = pd.array(np.floor(binding * fill_limit + 1e-9), dtype="Int64")
    after["hazard_zones"] = pd.array(hazard, dtype="string")
    return after


def usable_sites(
    checked: gpd.GeoDataFrame,
    *,
    statuses: Iterable[str],
    avoid: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | None,
) -> np.ndarray:
    """Which sites (checked by `site_capacity`) may receive people: status in `statuses`,
    not a protection shelter or sensitive, a known capacity, outside `avoid`."""
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
    connected: np.ndarray,
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
    if not (open_chosen & connected).any():
        return NO_OPEN_ROAD
    if max_km is None:
        return NOT_ENOUGH_OVERALL
    if not (open_chosen & reach).any():
        if filtered and (open_any & reach).any():
            return TYPE_FILTER_IN_REACH.format(km=max_km)
        return NO_SITE_IN_REACH.format(km=max_km)
    return NOT_ENOUGH_IN_REACH.format(km=max_km)


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
