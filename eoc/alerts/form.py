"""The /alerts form as plain data, turned into an alert: where it starts, what it says.

Pure: the page hands in the frames and texts it read from the store and "now".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import geopandas as gpd
import pandas as pd

from eoc.alerts.compose import EVENTS, ZONE_SEVERITIES, area_for, compose_alert, district_of
from eoc.alerts.library import HAZARDS, KeyMessage, find_message
from eoc.alerts.model import ALERT_LANGUAGES, Alert, AlertError, Area
from eoc.alerts.polygon import MAX_POINTS
from eoc.i18n import _

ZONE, INCIDENT = "hazard_zones", "incidents"
TEXT_FIELDS = ("headline", "description", "instruction")
MAX_EXPIRES_H = 24 * 14  # two weeks: a longer warning is re-issued, not left standing


@dataclass(frozen=True)
class Start:
    """What an alert starts from: its hazard, area, onset and suggested CAP codes."""

    source: str
    hazard: str
    area: Area
    onset: datetime | None
    severity: str
    label: str


@dataclass(frozen=True)
class AlertForm:
    source: str
    phase: str = "warning"
    audience: str = "public"
    status: str = "Actual"
    msg_type: str = "Alert"
    scope: str = "Public"
    restriction: str = ""
    references: tuple[str, ...] = ()
    urgency: str = "Expected"
    severity: str = "Severe"
    certainty: str = "Likely"
    expires_h: object = 24
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def start_from(
    source: str,
    *,
    zones: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    max_points: int = MAX_POINTS,
) -> Start:
    """The area and hazard of `source` ("hazard_zones/ID" or "incidents/ID")."""
    layer, _sep, feature_id = str(source or "").partition("/")
    if layer == ZONE:
        found = zones[zones["zone_id"].astype(str) == feature_id]
        if found.empty:
            raise AlertError("source", _("hazard zone {id} does not exist").format(id=feature_id))
        zone = found.iloc[0]
        area = area_for(zone.geometry, str(zone["name"]), districts, max_points=max_points)
        severity = ZONE_SEVERITIES.get(str(zone["severity"]), "Unknown")
        onset = _time(zone.get("valid_from"))
        return Start(source, str(zone["hazard_type"]), area, onset, severity, str(zone["name"]))
    if layer == INCIDENT:
        found = incidents[incidents["incident_id"].astype(str) == feature_id]
        if found.empty:
            raise AlertError("source", _("incident {id} does not exist").format(id=feature_id))
        incident = found.iloc[0]
        hazard = str(incident["incident_type"])
        if hazard not in HAZARDS:
            raise AlertError(
                "source", _("incident {id} is not a hazard an alert warns of").format(id=feature_id)
            )
        district = district_of(incident.geometry, districts)
        area = area_for(district.geometry, str(district["adm2_name"]), districts,
                        max_points=max_points)  # fmt: skip
        return Start(source, hazard, area, _time(incident.get("time_utc")), "Severe",
                     str(incident.get("description") or feature_id))  # fmt: skip
    raise AlertError("source", _("choose a hazard zone, an incident or a feed event"))


def library_texts(
    start: Start, messages: Sequence[KeyMessage], *, phase: str, audience: str
) -> dict[str, dict[str, str]]:
    """Headline, description and instruction per language, filled from the library."""
    texts = {}
    for lang in ALERT_LANGUAGES:
        event = EVENTS.get(start.hazard, {}).get(lang, start.hazard)
        message = find_message(list(messages), start.hazard, phase, audience, lang)
        if message is None:
            message = find_message(list(messages), start.hazard, phase, "public", lang)
        texts[lang] = {
            "headline": f"{event}: {start.label}"[:160],
            "description": start.area.description,
            "instruction": message.text if message else "",
        }
    return texts


def alert_from_form(form: AlertForm, start: Start, *, now: datetime, sender: str) -> Alert:
    """The alert the form describes, from `sender` (not yet checked: check_alert does that on
    save)."""
    try:
        hours = float(form.expires_h)
    except (TypeError, ValueError):
        raise AlertError("expires", _("give the hours until the alert expires")) from None
    if not 0 < hours <= MAX_EXPIRES_H:
        raise AlertError(
            "expires", _("between 0 and {limit} hours from now").format(limit=MAX_EXPIRES_H)
        )
    onset = start.onset if start.onset is not None and start.onset <= now else now
    return compose_alert(
        hazard=start.hazard, area=start.area, texts=form.texts, now=now, onset=onset,
        expires=now + timedelta(hours=hours), sender=sender, status=form.status,
        msg_type=form.msg_type,
        scope=form.scope, restriction=form.restriction, references=tuple(form.references),
        urgency=form.urgency, severity=form.severity, certainty=form.certainty,
    )  # fmt: skip


def source_options(zones: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame) -> list[dict]:
    """Every hazard zone, then every hazard incident or feed event, newest first."""
    options = [
        {"label": f"{_('Zone')} · {row.zone_id} · {row.name}", "value": f"{ZONE}/{row.zone_id}"}
        for row in zones.itertuples(index=False)
    ]
    hazards = incidents[incidents["incident_type"].isin(HAZARDS).to_numpy(dtype=bool)]
    for row in hazards.sort_values("time_utc", ascending=False).itertuples(index=False):
        kind = (
            _("Feed event")
            if str(row.source) not in ("duty officer", "scenario")
            else _("Incident")
        )
        what = row.description if isinstance(row.description, str) else row.incident_id
        options.append(
            {"label": f"{kind} · {row.incident_id} · {what}"[:140],
             "value": f"{INCIDENT}/{row.incident_id}"}
        )  # fmt: skip
    return options


def _time(value: object) -> datetime | None:
    if value is None or (not isinstance(value, datetime) and pd.isna(value)):
        return None
    stamp = pd.Timestamp(value)
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp).to_pydatetime()
