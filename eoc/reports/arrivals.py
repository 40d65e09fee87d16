"""The report's flow-monitoring section: arrivals per point, the projection, days to full.

Arrivals are the registry's counts (direction "in") of the 7 days up to the report's day in
Dushanbe; the projection and the days until each region's sites are full come from
`eoc.flows.projection.project_from` (the function `/capacity` and the wall use) on the
counts up to that day, so a report of an earlier moment does not see later counts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd
import shapely

from eoc.analysis.capacity import CapacityRules
from eoc.analysis.influx import InfluxProjection
from eoc.flows.projection import METHOD_NOTE, project_from
from eoc.flows.registry import SEED_SOURCE
from eoc.flows.values import CATEGORIES, LABELS
from eoc.i18n import DUSHANBE_TZ, N_
from eoc.reports.model import Column, FlowSection, Sentence, Table
from eoc.reports.tables import spelling

PERIOD_DAYS = 7
MONTH_DAYS = 30

ARRIVALS_TITLE = N_("Arrivals at flow monitoring points in the 7 days to {day}")
DAYS_TITLE = N_("Days until the sites of each region are full")
EXPECTED = N_(
    "Expected arrivals needing a site place: {week} in the next 7 days (80 % range "
    "{week_low}–{week_high}), {month} in the next 30 days ({month_low}–{month_high})."
)
NO_PLACE = N_(
    "At this rate {people} people would find no site place within a year (80 % range {low}–{high})."
)
UNLOCATED = N_(
    "Arrivals at {points} are left out of the projection: no border checkpoint has that id."
)
SEED_COUNTS = N_(
    "These counts are the illustrative seed registry (data/seed/flow_counts.csv), not real data."
)


def flow_section(
    counts: pd.DataFrame,
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    moment: datetime,
    rules: CapacityRules,
) -> FlowSection | None:
    """The section at `moment` (UTC); None when the registry holds no count up to that day."""
    day = report_day(moment)
    known = counts[pd.to_datetime(counts["day"]).dt.date <= day] if len(counts) else counts
    if known.empty:
        return None
    projection = project_from(
        frames, known, rules=rules, graph_key=("sitrep-roads", _roads_key(frames["roads"]))
    )
    start = day - timedelta(days=PERIOD_DAYS - 1)
    days = pd.to_datetime(known["day"]).dt.date
    week = known[((days >= start) & (days <= day)).to_numpy(bool)]
    notes = [
        Sentence(
            METHOD_NOTE,
            {"categories": LABELS[CATEGORIES[0]], "day": projection.as_of},
            translate=("categories",),
        )
    ]
    if projection.unlocated:
        notes.append(Sentence(UNLOCATED, {"points": ", ".join(projection.unlocated)}))
    if (week["source"] == SEED_SOURCE).any():
        notes.append(Sentence(SEED_COUNTS))
    return FlowSection(
        arrivals_title=Sentence(ARRIVALS_TITLE, {"day": day}),
        arrivals=arrivals_table(week, frames["border_checkpoints"]),
        projection=_expected(projection),
        days_to_full_title=Sentence(DAYS_TITLE),
        days_to_full=days_to_full_table(projection),
        notes=tuple(notes),
    )


def arrivals_table(week: pd.DataFrame, checkpoints: gpd.GeoDataFrame) -> Table:
    """Per point: arrivals of the period by category, their mean a day, the last day counted."""
    names = {str(row.checkpoint_id): spelling(row) for row in checkpoints.itertuples(index=False)}
    regions = dict(
        zip(
            checkpoints["checkpoint_id"].astype(str),
            checkpoints["adm1_iso"].astype(str),
            strict=True,
        )
    )
    arrivals = week[(week["direction"] == "in").to_numpy(bool)]
    by = arrivals.pivot_table(
        index="point_id", columns="category", values="count", aggfunc="sum", fill_value=0
    ).reindex(columns=list(CATEGORIES), fill_value=0)
    last = pd.to_datetime(week["day"]).groupby(week["point_id"].to_numpy()).max()
    rows = []
    for point in sorted(set(week["point_id"].astype(str)), key=lambda p: str(names.get(p, p))):
        numbers = [int(by.loc[point, c]) if point in by.index else 0 for c in CATEGORIES]
        total = sum(numbers)
        rows.append(
            (
                names.get(point, point),
                regions.get(point),
                total,
                *numbers,
                total / PERIOD_DAYS,
                last[point].date(),
            )
        )
    sums = [sum(row[2 + i] for row in rows) for i in range(1 + len(CATEGORIES))]
    return Table(
        columns=(
            Column("point", N_("Point")),
            Column("region", N_("Region"), "region"),
            Column("arrivals", N_("Arrivals, 7 days"), "int"),
            *(Column(c, LABELS[c], "int") for c in CATEGORIES),
            Column("per_day", N_("A day (7-day mean)"), "decimal"),
            Column("last_day", N_("Last day counted"), "day"),
        ),
        rows=tuple(rows),
        total=(Sentence(N_("Total")), None, *sums, sums[0] / PERIOD_DAYS, None) if rows else None,
        empty=N_("No count in the 7 days to the report."),
    )


def days_to_full_table(projection: InfluxProjection) -> Table:
    """Per region: usable sites, free places, days to full with the 80 % range, the day."""

    def days(value: float) -> int | None:
        return None if pd.isna(value) else int(value)

    rows = tuple(
        (
            str(r.adm1_iso),
            int(r.sites),
            int(r.free_places),
            days(r.days_to_full),
            f"{_dash(days(r.days_to_full_early))}–{_dash(days(r.days_to_full_late))}",
            r.full_on,
        )
        # The most urgent first: the fewest days to full (not full within a year: last).
        for r in projection.regions.sort_values(
            ["days_to_full", "adm1_iso"], na_position="last"
        ).itertuples()
    )
    return Table(
        columns=(
            Column("region", N_("Region"), "region"),
            Column("sites", N_("Sites"), "int"),
            Column("free_places", N_("Free places"), "int"),
            Column("days_to_full", N_("Days to full"), "int"),
            Column("band", N_("80 % range (days)")),
            Column("full_on", N_("Full on"), "day"),
        ),
        rows=rows,
        empty=N_("No open site outside the hazard zones takes arrivals."),
    )


def _expected(projection: InfluxProjection) -> tuple[Sentence, ...]:
    forecast = projection.forecast
    values = {}
    for name, days in (("week", PERIOD_DAYS), ("month", MONTH_DAYS)):
        row = forecast.iloc[min(days, len(forecast)) - 1]
        values |= {
            name: round(float(row["expected"])),
            f"{name}_low": round(float(row["low"])),
            f"{name}_high": round(float(row["high"])),
        }
    sentences = [Sentence(EXPECTED, values)]
    late, mid, early = projection.unplaced
    if round(mid) > 0:
        sentences.append(
            Sentence(NO_PLACE, {"people": round(mid), "low": round(late), "high": round(early)})
        )
    return tuple(sentences)


def _dash(value: int | None) -> str:
    return "—" if value is None else str(value)


def _roads_key(roads: gpd.GeoDataFrame) -> str:
    """The roads' content, so a cached graph is one of these very roads."""
    return hashlib.sha256(b"".join(shapely.to_wkb(roads.geometry.array))).hexdigest()


def report_day(moment: datetime) -> date:
    """The day of `moment` in Dushanbe: the registry counts by local day."""
    return moment.astimezone(ZoneInfo(DUSHANBE_TZ)).date()
