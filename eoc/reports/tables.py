"""The report's tables, from exposure results and layers: raw values under message-id labels."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime

import geopandas as gpd
import pandas as pd

import layers
from eoc.analysis.exposure import SEVERITY_RANK, exposure_totals, worst_exposure
from eoc.analysis.kpis import incidents_in_period
from eoc.i18n import N_, place_name
from eoc.reports.model import Column, Sentence, Spelling, Table

EXPOSED_LAYERS = (
    "places",
    "displacement_sites",
    "health_facilities",
    "education_facilities",
    "infrastructure_projects",
    "border_checkpoints",
)
CHECKPOINT_ORDER = ("closed", "restricted", "open")
YES, NO = N_("yes"), N_("no")
UNNAMED = N_("{count} unnamed")  # facilities without a name, counted in one row

_EXPOSURE_COLUMNS = (
    Column("residents", N_("Residents in zones"), "int"),
    Column("sites", N_("Displacement sites"), "int"),
    Column("site_people", N_("People in those sites"), "int"),
    Column("health", N_("Health facilities"), "int"),
    Column("schools", N_("Schools and education facilities"), "int"),
    Column("projects", N_("Infrastructure projects"), "int"),
    Column("checkpoints", N_("Border checkpoints"), "int"),
)


def spelling(record: object) -> Spelling:
    """A place's or a checkpoint's name as each language writes it (eoc.i18n.place_name): a
    report built once names it in Cyrillic on a Tajik or a Russian page."""
    return Spelling(str(record.name), place_name(record, "ru"), place_name(record, "tg"))


def value_label(layer: str, field: str, value: object) -> str | None:
    """The message id of an allowed value ('very_high' → 'Very high'); None if missing."""
    if value is None or pd.isna(value):
        return None
    return layers.get(layer).field(field).value_label(value)


def _figures(
    totals: pd.DataFrame, keys: Sequence[str], residents: str = "places"
) -> dict[tuple, dict[str, int]]:
    """{key tuple: {column key: number}} from an `exposure_totals` table.

    `residents` is the layer whose people are the residents: a population grid's pieces, or
    the places (towns) where the store holds no grid — never both, which would count the
    people of a town twice.
    """
    out: dict[tuple, dict[str, int]] = {}
    for row in totals.itertuples(index=False):
        values = row._asdict()
        key = tuple(values[k] for k in keys)
        entry = out.setdefault(key, dict.fromkeys((c.key for c in _EXPOSURE_COLUMNS), 0))
        people = 0 if pd.isna(values["people"]) else int(values["people"])
        features = int(values["features"])
        layer = str(values["layer"])
        if layer == residents:
            entry["residents"] = people
        elif layer == "displacement_sites":
            entry["sites"], entry["site_people"] = features, people
        elif layer == "health_facilities":
            entry["health"] = features
        elif layer == "education_facilities":
            entry["schools"] = features
        elif layer == "infrastructure_projects":
            entry["projects"] = features
        elif layer == "border_checkpoints":
            entry["checkpoints"] = features
    return out


def _numbers(entry: Mapping[str, int] | None) -> tuple[int, ...]:
    return tuple((entry or {}).get(c.key, 0) for c in _EXPOSURE_COLUMNS)


def exposure_by_region(
    exposed: pd.DataFrame, regions: gpd.GeoDataFrame, *, residents: str = "places"
) -> Table:
    """Residents, sites, facilities, projects and checkpoints in zones, per region."""
    figures = _figures(exposure_totals(exposed, by=("adm1_iso",)), ("adm1_iso",), residents)
    rows = [
        (code, *_numbers(figures.get((code,))))
        for code in regions.sort_values("adm1_name")["adm1_iso"].astype(str)
        if (code,) in figures
    ]
    everything = exposure_totals(exposed.assign(scope="all"), by=("scope",))
    total = _figures(everything, ("scope",), residents)
    return Table(
        columns=(Column("region", N_("Region"), "region"), *_EXPOSURE_COLUMNS),
        rows=tuple(rows),
        total=(N_("Total"), *_numbers(total.get(("all",)))) if rows else None,
        empty=N_("Nothing lies in a hazard zone in force."),
    )


def exposure_by_district(exposed: pd.DataFrame, *, residents: str = "places") -> Table:
    """The same figures per district, the most exposed residents first."""
    keys = ("adm1_iso", "adm2_name")
    figures = _figures(exposure_totals(exposed, by=keys), keys, residents)
    rows = sorted(
        ((region, district, *_numbers(entry)) for (region, district), entry in figures.items()),
        key=lambda row: (-row[2], -row[4], str(row[1])),
    )
    return Table(
        columns=(
            Column("district", N_("District")),
            Column("region", N_("Region"), "region"),
            *_EXPOSURE_COLUMNS,
        ),
        rows=tuple((row[1], row[0], *row[2:]) for row in rows),
        empty=N_("Nothing lies in a hazard zone in force."),
    )


def zone_table(
    zones: gpd.GeoDataFrame, exposed: pd.DataFrame, *, residents: str = "places"
) -> Table:
    """Each zone in scope with the residents and displacement sites inside it."""
    figures = _figures(exposure_totals(exposed, by=("zone_id",)), ("zone_id",), residents)
    ordered = zones.assign(
        _rank=zones["severity"].map(SEVERITY_RANK).fillna(-1),
        _mmi=pd.to_numeric(zones["mmi"]).fillna(-1),
    ).sort_values(["hazard_type", "_rank", "_mmi"], ascending=[True, False, False])
    rows = []
    for zone in ordered.itertuples(index=False):
        entry = figures.get((zone.zone_id,), {})
        rows.append(
            (
                zone.name,
                value_label("hazard_zones", "hazard_type", zone.hazard_type),
                value_label("hazard_zones", "severity", zone.severity),
                None if pd.isna(zone.mmi) else float(zone.mmi),
                _time(zone.valid_from),
                entry.get("residents", 0),
                entry.get("sites", 0),
                entry.get("site_people", 0),
            )
        )
    return Table(
        columns=(
            Column("zone", N_("Zone")),
            Column("hazard", N_("Hazard"), "label"),
            Column("severity", N_("Severity"), "label"),
            Column("mmi", N_("Intensity (MMI)"), "decimal"),
            Column("since", N_("In force since"), "time"),
            Column("residents", N_("Residents in zones"), "int"),
            Column("sites", N_("Displacement sites"), "int"),
            Column("site_people", N_("People in those sites"), "int"),
        ),
        rows=tuple(rows),
        empty=N_("No hazard zone is in force."),
    )


def site_table(sites: gpd.GeoDataFrame, exposed: pd.DataFrame) -> Table:
    """Occupied sites inside a zone in force, at their worst zone, with declared occupancy."""
    at_sites = exposed[(exposed["layer"] == "displacement_sites").to_numpy(dtype=bool)]
    worst = worst_exposure(at_sites, per=())
    by_id = sites.set_index(sites["site_id"].astype(str))
    rows = []
    for hit in worst.itertuples(index=False):
        site = by_id.loc[str(hit.feature_id)]
        people, capacity = _int(site["individuals"]), _int(site["capacity"])
        occupancy = people / capacity * 100 if capacity else None
        rows.append(
            (
                site["name"],
                site["adm2_name"],
                value_label("displacement_sites", "site_type", site["site_type"]),
                people,
                capacity,
                occupancy,
                YES if capacity is not None and people > capacity else NO,
                value_label("hazard_zones", "hazard_type", hit.hazard_type),
                value_label("hazard_zones", "severity", hit.severity),
            )
        )
    rows.sort(key=lambda row: (-(row[3] or 0), str(row[0])))
    total_people = sum(row[3] or 0 for row in rows)
    total_capacity = sum(row[4] or 0 for row in rows)
    return Table(
        columns=(
            Column("site", N_("Site")),
            Column("district", N_("District")),
            Column("type", N_("Type"), "label"),
            Column("people", N_("People"), "int"),
            Column("capacity", N_("Capacity"), "int"),
            Column("occupancy", N_("Occupancy"), "pct"),
            Column("over", N_("Over capacity"), "label"),
            Column("hazard", N_("Hazard"), "label"),
            Column("severity", N_("Severity"), "label"),
        ),
        rows=tuple(rows),
        total=(N_("Total"), None, None, total_people, total_capacity, None, None, None, None)
        if rows
        else None,
        empty=N_("No occupied displacement site lies in a hazard zone in force."),
    )


def displaced_table(by_zone: pd.DataFrame, zones: gpd.GeoDataFrame) -> Table:
    """Exposed residents, displacement rate and estimated displaced people per zone."""
    names = dict(zip(zones["zone_id"].astype(str), zones["name"], strict=True))
    rows = tuple(
        (
            names.get(str(row.zone_id), str(row.zone_id)),
            value_label("hazard_zones", "hazard_type", row.hazard_type),
            value_label("hazard_zones", "severity", row.severity),
            int(row.exposed_people),
            float(row.rate) * 100,
            int(row.displaced),
        )
        for row in by_zone.itertuples(index=False)
    )
    return Table(
        columns=(
            Column("zone", N_("Zone")),
            Column("hazard", N_("Hazard"), "label"),
            Column("severity", N_("Severity"), "label"),
            Column("exposed", N_("Residents in zones"), "int"),
            Column("rate", N_("Displacement rate"), "pct"),
            Column("displaced", N_("Estimated displaced"), "int"),
        ),
        rows=rows,
        empty=N_("No resident lies in a hazard zone in force."),
    )


def needs_table(needs: pd.DataFrame) -> Table:
    rows = tuple(
        (row.item, int(row.quantity), row.unit, row.frequency)
        for row in needs.itertuples(index=False)
    )
    return Table(
        columns=(
            Column("item", N_("Item"), "label"),
            Column("quantity", N_("Quantity"), "int"),
            Column("unit", N_("Unit"), "label"),
            Column("frequency", N_("Frequency"), "label"),
        ),
        rows=rows,
        empty=N_("No needs: nobody is estimated displaced."),
    )


def checkpoint_table(checkpoints: gpd.GeoDataFrame, exposed: pd.DataFrame) -> Table:
    """Every border checkpoint, closed and restricted first, with any zone it lies in."""
    at_checkpoints = exposed[(exposed["layer"] == "border_checkpoints").to_numpy(dtype=bool)]
    worst = worst_exposure(at_checkpoints, per=())
    hazard_of = {
        str(hit.feature_id): value_label("hazard_zones", "hazard_type", hit.hazard_type)
        for hit in worst.itertuples(index=False)
    }
    order = {status: rank for rank, status in enumerate(CHECKPOINT_ORDER)}
    ordered = checkpoints.assign(_rank=checkpoints["status"].map(order).fillna(9))
    rows = tuple(
        (
            spelling(row),
            None if pd.isna(row.border_country) else str(row.border_country),
            value_label("border_checkpoints", "status", row.status),
            hazard_of.get(str(row.checkpoint_id)),
            None if pd.isna(row.notes) else str(row.notes),
        )
        for row in ordered.sort_values(["_rank", "name"], kind="stable").itertuples(index=False)
    )
    return Table(
        columns=(
            Column("checkpoint", N_("Checkpoint")),
            Column("border", N_("Border with")),
            Column("status", N_("Status"), "label"),
            Column("hazard", N_("In hazard zone"), "label"),
            Column("notes", N_("Notes")),
        ),
        rows=rows,
        empty=N_("No border checkpoint is recorded."),
    )


def infrastructure_table(
    exposed: pd.DataFrame,
    projects: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    schools: gpd.GeoDataFrame | None = None,
) -> Table:
    """Infrastructure projects, health facilities and schools inside a zone in force."""
    category = {
        ("infrastructure_projects", str(k)): value_label("infrastructure_projects", "category", v)
        for k, v in zip(projects["project_id"], projects["category"], strict=True)
    }
    category |= {
        ("health_facilities", str(k)): None if pd.isna(v) else str(v).replace("_", " ")
        for k, v in zip(facilities["osm_id"], facilities["amenity"], strict=True)
    }
    if schools is not None:
        category |= {
            ("education_facilities", str(k)): None if pd.isna(v) else str(v).replace("_", " ")
            for k, v in zip(schools["osm_id"], schools["amenity"], strict=True)
        }
    kinds = {
        "infrastructure_projects": N_("Infrastructure project"),
        "health_facilities": N_("Health facility"),
        "education_facilities": N_("School or education facility"),
    }
    hits = exposed[exposed["layer"].isin(list(kinds)).to_numpy(dtype=bool)]
    worst = worst_exposure(hits, per=())
    named, unnamed = [], Counter()
    for hit in worst.itertuples(index=False):
        row = (
            kinds[str(hit.layer)],
            None if pd.isna(hit.name) else str(hit.name),
            category.get((str(hit.layer), str(hit.feature_id))),
            None if pd.isna(hit.adm2_name) else str(hit.adm2_name),
            value_label("hazard_zones", "hazard_type", hit.hazard_type),
            value_label("hazard_zones", "severity", hit.severity),
        )
        if row[1] is None:
            unnamed[row] += 1  # OpenStreetMap has many unnamed posts: one line per kind and place
        else:
            named.append(row)
    grouped = [
        (kind, Sentence(UNNAMED, {"count": count}), *rest)
        for (kind, _name, *rest), count in unnamed.items()
    ]
    rows = sorted(
        named + grouped,
        key=lambda row: (
            row[0],
            -SEVERITY_RANK.get(_severity_key(row[5]), 0),
            isinstance(row[1], Sentence),
            str(row[1] if not isinstance(row[1], Sentence) else row[3]),
        ),
    )
    return Table(
        columns=(
            Column("kind", N_("Kind"), "label"),
            Column("name", N_("Name")),
            Column("category", N_("Category"), "label"),
            Column("district", N_("District")),
            Column("hazard", N_("Hazard"), "label"),
            Column("severity", N_("Severity"), "label"),
        ),
        rows=tuple(rows),
        empty=N_(
            "No infrastructure project, health facility or school lies in a hazard zone in force."
        ),
    )


def incident_table(incidents: gpd.GeoDataFrame, start: datetime, end: datetime) -> Table:
    """Incidents counted in the report's period (closed ones are not), oldest first."""
    chosen = incidents_in_period(incidents, start=start, end=end)
    times = pd.to_datetime(chosen["time_utc"], utc=True)
    chosen = chosen.assign(_time=times).sort_values("_time", kind="stable")
    rows = tuple(
        (
            _time(row.time_utc),
            value_label("incidents", "incident_type", row.incident_type),
            value_label("incidents", "severity", row.severity),
            value_label("incidents", "status", row.status),
            None if pd.isna(row.adm1_iso) else str(row.adm1_iso),
            None if pd.isna(row.description) else str(row.description),
            _int(row.people_affected),
        )
        for row in chosen.itertuples(index=False)
    )
    return Table(
        columns=(
            Column("time", N_("Time"), "time"),
            Column("type", N_("Type"), "label"),
            Column("severity", N_("Severity"), "label"),
            Column("status", N_("Status"), "label"),
            Column("region", N_("Region"), "region"),
            Column("description", N_("Description")),
            Column("people", N_("People affected"), "int"),
        ),
        rows=rows,
        empty=N_("No incident was reported in this period."),
    )


def _severity_key(label: str | None) -> str:
    return (label or "").lower().replace(" ", "_")


def _time(value: object) -> datetime | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).tz_convert("UTC").to_pydatetime()


def _int(value: object) -> int | None:
    if value is None or pd.isna(value):
        return None
    return int(value)
