"""Displaced people and what they need: exposed people × displacement rate, × minimum needs.

The rates and the needs profiles are standards kept as CSV in data/standards/ (each number with
its source, see SOURCES.md there); the loaders below are the only file reading in
eoc/analysis and take the path as an argument. Every count is rounded up: a report never
shows a fraction of a person, a toilet or a kit.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from eoc.analysis.active import AnalysisInputError
from eoc.analysis.exposure import worst_exposure
from layers.hazard_zones import HAZARD_TYPES, SEVERITIES

STANDARDS_DIR = Path(__file__).resolve().parents[2] / "data" / "standards"
DISPLACEMENT_RATES_FILE = STANDARDS_DIR / "displacement_rates.csv"
NEEDS_PROFILES_FILE = STANDARDS_DIR / "needs_profiles.csv"
DEFAULT_PROFILE = "inasafe"
# Layers whose `people` are residents who may be displaced (sites hold people already displaced).
RESIDENT_LAYERS = ("places",)


@dataclass(frozen=True)
class NeedItem:
    """One line of a needs profile: `quantity_per_person` `unit` of `item`, `frequency`."""

    item: str
    unit: str
    quantity_per_person: Decimal
    frequency: str
    source: str


@dataclass(frozen=True)
class NeedsProfile:
    """A named set of minimum needs per person (e.g. "inasafe", "sphere")."""

    name: str
    items: tuple[NeedItem, ...]


# -- loading the standards -------------------------------------------------------------------


def load_displacement_rates(path: Path = DISPLACEMENT_RATES_FILE) -> dict[tuple[str, str], Decimal]:
    """Displacement rate per (hazard_type, severity) from a CSV; every pair must be there."""
    rows = _read_csv(path, ("hazard_type", "severity", "rate", "source"))
    rates: dict[tuple[str, str], Decimal] = {}
    for line, row in rows:
        key = (row["hazard_type"].strip(), row["severity"].strip())
        if key[0] not in HAZARD_TYPES or key[1] not in SEVERITIES:
            raise AnalysisInputError(f"{path}, line {line}: unknown hazard/severity {key}")
        rate = _decimal(row["rate"], path, line, "rate")
        if not 0 <= rate <= 1:
            raise AnalysisInputError(f"{path}, line {line}: rate {rate} is not between 0 and 1")
        if not row["source"].strip():
            raise AnalysisInputError(f"{path}, line {line}: the rate has no source")
        if key in rates:
            raise AnalysisInputError(f"{path}, line {line}: {key} appears twice")
        rates[key] = rate
    missing = [(h, s) for h in HAZARD_TYPES for s in SEVERITIES if (h, s) not in rates]
    if missing:
        listed = ", ".join(f"{h}/{s}" for h, s in missing)
        raise AnalysisInputError(f"{path} has no displacement rate for {listed}")
    return rates


def load_needs_profiles(path: Path = NEEDS_PROFILES_FILE) -> dict[str, NeedsProfile]:
    """Every needs profile in a CSV (profile,item,unit,quantity_per_person,frequency,source)."""
    fields = ("profile", "item", "unit", "quantity_per_person", "frequency", "source")
    items: dict[str, list[NeedItem]] = {}
    for line, row in _read_csv(path, fields):
        quantity = _decimal(row["quantity_per_person"], path, line, "quantity_per_person")
        if quantity < 0:
            raise AnalysisInputError(f"{path}, line {line}: quantity_per_person is negative")
        if not row["source"].strip():
            raise AnalysisInputError(f"{path}, line {line}: the need has no source")
        items.setdefault(row["profile"].strip(), []).append(
            NeedItem(
                item=row["item"].strip(),
                unit=row["unit"].strip(),
                quantity_per_person=quantity,
                frequency=row["frequency"].strip(),
                source=row["source"].strip(),
            )
        )
    return {name: NeedsProfile(name, tuple(lines)) for name, lines in items.items()}


# -- displaced people ------------------------------------------------------------------------


def displaced_by_zone(
    exposed: pd.DataFrame,
    rates: Mapping[tuple[str, str], Decimal | float],
    *,
    people_layers: Sequence[str] = RESIDENT_LAYERS,
) -> pd.DataFrame:
    """Exposed and estimated displaced people per zone, from an `exposed_features` table.

    Within one hazard type a person counts in one zone only, their worst (overlapping zones
    are not added twice). Columns: zone_id, hazard_type, severity, exposed_people, rate,
    displaced (rounded up). The same people can appear under two hazard types (a village in
    a flood and a shaking zone): add them with `displaced_people`, not by summing this table.
    """
    columns = ["zone_id", "hazard_type", "severity", "exposed_people", "rate", "displaced"]
    residents = _residents(exposed, people_layers)
    if residents.empty:
        return pd.DataFrame({name: [] for name in columns}).astype(
            {"exposed_people": "int64", "rate": "float64", "displaced": "int64"}
        )
    once = worst_exposure(residents, per=("hazard_type",))
    people = pd.to_numeric(once["people"]).fillna(0).astype("int64")
    table = (
        once.assign(exposed_people=people)
        .groupby(["zone_id", "hazard_type", "severity"], sort=True)["exposed_people"]
        .sum()
        .reset_index()
    )
    rate = [
        _rate(rates, h, s) for h, s in zip(table["hazard_type"], table["severity"], strict=True)
    ]
    displaced = [
        _ceil(Decimal(int(p)) * r) for p, r in zip(table["exposed_people"], rate, strict=True)
    ]
    table["rate"] = [float(r) for r in rate]
    table["displaced"] = pd.array(displaced, dtype="int64")
    return table[columns].astype({"exposed_people": "int64"})


def displaced_people(
    exposed: pd.DataFrame,
    rates: Mapping[tuple[str, str], Decimal | float],
    *,
    people_layers: Sequence[str] = RESIDENT_LAYERS,
) -> int:
    """Estimated displaced people over all zones, each person counted once (rounded up).

    A feature exposed to several hazards takes the highest rate it meets: people are
    displaced once, not once per hazard.
    """
    residents = _residents(exposed, people_layers)
    if residents.empty:
        return 0
    once = worst_exposure(residents, per=("hazard_type",))
    rate = [_rate(rates, h, s) for h, s in zip(once["hazard_type"], once["severity"], strict=True)]
    per_feature = pd.DataFrame(
        {
            "layer": once["layer"].to_numpy(),
            "feature_id": once["feature_id"].to_numpy(),
            "people": pd.to_numeric(once["people"]).fillna(0).astype("int64").to_numpy(),
            "rate": rate,
        }
    )
    worst = per_feature.groupby(["layer", "feature_id"], sort=False).agg(
        people=("people", "first"), rate=("rate", "max")
    )
    total = sum(
        (Decimal(int(p)) * r for p, r in zip(worst["people"], worst["rate"], strict=True)),
        Decimal(0),
    )
    return _ceil(total)


def needs_of(displaced: int, profile: NeedsProfile) -> pd.DataFrame:
    """What `displaced` people need under `profile`, each quantity rounded up.

    Columns: item, quantity, unit, frequency, source.
    """
    if isinstance(displaced, bool) or int(displaced) != displaced or displaced < 0:
        raise AnalysisInputError(f"displaced must be a whole number of people, not {displaced!r}")
    rows = [
        {
            "item": need.item,
            "quantity": _ceil(Decimal(int(displaced)) * need.quantity_per_person),
            "unit": need.unit,
            "frequency": need.frequency,
            "source": need.source,
        }
        for need in profile.items
    ]
    table = pd.DataFrame(rows, columns=["item", "quantity", "unit", "frequency", "source"])
    return table.astype({"quantity": "int64"})


def choose_profile(
    profiles: Mapping[str, NeedsProfile], name: str = DEFAULT_PROFILE
) -> NeedsProfile:
    """The profile called `name`, or an error that lists the ones there are."""
    try:
        return profiles[name]
    except KeyError:
        known = ", ".join(sorted(profiles)) or "none"
        raise AnalysisInputError(f"no needs profile {name!r}; profiles: {known}") from None


# -- helpers ---------------------------------------------------------------------------------


def _residents(exposed: pd.DataFrame, people_layers: Sequence[str]) -> pd.DataFrame:
    missing = [
        c
        for c in ("zone_id", "hazard_type", "severity", "layer", "feature_id", "people")
        if c not in exposed.columns
    ]
    if missing:
        raise AnalysisInputError(
            f"the exposure table has no field {', '.join(missing)}: build it with exposed_features"
        )
    return exposed[exposed["layer"].isin(list(people_layers)).to_numpy(dtype=bool)]


def _rate(
    rates: Mapping[tuple[str, str], Decimal | float], hazard_type: str, severity: str
) -> Decimal:
    try:
        return Decimal(str(rates[(str(hazard_type), str(severity))]))
    except KeyError:
        raise AnalysisInputError(
            f"no displacement rate for {hazard_type} zones of severity {severity}: "
            "add it to data/standards/displacement_rates.csv"
        ) from None


def _ceil(value: Decimal) -> int:
    # Decimal, not float: 5 people × 0.2 kits is exactly 1 kit, not 1.0000000000000002 → 2.
    return int(math.ceil(value))


def _decimal(text: str, path: Path, line: int, field: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        raise AnalysisInputError(f"{path}, line {line}: {field} {text!r} is not a number") from None
    if not value.is_finite():
        raise AnalysisInputError(f"{path}, line {line}: {field} {text!r} is not a number")
    return value


def _read_csv(path: Path, fields: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    try:
        with Path(path).open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [name for name in fields if name not in (reader.fieldnames or [])]
            if missing:
                raise AnalysisInputError(f"{path} has no column {', '.join(missing)}")
            return [(number, row) for number, row in enumerate(reader, start=2)]
    except OSError as exc:
        raise AnalysisInputError(f"cannot read the standards file {path}: {exc.strerror}") from exc
