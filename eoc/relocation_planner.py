"""A relocation what-if from question to plan, shared by the page and `eoc plan-relocation`.

`RelocationRequest` is what is asked: who moves (a hazard zone, a district or villages), how
many, where they may go and under which rules (site statuses, hazard-zone sites, closed roads
removed or penalised, fill limit, splitting penalty, long-trip threshold). `plan_request`
turns it into a plan on the layers of one store version at a given moment: the hazard zones
in force and the open road-blocked incidents close roads and keep sites out. Nothing here
writes to the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

import geopandas as gpd

import layers
from eoc.analysis import relocation, relocation_warnings
from eoc.analysis.active import active_at
from eoc.analysis.capacity import CapacityRules
from eoc.analysis.relocation import (
    DEFAULT_SPLIT_PENALTY_KM,
    DEFAULT_STATUSES,
    RelocationPlan,
    origins_from_zone,
    plan_relocation,
)
from eoc.analysis.relocation_warnings import PlanWarning, where_text
from eoc.analysis.road_closures import RoadClosures, closed_roads
from eoc.analysis.road_graph import METRIC_CRS, RoadGraph, restrict_road_graph, route_lines
from eoc.errors import EocError
from eoc.i18n import N_, _, format_number

MODES = ("zone", "district", "places")
MODE_LABELS = {
    "zone": N_("People in a hazard zone"),
    "district": N_("People in a district"),
    "places": N_("People from chosen villages"),
}
MAX_PEOPLE = 1_000_000
FRAMES = ("hazard_zones", "districts", "places")
PLAN_LAYERS = (*FRAMES, "roads", "displacement_sites", "incidents")
ROAD_MODES = ("remove", "penalise")
ROAD_MODE_LABELS = {
    "remove": N_("Closed roads are not used"),
    "penalise": N_("Closed roads only if there is no other way (cost × 3)"),
}
CLOSED_ROAD_PENALTY = 3.0  # a closed road counts three times its length
SITE_STATUSES = ("open", "planned", "closing", "closed")

# The planner's warnings and reasons as literals, so the catalogue extractor finds them (the
# planner stays free of gettext; tests check these equal its constants).
WARNING_TEMPLATES = {
    relocation_warnings.LONG_TRIP: N_(
        "{people} people from {origin} travel {km} km by road to {site}"
    ),
    relocation_warnings.SITE_NOT_OPEN: N_(
        "{site} is {status}, not open: {people} people are sent there"
    ),
    relocation_warnings.HAZARD_SITE: N_(
        "{site} is inside an active hazard zone ({zones}): {people} people are sent there"
    ),
    relocation_warnings.CLOSED_ROAD: N_(
        "{people} people from {origin} to {site} travel on a closed road"
    ),
    relocation_warnings.STRAIGHT_LINE: N_(
        "no road joins {origin} and {site}: {km} km is a straight-line estimate"
    ),
    relocation_warnings.SPLIT_VILLAGE: N_(
        "{people} people from {origin} are split over {sites} sites"
    ),
    relocation_warnings.NOT_PLACED: N_(
        "{people} people from {origin} could not be placed: {reason}"
    ),
    relocation_warnings.HELD_STATUS: N_(
        "{places} free places in sites within reach whose status is not chosen: {where}"
    ),
    relocation_warnings.HELD_HAZARD: N_(
        "{places} free places in sites within reach inside active hazard zones: {where}"
    ),
    relocation_warnings.HELD_TYPE: N_(
        "{places} free places in sites within reach of types not chosen: {where}"
    ),
    relocation_warnings.HELD_DISTANCE: N_(
        "{places} free places in sites beyond the maximum distance of {km} km: {where}"
    ),
    relocation_warnings.HELD_NO_ROAD: N_(
        "{places} free places in sites no open road leads to: {where}"
    ),
    relocation_warnings.HELD_FILL: N_(
        "{places} places in the sites within reach are kept free by the {fill} % fill limit"
    ),
    relocation_warnings.HELD_SPHERE: N_(
        "{places} declared places in the sites within reach fall short of the Sphere space "
        "standards"
    ),
}
WHERE_MORE = N_("and {count} more")
REASONS = (
    N_("no site has free places"),
    N_("no site of the chosen types has free places"),
    N_("no site with free places within {km:g} km"),
    N_("no site of the chosen types with free places within {km:g} km"),
    N_("not enough free places in the sites within {km:g} km"),
    N_("not enough free places overall"),
    N_("no site with free places can be reached on open roads"),
)
_REASON_TEMPLATES = {
    relocation.NO_SITE_IN_REACH,
    relocation.TYPE_FILTER_IN_REACH,
    relocation.NOT_ENOUGH_IN_REACH,
}


@dataclass(frozen=True)
class RelocationRequest:
    """A checked relocation question (small and JSON-able: it is kept in the page)."""

    mode: str
    zone_ids: tuple[str, ...] = ()
    district: str | None = None
    place_ids: tuple[str, ...] = ()
    people: int | None = None
    site_types: tuple[str, ...] | None = None
    max_distance_km: float | None = None
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    allow_hazard_sites: bool = False
    road_mode: str = "remove"
    fill_limit_pct: float = 90.0
    split_penalty_km: float = DEFAULT_SPLIT_PENALTY_KM
    long_trip_km: float | None = None

    @classmethod
    def from_inputs(
        cls,
        mode: str | None,
        zone_ids: Sequence[str] | str | None,
        district: str | None,
        place_ids: Sequence[object] | None,
        people: object,
        site_types: Sequence[str] | None,
        max_distance_km: object,
        *,
        statuses: Sequence[str] | None = DEFAULT_STATUSES,
        allow_hazard_sites: bool = False,
        road_mode: str | None = "remove",
        fill_limit_pct: object = 90.0,
        split_penalty_km: object = DEFAULT_SPLIT_PENALTY_KM,
        long_trip_km: float | None = None,
    ) -> RelocationRequest:
        """The request the form describes, or EocError saying what to fix."""
        if mode not in MODES:
            raise EocError(_("choose who moves: a hazard zone, a district or villages"))
        if isinstance(zone_ids, str):
            zone_ids = [zone_ids]
        zones = tuple(str(z) for z in zone_ids or ())
        places = tuple(str(p) for p in place_ids or ())
        if mode == "zone" and not zones:
            raise EocError(_("choose the hazard zone the people leave"))
        if mode == "district" and not district:
            raise EocError(_("choose the district the people leave"))
        if mode == "places" and not places:
            raise EocError(_("choose at least one village"))
        count = _whole(people, _("Number of people"))
        if count is not None and not 0 < count <= MAX_PEOPLE:
            raise EocError(
                _("the number of people must be between 1 and {limit}").format(
                    limit=f"{MAX_PEOPLE:,}"
                )
            )
        limit = _number(max_distance_km, _("Maximum distance km"))
        if limit is not None and limit <= 0:
            raise EocError(_("the maximum distance must be above 0 km"))
        if site_types is not None and not site_types:
            raise EocError(_("choose at least one site type"))
        chosen_statuses = tuple(sorted({str(x) for x in statuses or ()} & set(SITE_STATUSES)))
        if not chosen_statuses:
            raise EocError(_("choose at least one site status"))
        if road_mode not in ROAD_MODES:
            raise EocError(_("choose how closed roads are handled"))
        fill = _number(fill_limit_pct, _("Fill limit %"))
        if fill is None or not 0 < fill <= 100:
            raise EocError(_("the fill limit must be above 0 % and at most 100 %"))
        penalty = _number(split_penalty_km, _("Splitting penalty km"))
        if penalty is not None and penalty < 0:
            raise EocError(_("the splitting penalty cannot be negative"))
        return cls(
            mode=mode,
            zone_ids=zones if mode == "zone" else (),
            district=str(district) if mode == "district" else None,
            place_ids=places if mode == "places" else (),
            people=count,
            site_types=None if site_types is None else tuple(sorted(site_types)),
            max_distance_km=limit,
            statuses=chosen_statuses,
            allow_hazard_sites=bool(allow_hazard_sites),
            road_mode=str(road_mode),
            fill_limit_pct=fill,
            split_penalty_km=penalty or 0.0,
            long_trip_km=long_trip_km,
        )

    def as_dict(self) -> dict:
        return asdict(self)

    def key(self) -> tuple:
        return tuple(sorted(self.as_dict().items()))

    def area(self, frames: Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame | None:
        """The zone or district people leave (None for villages)."""
        if self.mode == "zone":
            zones = frames["hazard_zones"]
            area = zones[zones["zone_id"].astype(str).isin(self.zone_ids)]
            if area.empty:
                raise EocError(_("the chosen hazard zone is no longer in the store"))
            return area
        if self.mode == "district":
            districts = frames["districts"]
            area = districts[districts["adm2_name"].astype(str) == self.district]
            if area.empty:
                raise EocError(_("no district named {name}").format(name=self.district))
            return area
        return None

    def avoid(self, frames: Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame | None:
        """Where nobody may be sent: the hazard zone itself."""
        return self.area(frames) if self.mode == "zone" else None

    def origins(self, frames: Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
        """The planner's origins: places inside the area, sharing `people` by population."""
        places = frames["places"]
        area = self.area(frames)
        if area is None:
            chosen = places[places["geonameid"].astype(str).isin(self.place_ids)]
            if chosen.empty:
                raise EocError(_("none of the chosen villages is in the store"))
            area = chosen.geometry.union_all()
            name = ", ".join(chosen["name"].astype(str))
        else:
            name = self.label(frames)
        origins = origins_from_zone(
            places,
            area,
            people_field="population",
            id_field="geonameid",
            people=self.people,
            zone_name=name,
        )
        if int(origins["people"].sum()) == 0:
            raise EocError(_("no recorded population there: give the number of people to move"))
        return origins

    def label(self, frames: Mapping[str, gpd.GeoDataFrame]) -> str:
        if self.mode == "zone":
            zones = frames["hazard_zones"]
            chosen = zones[zones["zone_id"].astype(str).isin(self.zone_ids)]
            return "; ".join(chosen["name"].astype(str)) or ", ".join(self.zone_ids)
        if self.mode == "district":
            return str(self.district)
        places = frames["places"]
        chosen = places[places["geonameid"].astype(str).isin(self.place_ids)]
        return ", ".join(chosen["name"].astype(str))


def _number(value: object, label: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        raise EocError(
            _("{field}: '{value}' is not a number").format(field=label, value=value)
        ) from None


def _whole(value: object, label: str) -> int | None:
    number = _number(value, label)
    if number is None:
        return None
    if not float(number).is_integer():
        raise EocError(
            _("{field}: '{value}' is not a whole number").format(field=label, value=value)
        )
    return int(number)


@dataclass(frozen=True)
class PlannedRelocation:
    """A request's plan with what it was computed from (for the map, tables and CSV)."""

    request: RelocationRequest
    origins: gpd.GeoDataFrame
    plan: RelocationPlan
    closures: RoadClosures
    road_graph: RoadGraph  # the graph the plan was routed on (closed roads removed or penalised)
    area: gpd.GeoDataFrame | None
    label: str

    def flow_lines(self) -> gpd.GeoSeries:
        """The road route of each move in `plan.flows` (EPSG:4326), straight where no road."""
        flows = self.plan.flows
        o_pos = {str(o): i for i, o in enumerate(self.origins["origin_id"].astype(str))}
        s_pos = {str(s): j for j, s in enumerate(self.plan.sites["site_id"].astype(str))}
        pairs = [
            (o_pos[str(o)], s_pos[str(s)])
            for o, s in zip(flows["origin_id"], flows["site_id"], strict=True)
        ]
        lines = route_lines(self.road_graph, self.origins, self.plan.sites, pairs)
        return gpd.GeoSeries(lines, crs=METRIC_CRS).to_crs(4326)


def plan_request(
    frames: Mapping[str, gpd.GeoDataFrame],
    request: RelocationRequest,
    *,
    road_graph: RoadGraph,
    rules: CapacityRules,
    now: datetime,
) -> PlannedRelocation:
    """The plan for `request` on `frames` (PLAN_LAYERS of one version) at `now`."""
    zones_in_force = active_at(frames["hazard_zones"], now)
    closures = closed_roads(
        road_graph,
        frames["hazard_zones"],
        frames.get("incidents"),
        now=now,
        exempt_zone_ids=request.zone_ids,  # the roads out of the zone people leave stay open
    )
    penalty = CLOSED_ROAD_PENALTY if request.road_mode == "penalise" else None
    routed = restrict_road_graph(road_graph, closures.closed, penalty_factor=penalty)
    origins = request.origins(frames)
    plan = plan_relocation(
        origins,
        frames["displacement_sites"],
        routed,
        rules=rules,
        site_types=request.site_types,
        max_distance_km=request.max_distance_km,
        statuses=request.statuses,
        avoid=request.avoid(frames),
        hazard_zones=zones_in_force,
        allow_hazard_sites=request.allow_hazard_sites,
        fill_limit=request.fill_limit_pct / 100,
        split_penalty_km=request.split_penalty_km,
        long_trip_km=request.long_trip_km,
        # Closed roads removed: where no open road leads, nobody goes (no straight line).
        straight_line_fallback=penalty is not None or not closures.closed.any(),
    )
    return PlannedRelocation(
        request=request,
        origins=origins,
        plan=plan,
        closures=closures,
        road_graph=routed,
        area=request.area(frames),
        label=request.label(frames),
    )


def translated_reason(reason: str, max_distance_km: float | None) -> str:
    """The planner's reason for people not placed, in the reader's language."""
    for template in _REASON_TEMPLATES:
        if max_distance_km is not None and reason == template.format(km=max_distance_km):
            return _(template).format(km=max_distance_km)
    return _(reason)


def warning_text(warning: PlanWarning, *, max_distance_km: float | None) -> str:
    """A plan warning in the reader's language, its numbers formatted for it."""
    status = layers.get("displacement_sites").field("status")

    def status_label(value: object) -> str:
        return _(status.value_label(str(value))).lower()

    values = {}
    for name, value in warning.values:
        if name in ("people", "km", "sites", "places", "fill"):
            value = format_number(value)
        elif name == "status":
            value = status_label(value)
        elif name == "reason":
            value = translated_reason(str(value), max_distance_km)
        elif name == "where":
            shown = status_label if warning.kind == relocation_warnings.HELD_STATUS else None
            value = where_text(value, number=format_number, status=shown, more=_(WHERE_MORE))
        values[name] = value
    return _(WARNING_TEMPLATES[warning.kind]).format(**values)
