"""Influx projection: from recent arrivals at flow monitoring points, when will the sites be full?

The model, per point, on the arrivals (direction "in") of the categories that need a site
place, over the last `window_days` days before `as_of`:

* Daily arrivals are Poisson with an unknown rate λ, over-dispersed by a factor φ (the
  quasi-Poisson dispersion, the variance of the daily counts over their mean, at least 1;
  McCullagh & Nelder, *Generalized Linear Models*, 2nd ed., 1989, §4.5.2 and §6.2.3). A
  dispersed count carries the information of 1/φ Poisson counts, so S arrivals over n days
  weigh as S/φ events over n/φ days.
* λ has the Jeffreys prior Gamma(½, 0) and so the posterior Gamma(a = ½ + S/φ, b = n/φ)
  (Gelman et al., *Bayesian Data Analysis*, 3rd ed., 2013, §2.6 "Poisson model", §2.8).
* The arrivals of the next t days, C(t), then follow φ × NegBin(a, b / (b + t/φ)), the
  Gamma-Poisson predictive (BDA3 §2.6, eq. 2.17): its mean is a/b × t (≈ S/n per day) and its
  variance φ·λ̄·t·(1 + t/n): the band widens with t and narrows with more days of data.

Why this and not exponential smoothing: a CCCM co-chair must be able to say in one sentence
where a figure comes from ("the mean of the last 14 days, with its 80 % range"); the
predictive band follows from the data's own spread and amount with no fitted parameter, it is
exact for the hand-worked case (a constant rate), and it costs microseconds per point.
A trend is not extrapolated: the window is kept short (14 days) so a change shows quickly.

Arrivals are assigned to sites by the relocation planner's rules (eoc/analysis/relocation.py):
only open sites outside hazard zones in force, never protection shelters, each up to the fill
limit of its Sphere binding capacity (eoc/analysis/capacity.py `site_capacity`); each point's
arrivals go to the nearest such site by road (eoc/analysis/road_graph.py) with room left,
then the next. A region is full on the day its last usable site is. The band's two ends are
the fill days if arrivals run at the upper (early) or lower (late) end of the 80 % predictive
range at every point at once (comonotone: the widest honest band). Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.stats import nbinom

from eoc.analysis.capacity import CapacityRules, site_capacity
from eoc.analysis.relocation import (
    DEFAULT_FILL_LIMIT,
    DEFAULT_STATUSES,
    free_below,
    hazard_names,
    usable_sites,
)
from eoc.analysis.road_graph import RoadGraph, road_distances_km
from eoc.errors import EocError

JEFFREYS_SHAPE = 0.5  # Gamma(1/2, 0): the Jeffreys prior of a Poisson rate (BDA3 §2.8)
DEFAULT_WINDOW_DAYS = 14
DEFAULT_BAND = 0.8  # the central 80 % predictive interval
DEFAULT_HORIZON_DAYS = 365
RATE_FACTORS = (0.5, 3.0)  # the what-if range of the arrival rate
SITE_CATEGORIES = ("refugees",)  # returning migrants go home; refugees need a site place
_FULL = 0.5  # a site with less than half a place left is full


class InfluxError(EocError):
    """The projection's inputs are not usable as given."""


@dataclass(frozen=True)
class InfluxModel:
    window_days: int = DEFAULT_WINDOW_DAYS
    band: float = DEFAULT_BAND
    horizon_days: int = DEFAULT_HORIZON_DAYS

    def __post_init__(self) -> None:
        if self.window_days < 1 or self.horizon_days < 1:
            raise InfluxError("the window and the horizon must be at least one day")
        if not 0 < self.band < 1:
            raise InfluxError(f"the band must be between 0 and 1 (got {self.band})")


@dataclass(frozen=True)
class AssignmentRule:
    """Who needs a site place and where they may go (editable; the planner's rules)."""

    categories: tuple[str, ...] = SITE_CATEGORIES
    fill_limit: float = DEFAULT_FILL_LIMIT
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    allow_hazard_sites: bool = False
    max_distance_km: float | None = None
    point_regions: Mapping[str, str] = field(default_factory=dict)  # point -> its region only


@dataclass(frozen=True)
class WhatIf:
    rate_factor: float = 1.0
    new_sites: gpd.GeoDataFrame | None = None  # site_id, name, adm1_iso, capacity, geometry
    closed_site_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        low, high = RATE_FACTORS
        if not low <= self.rate_factor <= high:
            raise InfluxError(f"the arrival rate factor must be ×{low:g} to ×{high:g}")


DEFAULT_MODEL = InfluxModel()
DEFAULT_RULE = AssignmentRule()
NO_CHANGE = WhatIf()


@dataclass(frozen=True)
class InfluxProjection:
    as_of: date
    rates: pd.DataFrame  # per point: the posterior, per_day, the next 7 days' week_low/_high
    forecast: pd.DataFrame  # per day ahead: expected, low, high cumulative arrivals (all points)
    regions: pd.DataFrame  # per region: sites, free_places, days_to_full, _early, _late, full_on
    sites: pd.DataFrame  # per usable site: site_id, adm1_iso, free_places, full_day (central)
    unplaced: tuple[float, float, float]  # people with no place by the horizon: late, mid, early
    unlocated: tuple[str, ...]  # points with arrivals but no known location


def arrival_rates(
    counts: pd.DataFrame,
    *,
    as_of: date,
    categories: Iterable[str] = SITE_CATEGORIES,
    model: InfluxModel = DEFAULT_MODEL,
) -> pd.DataFrame:
    """Per point, the posterior of its daily arrival rate over the window ending at `as_of`.

    `counts` has the registry's columns (day, point_id, direction, category, count). A day in
    the window with no row counts as 0 arrivals, from the point's first reported day on.
    Columns: point_id, days, arrivals, dispersion, shape, rate, per_day.
    """
    end = pd.Timestamp(as_of)
    start = end - pd.Timedelta(days=model.window_days - 1)
    days = pd.to_datetime(counts["day"])
    first_seen = days.groupby(counts["point_id"].to_numpy()).min()
    first_seen = first_seen[first_seen <= end]
    chosen = (
        (counts["direction"] == "in").to_numpy(bool)
        & counts["category"].isin(list(categories)).to_numpy(bool)
        & (days >= start).to_numpy(bool)
        & (days <= end).to_numpy(bool)
    )
    points = first_seen.index.to_numpy()
    row = pd.Index(points).get_indexer(counts["point_id"].to_numpy()[chosen])
    col = (days[chosen] - start).dt.days.to_numpy()
    matrix = np.zeros((len(points), model.window_days))
    np.add.at(matrix, (row, col), counts["count"].to_numpy(float)[chosen])
    # Days before a point's first report are not zeros: the point was not counting yet.
    begin = np.maximum((first_seen - start).dt.days.to_numpy(), 0)
    valid = np.arange(model.window_days)[None, :] >= begin[:, None]
    n = valid.sum(axis=1).astype(float)
    total = matrix.sum(axis=1)
    mean = total / n
    with np.errstate(divide="ignore", invalid="ignore"):
        squares = ((matrix - mean[:, None]) ** 2 * valid).sum(axis=1)
        variance = np.where(n > 1, squares / (n - 1), 0.0)
        dispersion = np.where(mean > 0, np.maximum(1.0, variance / mean), 1.0)
    shape = JEFFREYS_SHAPE + total / dispersion
    rate = n / dispersion
    return pd.DataFrame(
        {
            "point_id": points,
            "days": n.astype(np.int64),
            "arrivals": total,
            "dispersion": dispersion,
            "shape": shape,
            "rate": rate,
            "per_day": shape / rate,
        }
    )


def cumulative_arrivals(
    rates: pd.DataFrame, *, horizon_days: int, band: float, factor: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(low, expected, high) cumulative arrivals, points × days 1..horizon (the predictive)."""
    days = np.arange(1, horizon_days + 1, dtype=float)
    if rates.empty:
        nothing = np.zeros((0, horizon_days))
        return nothing, nothing, nothing
    shape = rates["shape"].to_numpy(float)[:, None]
    rate = rates["rate"].to_numpy(float)[:, None]
    phi = rates["dispersion"].to_numpy(float)[:, None]
    expected = shape / rate * days[None, :]
    # The quantiles exactly on the first month's days and weekly after, linear in between:
    # they are smooth in t, and the inverse CDF is the costly part (50 points × 365 days).
    grid = np.unique(np.r_[days[:31], days[30::7], days[-1:]])
    p = rate / (rate + grid[None, :] / phi)
    tail = (1 - band) / 2
    bounds = []
    for q in (tail, 1 - tail):
        at_grid = phi * nbinom.ppf(q, shape, p)
        bounds.append(np.vstack([np.interp(days, grid, line) for line in at_grid]))
    return bounds[0] * factor, expected * factor, bounds[1] * factor


def project_influx(
    counts: pd.DataFrame,
    sites: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame,
    road_graph: RoadGraph,
    *,
    as_of: date,
    rules: CapacityRules,
    model: InfluxModel = DEFAULT_MODEL,
    rule: AssignmentRule = DEFAULT_RULE,
    what_if: WhatIf = NO_CHANGE,
    hazard_zones: gpd.GeoDataFrame | None = None,
) -> InfluxProjection:
    """Days until each region's sites are full, with the band, under `rule` and `what_if`.

    `points` are the located flow monitoring points (`point_id`, geometry: border
    checkpoints); arrivals at a point not among them are counted in `unlocated`.
    """
    rates = arrival_rates(counts, as_of=as_of, categories=rule.categories, model=model)
    located = points[["point_id", "geometry"]].drop_duplicates("point_id")
    known = rates["point_id"].isin(set(located["point_id"]))
    unlocated = tuple(rates.loc[~known & (rates["arrivals"] > 0), "point_id"])
    rates = rates[known].reset_index(drop=True)
    low, mid, high = cumulative_arrivals(
        rates, horizon_days=model.horizon_days, band=model.band, factor=what_if.rate_factor
    )
    week = min(7, model.horizon_days) - 1
    rates = rates.assign(
        per_day=rates["per_day"] * what_if.rate_factor,
        week_low=low[:, week],
        week_expected=mid[:, week],
        week_high=high[:, week],
    )
    usable = _receiving_sites(sites, rules=rules, rule=rule, what_if=what_if, zones=hazard_zones)
    at = located.set_index("point_id").loc[rates["point_id"]].reset_index()
    order = _site_order(at, usable, road_graph, rule=rule)
    free = free_below(usable, rule.fill_limit).astype(float)
    full = [
        _fill(np.diff(path, axis=1, prepend=0.0), free, order) for path in (low, mid, high)
    ]  # (full day per site, unplaced) for the late, central and early paths
    site_days = pd.DataFrame(
        {
            "site_id": usable["site_id"].astype(str).to_numpy(),
            "name": usable["name"].astype(str).to_numpy() if "name" in usable else "",
            "adm1_iso": usable["adm1_iso"].astype(str).to_numpy(),
            "free_places": free.astype(np.int64),
            "full_day": full[1][0],
            "full_day_early": full[2][0],
            "full_day_late": full[0][0],
        }
    )
    forecast = pd.DataFrame(
        {
            "day": [as_of + timedelta(days=int(d)) for d in range(1, model.horizon_days + 1)],
            "low": low.sum(axis=0),
            "expected": mid.sum(axis=0),
            "high": high.sum(axis=0),
        }
    )
    return InfluxProjection(
        as_of=as_of,
        rates=rates,
        forecast=forecast,
        regions=_regions(site_days, as_of),
        sites=site_days,
        unplaced=(full[0][1], full[1][1], full[2][1]),
        unlocated=unlocated,
    )


def _receiving_sites(
    sites: gpd.GeoDataFrame,
    *,
    rules: CapacityRules,
    rule: AssignmentRule,
    what_if: WhatIf,
    zones: gpd.GeoDataFrame | None,
) -> gpd.GeoDataFrame:
    """The sites that take arrivals (the planner's rules), a what-if's new sites included."""
    frame = sites[~sites["site_id"].astype(str).isin(set(what_if.closed_site_ids))]
    if what_if.new_sites is not None and not what_if.new_sites.empty:
        frame = pd.concat([frame, new_site_rows(what_if.new_sites, rules=rules, crs=sites.crs)])
    checked = site_capacity(gpd.GeoDataFrame(frame, crs=sites.crs), rules=rules)
    keep = usable_sites(checked, statuses=rule.statuses, avoid=None)
    if not rule.allow_hazard_sites:
        keep &= hazard_names(checked, zones) == ""
    return checked[keep].reset_index(drop=True)


def new_site_rows(new: gpd.GeoDataFrame, *, rules: CapacityRules, crs) -> gpd.GeoDataFrame:
    """What-if sites as site rows: open, empty, with the areas that give their capacity."""
    s = rules.standards
    capacity = pd.to_numeric(new["capacity"]).to_numpy(float)
    return gpd.GeoDataFrame(
        {
            "site_id": new["site_id"].astype(str).to_numpy(),
            "name": new.get("name", new["site_id"]).astype(str).to_numpy(),
            "site_type": "planned_site",
            "adm1_iso": new["adm1_iso"].astype(str).to_numpy(),
            "status": "open",
            "individuals": 0,
            "capacity": capacity,
            "covered_area_m2": capacity * rules.covered_m2_per_person,
            "site_area_m2": capacity * s.site_m2_per_person,
        },
        geometry=new.geometry.to_crs(crs).to_numpy(),
        crs=crs,
    )


def _site_order(
    points: gpd.GeoDataFrame, usable: gpd.GeoDataFrame, road_graph: RoadGraph, *, rule
) -> list[list[int]]:
    """For each point, the usable sites it may send people to, nearest by road first."""
    if points.empty or usable.empty:
        return [[] for _ in range(len(points))]
    routes = road_distances_km(road_graph, points, usable)
    regions = usable["adm1_iso"].astype(str).to_numpy()
    orders = []
    for i, point in enumerate(points["point_id"]):
        allowed = np.ones(len(usable), bool)
        if point in rule.point_regions:
            allowed &= regions == rule.point_regions[point]
        if rule.max_distance_km is not None:
            allowed &= routes.distance_km[i] <= rule.max_distance_km
        ranked = np.argsort(routes.cost_km[i], kind="stable")
        orders.append([int(j) for j in ranked if allowed[j]])
    return orders


def _fill(daily: np.ndarray, free: np.ndarray, order: list[list[int]]) -> tuple[np.ndarray, float]:
    """Day by day, each point's arrivals into its nearest sites with room.

    Returns each site's full day (1-based; NaN if not full within the horizon) and the people
    with no place by the end.
    """
    room = [float(x) for x in free]
    full_day = np.full(len(room), np.nan)
    for j, left in enumerate(room):
        if left < _FULL:
            full_day[j] = 0  # already full today
    nxt = [0] * len(order)
    unplaced = 0.0
    for day in range(daily.shape[1] if daily.ndim == 2 else 0):
        for p, ranked in enumerate(order):
            amount = float(daily[p, day])
            while amount > 0 and nxt[p] < len(ranked):
                j = ranked[nxt[p]]
                take = min(amount, room[j])
                room[j] -= take
                amount -= take
                if room[j] < _FULL:
                    if np.isnan(full_day[j]):
                        full_day[j] = day + 1
                    nxt[p] += 1
            unplaced += amount
    return full_day, unplaced


def _regions(site_days: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """A region is full the day its last usable site is (not within the horizon: empty)."""
    rows = []
    for region, group in site_days.groupby("adm1_iso", sort=True):
        days = {}
        for name, column in (("mid", "full_day"), ("early", "full_day_early"),
                             ("late", "full_day_late")):  # fmt: skip
            values = group[column].to_numpy(float)
            days[name] = float(values.max()) if not np.isnan(values).any() else np.nan
        rows.append(
            {
                "adm1_iso": region,
                "sites": len(group),
                "free_places": int(group["free_places"].sum()),
                "days_to_full": days["mid"],
                "days_to_full_early": days["early"],
                "days_to_full_late": days["late"],
                "full_on": None
                if np.isnan(days["mid"])
                else as_of + timedelta(days=int(days["mid"])),
            }
        )
    columns = ["adm1_iso", "sites", "free_places", "days_to_full", "days_to_full_early",
               "days_to_full_late", "full_on"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
