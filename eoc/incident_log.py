"""The incident log and checkpoint status: form input turned into validated, audited edits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from shapely.geometry import Point

from eoc.errors import EocError
from eoc.i18n import _
from eoc.store import Store
from eoc.store.edits import Edit
from eoc.write_tokens import ReplayedWriteError, WriteToken, require_unchanged_since

# What the write tokens of the incident form and of the status form are for.
NEW_INCIDENT = "incident:new"
STATUS_CHANGE = "status:change"
STATUS_LAYERS = ("incidents", "border_checkpoints")

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
    incident_id = new_incident_id(token)
    if store.audit_log(layer="incidents", feature_id=incident_id, limit=1):
        raise ReplayedWriteError(
            _("incident {id} was already saved from this form; it was not added again").format(
                id=incident_id
            )
        )
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
