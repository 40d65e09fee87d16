"""What to check in a relocation plan before applying it, as plain warnings.

Each warning is a kind, an English template and its values: the planner stays free of
gettext; the page and the command line translate the template and format the values. The
templates are listed in TEMPLATES so the page can offer them to the catalogue extractor (a
test checks the two lists agree).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

LONG_TRIP = "long_trip"
SITE_NOT_OPEN = "site_not_open"
HAZARD_SITE = "hazard_site"
CLOSED_ROAD = "closed_road"
STRAIGHT_LINE = "straight_line"
SPLIT_VILLAGE = "split_village"
NOT_PLACED = "not_placed"

TEMPLATES = {
    LONG_TRIP: "{people} people from {origin} travel {km} km by road to {site}",
    SITE_NOT_OPEN: "{site} is {status}, not open: {people} people are sent there",
    HAZARD_SITE: "{site} is inside an active hazard zone ({zones}): {people} people are sent there",
    CLOSED_ROAD: "{people} people from {origin} to {site} travel on a closed road",
    STRAIGHT_LINE: "no road joins {origin} and {site}: {km} km is a straight-line estimate",
    SPLIT_VILLAGE: "{people} people from {origin} are split over {sites} sites",
    NOT_PLACED: "{people} people from {origin} could not be placed: {reason}",
}
# The order warnings are listed in: what most needs a decision first.
ORDER = (
    NOT_PLACED,
    HAZARD_SITE,
    CLOSED_ROAD,
    SITE_NOT_OPEN,
    LONG_TRIP,
    STRAIGHT_LINE,
    SPLIT_VILLAGE,
)


@dataclass(frozen=True)
class PlanWarning:
    """One thing to check: `kind` (a constant above), and the template's values."""

    kind: str
    values: tuple[tuple[str, object], ...]

    @property
    def template(self) -> str:
        return TEMPLATES[self.kind]

    def value(self, name: str) -> object:
        return dict(self.values)[name]

    def text(self) -> str:
        """The warning in English."""
        return self.template.format(**dict(self.values))


def plan_warnings(
    flows: pd.DataFrame, unmet: pd.DataFrame, *, long_trip_km: float | None
) -> tuple[PlanWarning, ...]:
    """The warnings of a plan's moves (`flows`) and people not placed (`unmet`)."""
    found: list[PlanWarning] = []

    def add(kind: str, **values: object) -> None:
        found.append(PlanWarning(kind, tuple(values.items())))

    for row in unmet.itertuples():
        add(NOT_PLACED, people=int(row.people), origin=str(row.origin_name), reason=str(row.reason))
    by_site = flows.groupby(["site_id", "site_name", "site_status", "site_hazard"], sort=True)
    for (_site_id, site, status, zones), group in by_site["people"]:
        people = int(group.sum())
        if zones:
            add(HAZARD_SITE, site=str(site), zones=str(zones), people=people)
        if status != "open":
            add(SITE_NOT_OPEN, site=str(site), status=str(status), people=people)
    for row in flows.itertuples():
        km = round(float(row.distance_km))
        move = {
            "people": int(row.people),
            "origin": str(row.origin_name),
            "site": str(row.site_name),
        }
        if row.through_closed:
            add(CLOSED_ROAD, **move)
        if long_trip_km is not None and row.distance_km > long_trip_km:
            add(LONG_TRIP, **move, km=km)
        if row.straight_line:
            add(STRAIGHT_LINE, origin=move["origin"], site=move["site"], km=km)
    split = flows.groupby(["origin_id", "origin_name"], sort=True).agg(
        people=("people", "sum"), sites=("site_id", "nunique")
    )
    for (_origin_id, origin), row in split[split["sites"] > 1].iterrows():
        add(SPLIT_VILLAGE, people=int(row["people"]), origin=str(origin), sites=int(row["sites"]))
    rank = {kind: i for i, kind in enumerate(ORDER)}
    return tuple(sorted(found, key=lambda w: rank[w.kind]))  # stable: each kind keeps its order
