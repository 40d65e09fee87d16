"""A draft CAP alert for a feed event, from its hazard zones: nobody types an area or a number.

The area is the union of the event's zones in force, cut to Tajikistan (the EOC warns its own
territory; a zone reaching into Afghanistan is not the CoES's to warn); an event without zones
falls back to the district that holds it, as an alert started from an incident does
(eoc/alerts/form.py). The instruction is the messaging library's; the headline and the
description come from the caller (the draft situation report's sentences, per language).

Pure: frames, texts and "now" come in as arguments. The alert is a draft: the two-person
workflow (eoc/alerts/workflow.py) checks it, and people approve and publish it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import geopandas as gpd
import pandas as pd
import shapely

from eoc.alerts.compose import ZONE_SEVERITIES, area_for
from eoc.alerts.form import AlertForm, Start, alert_from_form, library_texts, start_from
from eoc.alerts.library import HAZARDS, KeyMessage
from eoc.alerts.model import ALERT_LANGUAGES, Alert, AlertError
from eoc.alerts.polygon import MAX_POINTS
from eoc.i18n import _
from layers.hazard_zones import SEVERITIES as ZONE_SEVERITY_ORDER

# Which library phase an event from a feed is in: an earthquake has happened (the library's
# "after" texts: check for injuries, leave damaged buildings, expect aftershocks); a flood
# alert from GDACS announces water still to come ("warning").
PHASES = {"earthquake": "after", "flood": "warning"}
# CAP 1.2 §3.2.2 urgency and certainty. An earthquake reported by a seismic network is
# "Observed" ("determined to have occurred or to be ongoing") and calls for "Immediate"
# action ("responsive action SHOULD be taken immediately"); a GDACS flood alert is a model
# estimate of what is coming: "Likely" (p > ~50 %) and "Expected" ("within the next hour").
CODES = {"earthquake": ("Immediate", "Observed"), "flood": ("Expected", "Likely")}
DEFAULT_CODES = ("Expected", "Likely")
EXPIRES_H = 24  # as the /alerts form suggests: re-issued or cancelled as the event develops


def event_area_geometry(
    zones: gpd.GeoDataFrame, country: gpd.GeoDataFrame
) -> shapely.Geometry | None:
    """The union of `zones` cut to `country`, or None if nothing of them is in the country."""
    if zones.empty:
        return None
    union = shapely.union_all(zones.geometry.to_numpy())
    inside = shapely.make_valid(union.intersection(country.geometry.union_all()))
    polygons = [
        g
        for g in getattr(inside, "geoms", [inside])
        if g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty
    ]
    return shapely.union_all(polygons) if polygons else None


def event_start(
    incident_id: str,
    zones: gpd.GeoDataFrame,
    *,
    incidents: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    country: gpd.GeoDataFrame,
    label: str,
    max_points: int = MAX_POINTS,
) -> Start:
    """Where the alert of incident `incident_id` starts: its hazard, its `zones` (the event's,
    in force) in Tajikistan, onset, severity.

    AlertError when the event is not a hazard the library warns of, or lies outside the
    country with no zone reaching into it.
    """
    source = f"incidents/{incident_id}"
    geometry = event_area_geometry(zones, country)
    if geometry is None:
        # No zone in Tajikistan: the district holding the event, as /alerts does for one.
        return start_from(
            source, zones=zones, incidents=incidents, districts=districts, max_points=max_points
        )
    incident = incidents[incidents["incident_id"].astype(str) == incident_id].iloc[0]
    hazard = str(incident["incident_type"])
    if hazard not in HAZARDS:
        raise AlertError(
            "source", _("incident {id} is not a hazard an alert warns of").format(id=incident_id)
        )
    area = area_for(geometry, label, districts, max_points=max_points)
    worst = max(
        (str(s) for s in zones["severity"] if str(s) in ZONE_SEVERITY_ORDER),
        key=ZONE_SEVERITY_ORDER.index,
        default="high",
    )
    onset = pd.Timestamp(incident["time_utc"])
    onset = onset.tz_localize("UTC") if onset.tzinfo is None else onset
    return Start(source, hazard, area, onset.to_pydatetime(), ZONE_SEVERITIES[worst], label)


def event_alert(
    start: Start,
    messages: Sequence[KeyMessage],
    *,
    headlines: Mapping[str, str],
    descriptions: Mapping[str, str],
    now: datetime,
    sender: str,
) -> Alert:
    """The draft alert of `start`: library instructions, the given headline and description
    per language (ALERT_LANGUAGES), CAP codes for the hazard; expires EXPIRES_H from `now`."""
    phase = PHASES.get(start.hazard, "warning")
    library = library_texts(start, messages, phase=phase, audience="public")
    texts = {
        lang: {
            "headline": headlines.get(lang) or library[lang]["headline"],
            "description": "\n\n".join(
                t for t in (descriptions.get(lang, ""), start.area.description) if t
            ),
            "instruction": library[lang]["instruction"],
        }
        for lang in ALERT_LANGUAGES
    }
    urgency, certainty = CODES.get(start.hazard, DEFAULT_CODES)
    form = AlertForm(
        source=start.source,
        phase=phase,
        urgency=urgency,
        certainty=certainty,
        severity=start.severity,
        expires_h=EXPIRES_H,
        texts=texts,
    )
    return alert_from_form(form, start, now=now, sender=sender)
