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
NAME_FIELDS = ("name", "title")  # the field that names a feature, first present wins


class AuditLike(Protocol):
    at: datetime
    user: str
    action: str
    layer: str | None
    feature_id: str | None
    reason: str
    version: int
    old: Mapping[str, object] | None
    new: Mapping[str, object] | None


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
    name: str | None = None  # the feature's name ("Kyzyl-Art"), where it has one
    changes: tuple[tuple[str, object, object], ...] = ()  # CHANGE: (field, old, new)


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
                name=_text(getattr(row, "title", None)),
            )
        )
    return items


def change_items(
    entries: Iterable[AuditLike], names: Mapping[tuple[str, str], str] | None = None
) -> list[ActivityItem]:
    """One item per audit entry that changed data (user-account entries are left out).

    `names`: (layer, feature id) -> name (`feature_names`); a deleted feature keeps the name
    its old values carried.
    """
    names = names or {}
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
            name=names.get((entry.layer or "", str(entry.feature_id))) or _entry_name(entry),
            changes=changed_values(entry),
        )
        for entry in entries
        if entry.action in DATA_ACTIONS
    ]


def feature_names(frames: Mapping[str, gpd.GeoDataFrame]) -> dict[tuple[str, str], str]:
    """(layer, feature id) -> name, for every feature in `frames` whose layer has a name field."""
    names: dict[tuple[str, str], str] = {}
    for layer, gdf in frames.items():
        spec = layers.REGISTRY.get(layer)
        if spec is None or spec.id_field not in gdf.columns:
            continue
        field = next((f for f in NAME_FIELDS if f in gdf.columns), None)
        if field is None:
            continue
        for fid, name in zip(gdf[spec.id_field], gdf[field], strict=True):
            text = _text(name)
            if text:
                names[(layer, str(fid))] = text
    return names


def changed_values(entry: AuditLike) -> tuple[tuple[str, object, object], ...]:
    """(field, old, new) of an update: only the fields whose value changed."""
    if entry.action != "update":
        return ()
    old, new = getattr(entry, "old", None) or {}, getattr(entry, "new", None) or {}
    return tuple((k, old.get(k), v) for k, v in new.items() if old.get(k) != v)


def _entry_name(entry: AuditLike) -> str | None:
    for values in (getattr(entry, "new", None), getattr(entry, "old", None)):
        for field in NAME_FIELDS:
            text = _text((values or {}).get(field))
            if text:
                return text
    return None


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
    names: Mapping[tuple[str, str], str] | None = None,
) -> list[ActivityItem]:
    """Incidents and data changes, newest first, at most `limit`.

    With `now`, anything after it is left out (a replay of an earlier moment shows what was
    known then). At equal times a change comes before the incident it may have recorded.
    """
    items = incident_items(incidents) + change_items(audit_entries, names)
    if now is not None:
        moment = as_utc(now).to_pydatetime()
        items = [item for item in items if item.at <= moment]
    items.sort(key=lambda item: (item.at, item.kind == CHANGE), reverse=True)
    return items[: max(limit, 0)]


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return str(value)
