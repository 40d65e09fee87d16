"""Build a situation report from the store at one version.

Scope: the whole country, or one event (`event_id`, see eoc.reports.event for which zones
belong to an event). The event narrows the hazard side of the report (zones, exposure,
displaced people, needs, sites and infrastructure at risk); border checkpoints, site
occupancy over the whole country and the incidents of the period are always national.

Highlights are sentences written from the figures (message ids with values, translated when
rendered): the lead event, people in hazard zones and the displaced estimate, sites over
capacity, border checkpoints, incidents of the period — at most five.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

import geopandas as gpd
import pandas as pd

from eoc.alerts.sitrep import alert_table
from eoc.analysis.active import active_at, as_utc
from eoc.analysis.capacity import OCCUPIED_SITE_STATUSES, CapacityRules, load_standards
from eoc.analysis.exposure import concat_exposure, exposed_features
from eoc.analysis.kpis import (
    SEVERE_INCIDENTS,
    checkpoints_with_status,
    incidents_in_period,
    people_in_sites,
    resident_exposure,
    residents_exposed,
    sites_over_capacity,
    sites_over_declared_capacity,
)
from eoc.analysis.needs import (
    choose_profile,
    displaced_by_zone,
    displaced_people,
    load_displacement_rates,
    load_needs_profiles,
    needs_of,
)
from eoc.i18n import N_
from eoc.io.raster import open_grid
from eoc.reports import tables
from eoc.reports.arrivals import flow_section
from eoc.reports.coverage import (
    RESIDENTS_FOOTNOTE,
    RESIDENTS_MMI7_FOOTNOTE,
    residents_basis,
)
from eoc.reports.event import describe_event, event_zones, find_incident, lead_incident
from eoc.reports.model import FreeText, KeyFigure, Sentence, Sitrep, Source
from eoc.reports.snapshot import Snapshot, read_snapshot

PERIOD_H = 24
NEXT_ISSUE_H = 24
DEFAULT_NEEDS_PROFILE = "sphere"
OCCUPIED = OCCUPIED_SITE_STATUSES
STRONG_SHAKING_MMI = 7.0
MAX_HIGHLIGHTS = 5
NO_FREE_TEXT = FreeText()


def build_sitrep(
    store,
    *,
    as_of: datetime | str,
    produced_by: str,
    event_id: str | None = None,
    number: int | None = None,
    free_text: FreeText = NO_FREE_TEXT,
    needs_profile: str = DEFAULT_NEEDS_PROFILE,
    draw_map: bool = True,
) -> Sitrep:
    """The situation report at `as_of` from `store`, every layer read at one version."""
    return compose_sitrep(
        read_snapshot(store),
        as_of=as_of,
        produced_by=produced_by,
        event_id=event_id,
        number=number,
        free_text=free_text,
        needs_profile=needs_profile,
        draw_map=draw_map,
    )


def compose_sitrep(
    snapshot: Snapshot,
    *,
    as_of: datetime | str,
    produced_by: str,
    event_id: str | None = None,
    number: int | None = None,
    free_text: FreeText = NO_FREE_TEXT,
    needs_profile: str = DEFAULT_NEEDS_PROFILE,
    draw_map: bool = True,
) -> Sitrep:
    """The report from layers already read (`snapshot`); see `build_sitrep`."""
    moment = as_utc(as_of).to_pydatetime()
    frames = snapshot.frames
    in_force = active_at(frames["hazard_zones"], moment)
    incidents = frames["incidents"]
    event = None
    if event_id:
        incident = find_incident(incidents, event_id)
        zones = event_zones(incident, in_force)
        event = describe_event(incident, zones, frames["places"])
        lead, lead_zone_ids = event, set(event.zone_ids)
    else:
        zones = in_force
        found = lead_incident(incidents, moment)
        lead = None
        if found is not None:
            lead = describe_event(found, event_zones(found, in_force), frames["places"])
        lead_zone_ids = set(lead.zone_ids) if lead else set()

    sites = frames["displacement_sites"]
    occupied = sites[sites["status"].isin(OCCUPIED).to_numpy(dtype=bool)]
    exposed = exposed_features(
        {
            "places": frames["places"],
            "displacement_sites": occupied,
            "health_facilities": frames["health_facilities"],
            "education_facilities": frames["education_facilities"],
            "infrastructure_projects": frames["infrastructure_projects"],
            "border_checkpoints": frames["border_checkpoints"],
        },
        zones,
        regions=frames["regions"],
        districts=frames["districts"],
    )
    basis = residents_basis(frames["population_grids"], snapshot.grid_file)
    if snapshot.grid_file is not None:
        with open_grid(snapshot.grid_file) as grid:
            exposed = concat_exposure(
                exposed,
                resident_exposure(
                    zones, places=frames["places"], districts=frames["districts"], grid=grid
                ),
            )
    residents = basis.layer
    rates = load_displacement_rates()
    profile = choose_profile(load_needs_profiles(), needs_profile)
    displaced = displaced_people(exposed, rates, people_layers=(residents,))
    by_zone = displaced_by_zone(exposed, rates, people_layers=(residents,))

    figures, severe = _key_figures(exposed, frames, moment, displaced, residents)
    period_start = moment - timedelta(hours=PERIOD_H)
    lead_exposed = exposed[exposed["zone_id"].astype(str).isin(lead_zone_ids).to_numpy(bool)]
    report = Sitrep(
        number=number,
        as_of=moment,
        period_start=period_start,
        next_issue=moment + timedelta(hours=NEXT_ISSUE_H),
        produced_by=produced_by,
        event=event,
        store_version=snapshot.version,
        data_time=snapshot.data_time,
        needs_profile=profile.name,
        highlights=_highlights(lead, lead_exposed, figures, severe, len(zones)),
        key_figures=tuple(figures.values()),
        exposure_by_region=tables.exposure_by_region(
            exposed, frames["regions"], residents=residents
        ),
        exposure_by_district=tables.exposure_by_district(exposed, residents=residents),
        zones=tables.zone_table(zones, exposed, residents=residents),
        sites=tables.site_table(occupied, exposed),
        displaced_by_zone=tables.displaced_table(by_zone, zones),
        displaced=displaced,
        needs=tables.needs_table(needs_of(displaced, profile)),
        checkpoints=tables.checkpoint_table(frames["border_checkpoints"], exposed),
        infrastructure=tables.infrastructure_table(
            exposed,
            frames["infrastructure_projects"],
            frames["health_facilities"],
            frames["education_facilities"],
        ),
        incidents=tables.incident_table(incidents, period_start, moment),
        sources=_sources(zones, profile, basis.source),
        coverage=basis.notes,
        region_names=_region_names(frames["regions"]),
        free_text=free_text,
        alerts=alert_table(snapshot.alerts, moment),
        flows=None
        if snapshot.flow_counts is None
        else flow_section(
            snapshot.flow_counts,
            frames,
            moment=moment,
            rules=CapacityRules(load_standards(), on=moment.date()),
        ),
        exercise=snapshot.exercise,
    )
    if draw_map:
        report = with_map(report, snapshot, zones)
    return report


def with_map(report: Sitrep, snapshot: Snapshot, zones: gpd.GeoDataFrame | None = None) -> Sitrep:
    """`report` with its map image drawn (the slowest step, so the page can show progress)."""
    from eoc.reports.map_image import draw_sitrep_map

    frames = snapshot.frames
    if zones is None:
        zones = active_at(frames["hazard_zones"], report.as_of)
        if report.event is not None:
            ids = set(report.event.zone_ids)
            zones = zones[zones["zone_id"].astype(str).isin(ids).to_numpy(dtype=bool)]
    sites = frames["displacement_sites"]
    png = draw_sitrep_map(
        frames,
        zones=zones,
        sites=sites[sites["status"].isin(OCCUPIED).to_numpy(dtype=bool)],
        event=report.event,
    )
    return replace(report, map_png=png)


# -- figures and sentences -----------------------------------------------------------------


def sites_exposed(exposed: pd.DataFrame, *, min_mmi: float | None = None) -> tuple[int, int]:
    """(sites, people in them) of the displacement sites in `exposed`, each site once."""
    rows = exposed[(exposed["layer"] == "displacement_sites").to_numpy(dtype=bool)]
    if min_mmi is not None:
        mmi = pd.to_numeric(rows["mmi"]).astype("float64").fillna(-1.0)
        strong = (rows["hazard_type"] == "earthquake").to_numpy(bool) & (mmi >= min_mmi)
        rows = rows[strong.to_numpy(dtype=bool)]
    once = rows.drop_duplicates("feature_id")
    return len(once), int(pd.to_numeric(once["people"]).fillna(0).sum())


def _key_figures(
    exposed: pd.DataFrame,
    frames: Mapping[str, gpd.GeoDataFrame],
    moment: datetime,
    displaced: int,
    residents: str,
) -> tuple[dict[str, KeyFigure], int]:
    """The key figures by key, and how many incidents of the period are high or critical."""
    site_count, site_people = sites_exposed(exposed)
    sites = frames["displacement_sites"]
    rules = CapacityRules(load_standards(), on=moment.date())
    over = len(sites_over_capacity(sites, rules=rules))
    over_declared = len(sites_over_declared_capacity(sites))
    checkpoints = frames["border_checkpoints"]
    period = incidents_in_period(
        frames["incidents"], start=moment - timedelta(hours=PERIOD_H), end=moment
    )
    items = [
        KeyFigure(
            "residents_in_zones",
            N_("Residents in hazard zones"),
            residents_exposed(exposed, layer=residents),
            RESIDENTS_FOOTNOTE[residents],
        ),
        KeyFigure(
            "residents_mmi7",
            N_("Residents in zones of MMI VII or more"),
            residents_exposed(exposed, min_mmi=STRONG_SHAKING_MMI, layer=residents),
            RESIDENTS_MMI7_FOOTNOTE[residents],
        ),
        KeyFigure(
            "displaced",
            N_("Estimated displaced people"),
            displaced,
            N_(
                "Residents in zones times the displacement rate of the zone's hazard and "
                "severity (InaSAFE 4 displacement rates); each person counted once, "
                "at the highest rate, rounded up."
            ),
        ),
        KeyFigure(
            "sites_in_zones",
            N_("Displacement sites in hazard zones"),
            site_count,
            N_("Open or closing displacement sites inside a hazard zone in force."),
        ),
        KeyFigure(
            "people_in_sites_in_zones",
            N_("People in sites in hazard zones"),
            site_people,
            N_("People staying at those sites (latest site figures)."),
        ),
        KeyFigure(
            "people_in_sites",
            N_("People in displacement sites"),
            people_in_sites(sites),
            N_("People staying at open or closing displacement sites in the whole country."),
        ),
        KeyFigure(
            "sites_over_capacity",
            N_("Sites over capacity"),
            over,
            N_(
                "Open or closing sites holding more people than their binding capacity: the "
                "lower of the Sphere space standards and the declared capacity."
            ),
        ),
        KeyFigure(
            "sites_over_declared_capacity",
            N_("Sites over declared capacity"),
            over_declared,
            N_("Open or closing sites holding more people than their declared capacity."),
        ),
        KeyFigure(
            "checkpoints_closed",
            N_("Border checkpoints closed or restricted"),
            checkpoints_with_status(checkpoints, "closed")
            + checkpoints_with_status(checkpoints, "restricted"),
            N_("Border crossing points whose status is closed or restricted."),
        ),
        KeyFigure(
            "incidents_period",
            N_("Incidents in the last 24 hours"),
            len(period),
            N_(
                "Incidents logged or received from feeds with a time in the report's period; "
                "closed incidents (resolved or duplicates) are not counted."
            ),
        ),
    ]
    severe = period["severity"].isin(SEVERE_INCIDENTS).to_numpy(bool)
    return {item.key: item for item in items}, int(severe.sum())


def _highlights(
    lead, lead_exposed: pd.DataFrame, figures: dict[str, KeyFigure], severe: int, zones: int
) -> tuple[Sentence, ...]:
    value = {key: item.value for key, item in figures.items()}
    sentences = []
    if lead is not None:
        sentences.append(_lead_sentence(lead, lead_exposed))
    sentences.append(
        Sentence(
            N_(
                "{residents} residents live in the {zones} hazard zones in force; an estimated "
                "{displaced} people are displaced."
            ),
            {
                "residents": value["residents_in_zones"],
                "zones": zones,
                "displaced": value["displaced"],
            },
        )
    )
    sentences.append(
        Sentence(
            N_(
                "{people} people stay in displacement sites; {over} sites hold more people "
                "than their capacity."
            ),
            {"people": value["people_in_sites"], "over": value["sites_over_capacity"]},
        )
    )
    if value["checkpoints_closed"]:
        sentences.append(
            Sentence(
                N_("{count} border checkpoints are closed or restricted."),
                {"count": value["checkpoints_closed"]},
            )
        )
    sentences.append(
        Sentence(
            N_("{count} incidents in the last 24 hours, {severe} of them high or critical."),
            {"count": value["incidents_period"], "severe": severe},
        )
    )
    return tuple(sentences[:MAX_HIGHLIGHTS])


def _lead_sentence(lead, exposed: pd.DataFrame) -> Sentence:
    where = {
        "distance": round(lead.distance_km or 0),
        "direction": lead.direction or "",
        "place": lead.near_place or "",
        "time": lead.time,
    }
    if lead.incident_type == "earthquake" and lead.magnitude is not None:
        sites, people = sites_exposed(exposed, min_mmi=STRONG_SHAKING_MMI)
        msgid = (
            N_(
                "M{magnitude} earthquake {distance} km {direction} of {place} at {time} "
                "Dushanbe time: {sites} displacement sites with {people} people in zones of "
                "MMI VII or more."
            )
            if lead.direction
            else N_(
                "M{magnitude} earthquake at {place} at {time} Dushanbe time: {sites} "
                "displacement sites with {people} people in zones of MMI VII or more."
            )
        )
        values = where | {"magnitude": float(lead.magnitude), "sites": sites, "people": people}
        return Sentence(msgid, values, translate=("direction",))
    sites, people = sites_exposed(exposed)
    msgid = (
        N_(
            "{hazard} {distance} km {direction} of {place} at {time} Dushanbe time: {sites} "
            "displacement sites with {people} people in its hazard zones."
        )
        if lead.direction
        else N_(
            "{hazard} at {place} at {time} Dushanbe time: {sites} displacement sites with "
            "{people} people in its hazard zones."
        )
    )
    hazard = tables.value_label("incidents", "incident_type", lead.incident_type)
    values = where | {"hazard": hazard, "sites": sites, "people": people}
    return Sentence(msgid, values, translate=("direction", "hazard"))


def _sources(zones: gpd.GeoDataFrame, profile, residents: Source) -> tuple[Source, ...]:
    zone_sources = sorted({str(s) for s in zones["source"].dropna()})
    needs_sources = sorted({item.source for item in profile.items})
    return (
        Source(N_("Hazard zones"), "; ".join(zone_sources) or "—"),
        residents,
        Source(
            N_("Displacement sites"),
            "EOC store, layer displacement_sites (CCCM site records)",
        ),
        Source(N_("Displacement rates"), "InaSAFE 4 hazard classifications (displacement rates)"),
        Source(N_("Needs profile"), f"{profile.name}: " + " · ".join(needs_sources)),
        Source(N_("Health facilities"), "OpenStreetMap (ODbL), layer health_facilities"),
        Source(
            N_("Schools and education facilities"),
            "OpenStreetMap (ODbL), HOT export, layer education_facilities",
        ),
    )


def _region_names(regions: gpd.GeoDataFrame) -> dict[str, dict[str, str]]:
    names = {}
    for row in regions.itertuples(index=False):
        english = row.name_short if isinstance(row.name_short, str) else row.adm1_name
        names[str(row.adm1_iso)] = {
            "en": english,
            "ru": row.name_ru if isinstance(row.name_ru, str) else english,
            "tg": row.name_tg if isinstance(row.name_tg, str) else english,
        }
    return names
