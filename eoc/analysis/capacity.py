"""Displacement-site capacity against Sphere standards: space, congestion, water and toilets.

The numbers live in `data/standards/capacity_profiles.csv`, one row per number with its
source; a profile is one complete set of them. The date (for the cold season) and the
response phase (for toilets) are arguments: nothing here reads the clock.

Capacity decision: a site is checked against each space standard (covered living space, total
site area) and against its declared `capacity`. `standards_capacity` is the lower of the space
standards; `binding_capacity` is the lower of that and the declared capacity, and
`binding_standard` names which one binds ("covered_space", "site_area" or "declared"). The
declared figure often reflects limits the standards do not see (beds, rooms, fire safety), so
a planner must respect both. A site with neither area recorded cannot be checked against the
standards: its capacity results are null (shown as "not assessed"), never a guess.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from eoc.errors import EocError

STANDARDS_DIR = Path(__file__).resolve().parents[2] / "data" / "standards"
PROFILES_FILE = STANDARDS_DIR / "capacity_profiles.csv"
DEFAULT_PROFILE = "sphere_2018"

PHASES = ("first", "medium_term")
OCCUPIED_SITE_STATUSES = ("open", "closing")  # sites where people are staying
CONGESTION_BANDS = ("high", "moderate", "low", "none")
BINDING_STANDARDS = ("covered_space", "site_area", "declared")
# A site row may carry this flag: its communal services (latrines, schools, distributions)
# are outside the site, so the lower site-area standard applies to it.
COMMUNAL_ELSEWHERE_FIELD = "communal_services_elsewhere"

# Guards floor() against 13.5 / 4.5 = 2.9999999999999996.
_EPSILON = 1e-9


class StandardsError(EocError):
    """The standards file or a capacity argument is wrong."""


@dataclass(frozen=True)
class CapacityStandards:
    """One profile of planning standards (see capacity_profiles.csv for each number's source)."""

    profile: str
    covered_m2_per_person: float
    covered_m2_per_person_cold: float
    site_m2_per_person: float
    site_m2_per_person_communal_elsewhere: float
    congestion_high_below_m2: float
    congestion_moderate_below_m2: float
    congestion_low_below_m2: float
    water_l_per_person_day: float
    people_per_tap: float
    people_per_toilet_first_phase: float
    people_per_toilet: float
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)


PARAMETERS = tuple(
    name for name in CapacityStandards.__dataclass_fields__ if name not in ("profile", "sources")
)


@dataclass(frozen=True)
class ColdSeason:
    """The cold season as a day-of-year window, inclusive; it may wrap over the new year."""

    start: tuple[int, int] = (10, 15)  # (month, day): 15 October
    end: tuple[int, int] = (4, 15)  # 15 April

    def __post_init__(self) -> None:
        for month, day in (self.start, self.end):
            date(2024, month, day)  # raises ValueError on 31 April and the like

    def contains(self, day: date) -> bool:
        key = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= key <= self.end
        return key >= self.start or key <= self.end


DEFAULT_COLD_SEASON = ColdSeason()


@dataclass(frozen=True)
class CapacityRules:
    """Which standards apply: the profile, the day (cold season or not) and the phase."""

    standards: CapacityStandards
    on: date
    phase: str = "first"
    cold_season: ColdSeason = DEFAULT_COLD_SEASON

    def __post_init__(self) -> None:
        if self.phase not in PHASES:
            raise StandardsError(
                f"unknown response phase {self.phase!r}; use one of: {', '.join(PHASES)}"
            )

    @property
    def cold(self) -> bool:
        return self.cold_season.contains(self.on)

    @property
    def covered_m2_per_person(self) -> float:
        s = self.standards
        return s.covered_m2_per_person_cold if self.cold else s.covered_m2_per_person

    @property
    def people_per_toilet(self) -> float:
        s = self.standards
        return s.people_per_toilet_first_phase if self.phase == "first" else s.people_per_toilet


def list_profiles(path: Path = PROFILES_FILE) -> list[str]:
    """The profile names in the standards file, in file order."""
    return list(dict.fromkeys(row["profile"] for row in _read_rows(path)))


def load_standards(
    path: Path = PROFILES_FILE, *, profile: str = DEFAULT_PROFILE
) -> CapacityStandards:
    """Profile `profile` of the standards file at `path`."""
    rows = [row for row in _read_rows(path) if row["profile"] == profile]
    if not rows:
        known = ", ".join(list_profiles(path)) or "none"
        raise StandardsError(f"{path.name}: no profile {profile!r}; profiles: {known}")
    values: dict[str, float] = {}
    sources: dict[str, str] = {}
    for row in rows:
        name = row["parameter"]
        if name not in PARAMETERS:
            raise StandardsError(f"{path.name}, profile {profile}: unknown parameter {name!r}")
        try:
            value = float(row["value"])
        except ValueError:
            raise StandardsError(
                f"{path.name}, profile {profile}, {name}: {row['value']!r} is not a number"
            ) from None
        if not value > 0:
            raise StandardsError(f"{path.name}, profile {profile}, {name}: must be above 0")
        if not (row.get("source") or "").strip():
            raise StandardsError(f"{path.name}, profile {profile}, {name}: the source is empty")
        values[name], sources[name] = value, row["source"]
    missing = [name for name in PARAMETERS if name not in values]
    if missing:
        raise StandardsError(f"{path.name}, profile {profile}: missing {', '.join(missing)}")
    standards = CapacityStandards(profile=profile, sources=sources, **values)
    bands = (
        standards.congestion_high_below_m2,
        standards.congestion_moderate_below_m2,
        standards.congestion_low_below_m2,
    )
    if list(bands) != sorted(bands):
        raise StandardsError(f"{path.name}, profile {profile}: congestion bands out of order")
    return standards


def _read_rows(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise StandardsError(f"cannot read the standards file {path}: {exc.strerror}") from None


def site_capacity(sites: gpd.GeoDataFrame, *, rules: CapacityRules) -> gpd.GeoDataFrame:
    """Each site checked against `rules`: a new frame with the capacity and WASH columns added.

    Added columns (nullable; null where an input is missing):
    `capacity_covered`, `capacity_site_area` (people the covered / site area holds at the
    standard, floored), `standards_capacity` (the lower of the two), `binding_capacity` (the
    lower of that and the declared `capacity`), `binding_standard`, `occupancy_pct`,
    `free_places` (never negative), `over_capacity` (above the binding capacity, or the
    declared one where the site is not assessed), `site_m2_per_person`, `congestion`
    (high/moderate/low/none), `latrines_needed`, `latrine_gap`, `water_points_needed`,
    `water_point_gap` (gaps never negative) and `water_need_l_day`.
    """
    for name in ("individuals", "capacity"):
        if name not in sites.columns:
            raise StandardsError(f"the sites have no '{name}' field; capacity needs it")
    s = rules.standards
    people = _numbers(sites, "individuals")
    declared = _numbers(sites, "capacity")
    covered = _numbers(sites, "covered_area_m2")
    site_area = _numbers(sites, "site_area_m2")

    site_m2 = np.full(len(sites), s.site_m2_per_person)
    if COMMUNAL_ELSEWHERE_FIELD in sites.columns:
        elsewhere = sites[COMMUNAL_ELSEWHERE_FIELD].astype("boolean").fillna(False).to_numpy(bool)
        site_m2[elsewhere] = s.site_m2_per_person_communal_elsewhere

    cap_covered = np.floor(covered / rules.covered_m2_per_person + _EPSILON)
    cap_site = np.floor(site_area / site_m2 + _EPSILON)
    standards_cap = np.fmin(cap_covered, cap_site)  # one missing area: the other decides
    binding = np.where(np.isnan(standards_cap), np.nan, np.fmin(standards_cap, declared))
    binding_name = np.select(
        [binding == cap_covered, binding == cap_site, binding == declared],
        list(BINDING_STANDARDS),
        default="",
    )

    with np.errstate(divide="ignore", invalid="ignore"):
        occupancy = np.where(binding > 0, people / binding * 100, np.nan)
        m2_per_person = np.where(people > 0, site_area / people, np.nan)
    free = np.maximum(binding - people, 0)
    # Over capacity: above the binding capacity; a site not assessed against the standards
    # is still over when it holds more people than it declares.
    known = np.fmin(standards_cap, declared)
    over = people > known

    latrines_needed = np.ceil(people / rules.people_per_toilet - _EPSILON).clip(min=0)
    taps_needed = np.ceil(people / s.people_per_tap - _EPSILON).clip(min=0)
    latrines = _numbers(sites, "latrines")
    taps = _numbers(sites, "water_points")

    out = sites.copy()
    out["capacity_covered"] = _ints(cap_covered)
    out["capacity_site_area"] = _ints(cap_site)
    out["standards_capacity"] = _ints(standards_cap)
    out["binding_capacity"] = _ints(binding)
    out["binding_standard"] = pd.array([name or None for name in binding_name], dtype="string")
    out["occupancy_pct"] = _floats(occupancy)
    out["free_places"] = _ints(free)
    out["over_capacity"] = pd.arrays.BooleanArray(over, np.isnan(known) | np.isnan(people))
    out["site_m2_per_person"] = _floats(m2_per_person)
    out["congestion"] = congestion_band(m2_per_person, standards=s)
    out["latrines_needed"] = _ints(latrines_needed)
    out["latrine_gap"] = _ints(np.maximum(latrines_needed - latrines, 0))
    out["water_points_needed"] = _ints(taps_needed)
    out["water_point_gap"] = _ints(np.maximum(taps_needed - taps, 0))
    out["water_need_l_day"] = _floats(people * s.water_l_per_person_day)
    out.attrs["capacity_rules"] = {
        "profile": s.profile,
        "on": rules.on.isoformat(),
        "cold_season": rules.cold,
        "phase": rules.phase,
        "covered_m2_per_person": rules.covered_m2_per_person,
        "people_per_toilet": rules.people_per_toilet,
    }
    return out


def congestion_band(m2_per_person, *, standards: CapacityStandards) -> pd.Series:
    """The congestion band of each site-area-per-person figure (a band starts at its lower edge)."""
    values = np.asarray(pd.array(m2_per_person, dtype="Float64").to_numpy(float, na_value=np.nan))
    edges = [
        standards.congestion_high_below_m2,
        standards.congestion_moderate_below_m2,
        standards.congestion_low_below_m2,
    ]
    index = np.searchsorted(edges, values, side="right")
    bands = np.array(CONGESTION_BANDS, dtype=object)[np.minimum(index, len(edges))]
    bands[np.isnan(values)] = None
    return pd.Series(pd.array(bands, dtype="string"), index=getattr(m2_per_person, "index", None))


def occupancy_by_region(sites: gpd.GeoDataFrame, *, by: str = "adm1_iso") -> pd.DataFrame:
    """People, capacity and free places per region of sites checked by `site_capacity`.

    Occupancy is over the assessed sites only (those with a binding capacity); the sites that
    could not be assessed are counted apart with their people.
    """
    _require_assessed(sites, by)
    assessed = sites["binding_capacity"].notna()
    people = sites["individuals"].astype("Int64").fillna(0)
    frame = pd.DataFrame(
        {
            by: sites[by].astype("string").fillna("not recorded"),
            "sites": 1,
            "individuals": people,
            "declared_capacity": sites["capacity"].astype("Int64").fillna(0),
            "assessed_individuals": people.where(assessed, 0),
            "binding_capacity": sites["binding_capacity"].fillna(0),
            "free_places": sites["free_places"].fillna(0),
            "sites_over_capacity": sites["over_capacity"].fillna(False).astype("int64"),
            "sites_not_assessed": (~assessed).astype("int64"),
            "individuals_not_assessed": people.where(~assessed, 0),
        }
    )
    totals = frame.groupby(by, sort=True).sum().reset_index()
    binding = totals["binding_capacity"].astype("Float64")
    totals["occupancy_pct"] = (totals["assessed_individuals"] / binding * 100).where(binding > 0)
    totals = totals.drop(columns="assessed_individuals")
    return totals.astype(
        {name: "int64" for name in totals.columns if name not in (by, "occupancy_pct")}
    )


def wash_gaps_by_region(sites: gpd.GeoDataFrame, *, by: str = "adm1_iso") -> pd.DataFrame:
    """Toilets and water points present, needed and missing per region (sites from `site_capacity`).

    A gap is summed site by site: a spare latrine in one site does not fill another's gap.
    """
    _require_assessed(sites, by)
    frame = pd.DataFrame(
        {
            by: sites[by].astype("string").fillna("not recorded"),
            "sites": 1,
            "individuals": sites["individuals"].astype("Int64").fillna(0),
            "latrines": sites["latrines"].astype("Int64").fillna(0) if "latrines" in sites else 0,
            "latrines_needed": sites["latrines_needed"].fillna(0),
            "latrine_gap": sites["latrine_gap"].fillna(0),
            "sites_with_latrine_gap": (sites["latrine_gap"].fillna(0) > 0).astype("int64"),
            "water_points": (
                sites["water_points"].astype("Int64").fillna(0) if "water_points" in sites else 0
            ),
            "water_points_needed": sites["water_points_needed"].fillna(0),
            "water_point_gap": sites["water_point_gap"].fillna(0),
            "sites_with_water_point_gap": (sites["water_point_gap"].fillna(0) > 0).astype("int64"),
            "water_need_l_day": sites["water_need_l_day"].fillna(0).astype("float64"),
        }
    )
    totals = frame.groupby(by, sort=True).sum().reset_index()
    return totals.astype(
        {name: "int64" for name in totals.columns if name not in (by, "water_need_l_day")}
    )


def _require_assessed(sites: pd.DataFrame, by: str) -> None:
    if "binding_capacity" not in sites.columns:
        raise StandardsError(
            "the sites have no capacity columns: run site_capacity() on them first"
        )
    if by not in sites.columns:
        raise StandardsError(f"the sites have no '{by}' field to group by")


def _numbers(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return (
        pd.to_numeric(frame[name], errors="coerce")
        .astype("Float64")
        .to_numpy(float, na_value=np.nan)
    )


def _ints(values: np.ndarray) -> pd.arrays.IntegerArray:
    mask = np.isnan(values)
    return pd.arrays.IntegerArray(np.where(mask, 0, values).astype("int64"), mask)


def _floats(values: np.ndarray) -> pd.arrays.FloatingArray:
    return pd.array(values, dtype="Float64")
