"""A CAP 1.2 alert as plain data, and the checks that run before it can be approved.

Field rules cite OASIS, "Common Alerting Protocol Version 1.2" (1 July 2010), section 3.2
(the data dictionary): 3.2.1 <alert>, 3.2.2 <info>, 3.2.4 <area>. Every refusal names the
field, in the form `info[ru].headline`, so a duty officer knows what to correct.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from eoc.errors import EocError
from eoc.i18n import _

# CAP 1.2 §3.2.1: status also allows System and Draft; the EOC issues these three.
STATUSES = ("Actual", "Exercise", "Test")
# §3.2.1 msgType also allows Ack and Error (replies between systems, not warnings).
MSG_TYPES = ("Alert", "Update", "Cancel")
# §3.2.1 scope also allows Private (addressed to named systems); the EOC issues these two.
SCOPES = ("Public", "Restricted")
# §3.2.2 category, urgency, severity, certainty: the full code lists.
CATEGORIES = (
    "Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra",
    "CBRNE", "Other",
)  # fmt: skip
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
# The EOC's three working languages: one <info> each (§3.2.2 language, RFC 3066 codes).
ALERT_LANGUAGES = ("tg", "ru", "en")
# §3.2.2 headline: "SHOULD be made as direct and actionable as possible while remaining
# short. 160 characters MAY be a useful target limit for headline length."
HEADLINE_MAX_CHARS = 160
# Stored text limits (our own; CAP sets none): a page of description or instruction.
TEXT_MAX_CHARS = 2000
# §3.2.1 identifier and sender: "MUST NOT include spaces, commas or restricted characters
# (< and &)".
_FORBIDDEN = re.compile(r"[\s,<&]")


class AlertError(EocError):
    """An alert that breaks a CAP 1.2 rule or an EOC rule; the message names the field."""

    def __init__(self, field_name: str, message: str) -> None:
        self.field = field_name
        super().__init__(f"{field_name}: {message}")


@dataclass(frozen=True)
class Geocode:
    """§3.2.4 geocode: a (valueName, value) pair naming a district or region."""

    value_name: str
    value: str


@dataclass(frozen=True)
class Area:
    """§3.2.4 area: a description, CAP polygons ("lat,lon ..." rings) and geocodes."""

    description: str
    polygons: tuple[str, ...] = ()
    geocodes: tuple[Geocode, ...] = ()


@dataclass(frozen=True)
class Info:
    """§3.2.2 info: one language's version of the warning."""

    language: str
    category: str
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str
    description: str
    instruction: str
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str = ""


@dataclass(frozen=True)
class Alert:
    """§3.2.1 alert: the message, its infos (one per language) and the area they share."""

    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    infos: tuple[Info, ...]
    area: Area
    restriction: str = ""
    references: tuple[str, ...] = ()  # "sender,identifier,sent" of earlier alerts (§3.2.1)
    note: str = ""

    def info(self, lang: str) -> Info | None:
        return next((i for i in self.infos if i.language == lang), None)

    @property
    def reference(self) -> str:
        """How a later Update or Cancel names this alert (§3.2.1 references)."""
        return f"{self.sender},{self.identifier},{cap_time(self.sent)}"


def cap_time(value: datetime) -> str:
    """A CAP dateTime: seconds, numeric zone, UTC as "-00:00" (§3.3.2: no "Z")."""
    if value.tzinfo is None:
        raise AlertError("sent", _("a time without a time zone"))
    stamp = value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S")
    return stamp + "-00:00"


def check_cap_name(field_name: str, value: str) -> None:
    """Raise AlertError unless `value` is a CAP identifier or sender (§3.2.1): not empty, and
    no spaces, commas or restricted characters."""
    if not value or _FORBIDDEN.search(value):
        raise AlertError(field_name, _("required, with no spaces, commas, '<' or '&'"))


def check_alert(alert: Alert, *, now: datetime, languages: Sequence[str] = ALERT_LANGUAGES) -> None:
    """Raise AlertError naming the first field that breaks a rule; return if the alert is sound.

    `now` is when it is being approved: an alert that has already expired is refused.
    """
    for name in ("identifier", "sender"):
        check_cap_name(name, getattr(alert, name))
    _choice("status", alert.status, STATUSES)
    _choice("msgType", alert.msg_type, MSG_TYPES)
    _choice("scope", alert.scope, SCOPES)
    # §3.2.1 restriction: "Used when <scope> value is "Restricted"".
    if alert.scope == "Restricted" and not alert.restriction.strip():
        raise AlertError("restriction", _("a Restricted alert must say who may receive it"))
    # §3.2.1 references: required in practice for Update and Cancel (what they replace).
    if alert.msg_type in ("Update", "Cancel") and not alert.references:
        raise AlertError("references", _("an Update or Cancel must name the alert it replaces"))
    for ref in alert.references:
        if len(ref.split(",")) != 3 or " " in ref:
            raise AlertError("references", _("each reference is sender,identifier,sent"))
    found = [i.language for i in alert.infos]
    for lang in languages:
        if lang not in found:
            raise AlertError(f"info[{lang}]", _("the text in this language is missing"))
    if len(set(found)) != len(found):
        raise AlertError("info", _("one language appears twice"))
    for info in alert.infos:
        _check_info(info, now=now)
    _check_area(alert.area)


def _check_info(info: Info, *, now: datetime) -> None:
    where = f"info[{info.language}]"
    _choice(f"{where}.category", info.category, CATEGORIES)
    _choice(f"{where}.urgency", info.urgency, URGENCIES)
    _choice(f"{where}.severity", info.severity, SEVERITIES)
    _choice(f"{where}.certainty", info.certainty, CERTAINTIES)
    for name in ("event", "headline", "description", "instruction"):
        text = getattr(info, name)
        if not text or not text.strip():
            raise AlertError(f"{where}.{name}", _("required"))
        if len(text) > TEXT_MAX_CHARS:
            raise AlertError(
                f"{where}.{name}",
                _("{count} characters; at most {limit}").format(
                    count=len(text), limit=TEXT_MAX_CHARS
                ),
            )
    if len(info.headline) > HEADLINE_MAX_CHARS:
        raise AlertError(
            f"{where}.headline",
            _("{count} characters; at most {limit}").format(
                count=len(info.headline), limit=HEADLINE_MAX_CHARS
            ),
        )
    if info.expires is None:
        raise AlertError(f"{where}.expires", _("required: when the warning stops applying"))
    if info.onset is not None and info.expires <= info.onset:
        raise AlertError(f"{where}.expires", _("the expiry is not after the onset"))
    if info.expires <= now:
        raise AlertError(f"{where}.expires", _("the expiry is in the past"))


def _check_area(area: Area) -> None:
    from eoc.alerts.polygon import parse_cap_polygon  # polygon imports this module

    if not area.description.strip():
        raise AlertError("area.areaDesc", _("required"))
    if not area.polygons and not area.geocodes:
        raise AlertError("area.polygon", _("an area needs a polygon or a district"))
    for n, text in enumerate(area.polygons, start=1):
        parse_cap_polygon(text, field_name=f"area.polygon[{n}]")


def _choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise AlertError(
            name,
            _("'{value}' is not one of {allowed}").format(value=value, allowed=", ".join(allowed)),
        )
