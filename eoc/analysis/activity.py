"""The activity feed: latest incidents and data changes, merged newest first, as plain records.

Audit entries are passed in as data (anything with the fields of `eoc.store.records.AuditEntry`),
so this module needs no store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import geopandas as gpd
import pandas as pd

import layers
from eoc.analysis.active import as_utc

INCIDENT = "incident"
CHANGE = "change"
# Audit actions that change data; user-account entries stay on the audit page.
DATA_ACTIONS = ("insert", "update", "delete", "replace_all")
FEED_LIMIT = 12


class AuditLike(Protocol):
    at: datetime
    user: str
    action: str
    layer: str | None
    feature_id: str | None
    reason: str
    version: int


@dataclass(frozen=True)
class ActivityItem:
    """One line of the feed: an incident that happened, or a change someone wrote."""

    at: datetime
    kind: str  # INCIDENT or CHANGE
    layer: str | None
    feature_id: str | None
    action: str | None = None  # CHANGE: insert, update, delete, replace_all
    user: str | None = None
    reason: str | None = None
    version: int | None = None
    incident_type: str | None = None  # INCIDENT only, from here on
    severity: str | None = None
    status: str | None = None
    description: str | None = None


def incident_items(incidents: gpd.GeoDataFrame) -> list[ActivityItem]:
    """One item per incident with a time, at the time it happened."""
    items = []
    for row in incidents.itertuples(index=False):
        when = getattr(row, "time_utc", None)
        if when is None or pd.isna(when):
            continue
        items.append(
            ActivityItem(
                at=as_utc(when).to_pydatetime(),
                kind=INCIDENT,
                layer="incidents",
                feature_id=_text(getattr(row, "incident_id", None)),
                incident_type=_text(getattr(row, "incident_type", None)),
                severity=_text(getattr(row, "severity", None)),
                status=_text(getattr(row, "status", None)),
                description=_text(getattr(row, "description", None)),
            )
        )
    return items


def change_items(entries: Iterable[AuditLike]) -> list[ActivityItem]:
    """One item per audit entry that changed data (user-account entries are left out)."""
    return [
        ActivityItem(
            at=as_utc(entry.at).to_pydatetime(),
            kind=CHANGE,
            layer=entry.layer,
            feature_id=entry.feature_id,
            action=entry.action,
            user=entry.user,
            reason=entry.reason,
            version=entry.version,
        )
        for entry in entries
        if entry.action in DATA_ACTIONS
    ]


def changes_to_features(
    entries: Iterable[AuditLike], frames: Mapping[str, gpd.GeoDataFrame]
) -> list[AuditLike]:
    """The audit entries about a feature held in `frames` (e.g. the features of one region).

    Entries that cannot be placed (whole-store rebuilds, deleted features) are left out.
    """
    held = set()
    for name, gdf in frames.items():
        spec = layers.REGISTRY.get(name)
        id_field = spec.id_field if spec else None
        if id_field and id_field in gdf.columns:
            held.update((name, str(value)) for value in gdf[id_field])
    return [entry for entry in entries if (entry.layer, str(entry.feature_id)) in held]


def latest_activity(
    incidents: gpd.GeoDataFrame,
    audit_entries: Iterable[AuditLike],
    *,
    now: datetime | None = None,
    limit: int = FEED_LIMIT,
) -> list[ActivityItem]:
    """Incidents and data changes, newest first, at most `limit`.

    With `now`, anything after it is left out (a replay of an earlier moment shows what was
    known then). At equal times a change comes before the incident it may have recorded.
    """
    items = incident_items(incidents) + change_items(audit_entries)
    if now is not None:
        moment = as_utc(now).to_pydatetime()
        items = [item for item in items if item.at <= moment]
    items.sort(key=lambda item: (item.at, item.kind == CHANGE), reverse=True)
    return items[: max(limit, 0)]


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return str(value)
