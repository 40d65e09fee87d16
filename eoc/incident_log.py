"""The incident log and checkpoint status: form input turned into validated, audited edits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

import layers
from eoc.analysis.duplicates import likely_duplicates
from eoc.analysis.regions import locate_points
from eoc.errors import EocError
from eoc.i18n import DUSHANBE_TZ, _, format_number, format_zoned_time
from eoc.store import Store
from eoc.store.edits import Edit
from eoc.write_tokens import ReplayedWriteError, WriteToken, require_unchanged_since

# What the write tokens of the incident form and of the status form are for.
NEW_INCIDENT = "incident:new"
STATUS_CHANGE = "status:change"
STATUS_LAYERS = ("incidents", "border_checkpoints")

TAJIKISTAN_BOX = (67.3, 36.6, 75.2, 41.1)  # W, S, E, N with a margin
LOCAL_ZONE = ZoneInfo(DUSHANBE_TZ)
# A clock a few minutes fast on the officer's PC is not a report from the future.
FUTURE_SLACK = timedelta(minutes=10)


class LikelyDuplicateError(EocError):
    """An open incident of the same type was logged close by, shortly before or after."""


@dataclass(frozen=True)
class IncidentForm:
    """What a duty officer typed."""

    incident_type: str | None
    severity: str | None
    description: str | None
    people_affected: object
    lat: object
    lon: object
    reason: str | None
    time_local: object = None  # "2026-11-22T15:00" in Dushanbe time; empty: now
    save_anyway: bool = False  # the officer saw the likely duplicate and saves all the same


def _number(value: object, label: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        raise EocError(
            _("{field}: '{value}' is not a number").format(field=label, value=value)
        ) from None


def incident_time(value: object, *, now: datetime) -> datetime:
    """When the incident happened, in UTC, from a Dushanbe date-time ("2026-11-22T15:00")."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return now.astimezone(UTC)
    try:
        if not isinstance(value, str):
            raise ValueError
        local = datetime.fromisoformat(value.strip())
    except ValueError:
        raise EocError(
            _("Time: '{value}' is not a date and time (day, month, year, hours:minutes)").format(
                value=str(value)[:40]
            )
        ) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=LOCAL_ZONE)
    moment = local.astimezone(UTC)
    if moment > now + FUTURE_SLACK:
        raise EocError(
            _("Time: {time} is in the future; give the time the incident happened").format(
                time=format_zoned_time(moment)
            )
        )
    return moment


def where_is(lon: float, lat: float, store: Store) -> tuple[str | None, str | None]:
    """The region code and district name of a point, from the store's boundary layers."""
    point = gpd.GeoSeries([Point(lon, lat)], crs=4326)
    found = locate_points(point, store.read_layer("regions"), store.read_layer("districts"))
    adm1, adm2 = (None if pd.isna(v) else str(v) for v in found.iloc[0])
    return adm1, adm2


def duplicate_warning(duplicates: gpd.GeoDataFrame) -> str:
    """ "An open mudflow incident 0.8 km away was logged 40 min before this one: INC-…"."""
    first = duplicates.iloc[0]
    kind = _(layers.get("incidents").field("incident_type").value_label(first["incident_type"]))
    minutes = round(float(first["minutes_apart"]))
    template = (
        _("An open {type} incident {distance} km away was logged {minutes} min before this one")
        if minutes >= 0
        else _("An open {type} incident {distance} km away was logged {minutes} min after this one")
    )
    text = template.format(
        type=kind.lower(),
        distance=format_number(float(first["distance_km"]), decimals=1),
        minutes=abs(minutes),
    )
    text += ": " + ", ".join(str(i) for i in duplicates["incident_id"])
    return text + ". " + _("Save anyway? Tick “Save anyway” and press Save incident again.")


def new_incident_id(token: WriteToken) -> str:
    """The id of the incident a form's token adds: the same for every replay of that token."""
    return f"INC-{token.issued:%Y%m%d-%H%M%S}-{token.nonce[:6].upper()}"


def status_state(layer: str, feature_id: str, status: object) -> dict[str, str]:
    """What a status form's token holds: the feature and the status the user saw."""
    return {"layer": layer, "id": str(feature_id), "status": str(status)}


def log_incident(
    store: Store, form: IncidentForm, *, token: WriteToken, user: str, now: datetime
) -> str:
    """Add an incident; return its id. Raises EocError / ValidationError with a plain message.

    The id comes from the form's token, so a form sent twice (to any server process) adds one
    incident: the second is refused as a replay.
    """
    lat, lon = _number(form.lat, _("Latitude")), _number(form.lon, _("Longitude"))
    if lat is None or lon is None:
        raise EocError(_("give the location: latitude and longitude, or pick a point on the map"))
    west, south, east, north = TAJIKISTAN_BOX
    if not (west <= lon <= east and south <= lat <= north):
        hint = (
            _(" (latitude and longitude swapped?)")
            if west <= lat <= east and south <= lon <= north
            else ""
        )
        raise EocError(
            _("the point {lat}, {lon} is outside Tajikistan{hint}").format(
                lat=lat, lon=lon, hint=hint
            )
        )
    people = _number(form.people_affected, _("People affected"))
    when = incident_time(form.time_local, now=now)
    incident_id = new_incident_id(token)
    if store.audit_log(layer="incidents", feature_id=incident_id, limit=1):
        raise ReplayedWriteError(
            _("incident {id} was already saved from this form; it was not added again").format(
                id=incident_id
            )
        )
    if form.incident_type and not form.save_anyway:
        duplicates = likely_duplicates(
            store.read_layer("incidents"),
            incident_type=str(form.incident_type),
            location=Point(lon, lat),
            at=when,
        )
        if not duplicates.empty:
            raise LikelyDuplicateError(duplicate_warning(duplicates))
    adm1, adm2 = where_is(lon, lat, store)
    row = {
        "time_utc": when.isoformat(),
        "incident_type": form.incident_type,
        "severity": form.severity,
        "status": "reported",
        "people_affected": None if people is None else people,
        "description": (form.description or "").strip() or None,
        "reporter": user,
        "adm1_iso": adm1,
        "adm2_name": adm2,
        "source": "duty officer",
        "geometry": Point(lon, lat),
    }
    store.apply_edits(
        "incidents",
        [Edit(incident_id, row, op="insert")],
        user=user,
        reason=form.reason or _("new incident"),
        now=now,
    )
    return incident_id


def change_status(
    store: Store,
    token: WriteToken,
    *,
    status: str,
    reason: str | None,
    user: str,
    now: datetime,
) -> int:
    """Set the status of the feature the form's `token` names; the new store version.

    Refused if the feature changed after the form was drawn (its last audited version is
    newer than the token's), or if its status is no longer the one the token says was seen.
    """
    layer, feature_id = token.state.get("layer"), token.state.get("id")
    if layer not in STATUS_LAYERS or not feature_id:
        raise EocError(_("only incidents and checkpoints have a status to change here"))
    require_unchanged_since(store, str(layer), str(feature_id), version=token.version)
    return store.apply_edits(
        str(layer),
        [Edit(str(feature_id), {"status": status}, expected={"status": token.state["status"]})],
        user=user,
        reason=reason or "",
        now=now,
    )
