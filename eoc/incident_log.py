"""The incident log and checkpoint status: form input turned into validated, audited edits."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from shapely.geometry import Point

from eoc.errors import EocError
from eoc.i18n import _
from eoc.store import Store
from eoc.store.edits import Edit

TAJIKISTAN_BOX = (67.3, 36.6, 75.2, 41.1)  # W, S, E, N with a margin


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


def _number(value: object, label: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        raise EocError(
            _("{field}: '{value}' is not a number").format(field=label, value=value)
        ) from None


def new_incident_id(now: datetime) -> str:
    return f"INC-{now.astimezone(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2).upper()}"


def log_incident(store: Store, form: IncidentForm, *, user: str, now: datetime) -> str:
    """Add an incident; return its id. Raises EocError / ValidationError with a plain message."""
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
    incident_id = new_incident_id(now)
    row = {
        "time_utc": now.astimezone(UTC).isoformat(),
        "incident_type": form.incident_type,
        "severity": form.severity,
        "status": "reported",
        "people_affected": None if people is None else people,
        "description": (form.description or "").strip() or None,
        "reporter": user,
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
    layer: str,
    feature_id: str,
    *,
    status: str,
    seen_status: str | None,
    reason: str | None,
    user: str,
    now: datetime,
) -> int:
    """Set an incident's or a checkpoint's status, refusing if someone changed it meanwhile."""
    if layer not in ("incidents", "border_checkpoints"):
        raise EocError(_("only incidents and checkpoints have a status to change here"))
    expected: Mapping[str, object] | None = (
        {"status": seen_status} if seen_status is not None else None
    )
    return store.apply_edits(
        layer,
        [Edit(feature_id, {"status": status}, expected=expected)],
        user=user,
        reason=reason or "",
        now=now,
    )
