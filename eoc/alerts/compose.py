"""An alert composed from what the EOC already holds: a hazard zone, an incident or a feed
event, the districts it touches and the messaging library's texts.

Pure: frames, texts and "now" come in as arguments; nothing is read or written here.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime

import geopandas as gpd
from shapely.geometry.base import BaseGeometry

from eoc.alerts.model import ALERT_LANGUAGES, Alert, AlertError, Area, Geocode, Info, cap_time
from eoc.alerts.polygon import cap_polygons
from eoc.i18n import _

IDENTIFIER_PREFIX = "TJ-CoES-EOC"
# CAP 1.2 §3.2.2 category: Geo covers earthquakes and mass movements; Met weather and floods.
CATEGORIES = {"earthquake": "Geo", "mudflow": "Geo", "landslide": "Geo", "avalanche": "Met",
              "flood": "Met", "extreme_cold": "Met"}  # fmt: skip
EVENTS = {
    "earthquake": {"tg": "Заминҷунбӣ", "ru": "Землетрясение", "en": "Earthquake"},
    "mudflow": {"tg": "Сел", "ru": "Сель", "en": "Mudflow"},
    "flood": {"tg": "Обхезӣ", "ru": "Наводнение", "en": "Flood"},
    "avalanche": {"tg": "Тарма", "ru": "Лавина", "en": "Avalanche"},
    "landslide": {"tg": "Ярч", "ru": "Оползень", "en": "Landslide"},
    "extreme_cold": {"tg": "Сармои шадид", "ru": "Сильный мороз", "en": "Extreme cold"},
}
# The zone's own severity scale (layers/hazard_zones.py) to CAP's (§3.2.2 severity).
ZONE_SEVERITIES = {"low": "Minor", "moderate": "Moderate", "high": "Severe",
                   "very_high": "Extreme"}  # fmt: skip
ISO_3166_2 = "ISO3166-2"  # geocode valueName for a region (ISO 3166-2:TJ)
# geocode valueName for a district: its name in the district layer (geoBoundaries ADM2 names,
# data/seed/SOURCES.md); Tajikistan has no published numeric district code list to use here.
DISTRICT = "geoBoundaries-ADM2-name"


def new_identifier(now: datetime) -> str:
    """A new CAP identifier: prefix, sent time (UTC), a random suffix (§3.2.1: unique per
    sender; no spaces, commas, '<' or '&')."""
    return f"{IDENTIFIER_PREFIX}.{cap_time(now)[:19].replace('-', '').replace(':', '')}." + (
        secrets.token_hex(3)
    )


def area_for(
    geometry: BaseGeometry, description: str, districts: gpd.GeoDataFrame, *, max_points: int
) -> Area:
    """The CAP area of `geometry`: its polygon(s) and a geocode for each district it meets."""
    polygons = cap_polygons(geometry, max_points=max_points)
    touched = districts[districts.intersects(geometry).to_numpy(dtype=bool)]
    codes: list[Geocode] = []
    for region in sorted(set(touched["adm1_iso"].dropna())):
        codes.append(Geocode(ISO_3166_2, str(region)))
    for name in sorted(touched["adm2_name"].astype(str)):
        codes.append(Geocode(DISTRICT, name))
    names = ", ".join(sorted(touched["adm2_name"].astype(str)))
    return Area(description=f"{description} ({names})" if names else description,
                polygons=polygons, geocodes=tuple(codes))  # fmt: skip


def district_of(point: BaseGeometry, districts: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """The district polygon holding `point` (an incident or feed event has no zone)."""
    found = districts[districts.contains(point).to_numpy(dtype=bool)]
    if found.empty:
        raise AlertError("area", _("the event is outside every district: choose a hazard zone"))
    return found.iloc[0]


def compose_alert(
    *,
    hazard: str,
    area: Area,
    texts: Mapping[str, Mapping[str, str]],
    now: datetime,
    onset: datetime | None,
    expires: datetime,
    sender: str,
    status: str = "Actual",
    msg_type: str = "Alert",
    scope: str = "Public",
    restriction: str = "",
    references: tuple[str, ...] = (),
    urgency: str = "Expected",
    severity: str = "Severe",
    certainty: str = "Likely",
    identifier: str | None = None,
) -> Alert:
    """An alert with one <info> per language; `texts[lang]` holds headline, description,
    instruction (and optionally event). `sender` is the EOC's CAP sender (the `cap_sender`
    setting)."""
    infos = []
    for lang in ALERT_LANGUAGES:
        text = texts.get(lang, {})
        if not any(text.values()):
            continue  # left out: check_alert names the missing language
        infos.append(
            Info(
                language=lang,
                category=CATEGORIES.get(hazard, "Other"),
                event=text.get("event") or EVENTS.get(hazard, {}).get(lang, hazard),
                urgency=urgency,
                severity=severity,
                certainty=certainty,
                headline=text.get("headline", "").strip(),
                description=text.get("description", "").strip(),
                instruction=text.get("instruction", "").strip(),
                onset=onset,
                expires=expires,
                sender_name={
                    "tg": "КҲФ ва МГ, Маркази амалиёт",
                    "ru": "КЧС и ГО, ЦУКС",
                    "en": "CoES EOC Tajikistan",
                }[lang],  # fmt: skip
            )
        )
    return Alert(
        identifier=identifier or new_identifier(now),
        sender=sender,
        sent=now,
        status=status,
        msg_type=msg_type,
        scope=scope,
        restriction=restriction if scope == "Restricted" else "",
        references=references,
        infos=tuple(infos),
        area=area,
    )
