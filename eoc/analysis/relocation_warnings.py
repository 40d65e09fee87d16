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
# Why people were not placed (eoc.analysis.relocation_shortfall): places held back by a rule.
HELD_STATUS = "held_status"
HELD_HAZARD = "held_hazard"
HELD_TYPE = "held_type"
HELD_DISTANCE = "held_distance"
HELD_NO_ROAD = "held_no_road"
HELD_FILL = "held_fill"
HELD_SPHERE = "held_sphere"
HELD_BACK = (
    HELD_STATUS,
    HELD_HAZARD,
    HELD_TYPE,
    HELD_DISTANCE,
    HELD_NO_ROAD,
    HELD_FILL,
    HELD_SPHERE,
)
WHERE_LISTED = 3  # sites named in a held-back line; the others are counted
NOT_PLACED_KINDS = (NOT_PLACED, *HELD_BACK)  # who was not placed, and why

TEMPLATES = {
    LONG_TRIP: "{people} people from {origin} travel {km} km by road to {site}",
    SITE_NOT_OPEN: "{site} is {status}, not open: {people} people are sent there",
    HAZARD_SITE: "{site} is inside an active hazard zone ({zones}): {people} people are sent there",
    CLOSED_ROAD: "{people} people from {origin} to {site} travel on a closed road",
    STRAIGHT_LINE: "no road joins {origin} and {site}: {km} km is a straight-line estimate",
    SPLIT_VILLAGE: "{people} people from {origin} are split over {sites} sites",
    NOT_PLACED: "{people} people from {origin} could not be placed: {reason}",
    HELD_STATUS: "{places} free places in sites within reach whose status is not chosen: {where}",
    HELD_HAZARD: "{places} free places in sites within reach inside active hazard zones: {where}",
    HELD_TYPE: "{places} free places in sites within reach of types not chosen: {where}",
    HELD_DISTANCE: "{places} free places in sites beyond the maximum distance of {km} km: {where}",
    HELD_NO_ROAD: "{places} free places in sites no open road leads to: {where}",
    HELD_FILL: "{places} places in the sites within reach are kept free by the {fill} % fill limit",
    HELD_SPHERE: (
        "{places} declared places in the sites within reach fall short of the Sphere space "
        "standards"
    ),
}
WHERE_MORE = "and {count} more"
# The order warnings are listed in: what most needs a decision first.
ORDER = (
    NOT_PLACED,
    *HELD_BACK,
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
        values = dict(self.values)
        if "where" in values:
            status = str if self.kind == HELD_STATUS else None
            values["where"] = where_text(values["where"], status=status)
        return self.template.format(**values)


def where_text(
    where: tuple[tuple[str, str, int], ...],
    *,
    number=str,
    status=None,
    more: str = WHERE_MORE,
) -> str:
    """ "Kulob stadium planned site (1,350), Chubek host community (253) and 2 more".

    `where` holds (name, status, places); `number` formats the places, `status` (when
    given) the status shown beside them.
    """
    shown = []
    for name, state, places in where[:WHERE_LISTED]:
        inside = f"{status(state)}, {number(places)}" if status else number(places)
        shown.append(f"{name} ({inside})")
    text = ", ".join(shown)
    if len(where) > WHERE_LISTED:
        text += " " + more.format(count=number(len(where) - WHERE_LISTED))
    return text


def plan_warnings(
    flows: pd.DataFrame,
    unmet: pd.DataFrame,
    *,
    long_trip_km: float | None,
    held_back: tuple[PlanWarning, ...] = (),
) -> tuple[PlanWarning, ...]:
    """The warnings of a plan's moves (`flows`) and people not placed (`unmet`), with the
    places the rules held back from them (`held_back`, eoc.analysis.relocation_shortfall)."""
    found: list[PlanWarning] = list(held_back)

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
