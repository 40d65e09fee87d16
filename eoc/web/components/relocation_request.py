"""What a relocation what-if asks: who moves (a hazard zone, a district or villages), how many,
and where they may go. Built from the form, checked, and turned into the planner's origins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import geopandas as gpd

from eoc.analysis.relocation import origins_from_zone
from eoc.errors import EocError
from eoc.i18n import N_, _

MODES = ("zone", "district", "places")
MODE_LABELS = {
    "zone": N_("People in a hazard zone"),
    "district": N_("People in a district"),
    "places": N_("People from chosen villages"),
}
MAX_PEOPLE = 1_000_000
FRAMES = ("hazard_zones", "districts", "places")


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
        return cls(
            mode=mode,
            zone_ids=zones if mode == "zone" else (),
            district=str(district) if mode == "district" else None,
            place_ids=places if mode == "places" else (),
            people=count,
            site_types=None if site_types is None else tuple(sorted(site_types)),
            max_distance_km=limit,
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
