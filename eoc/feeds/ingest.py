"""Apply a live feed to the store: plan the edits (eoc.feeds.usgs), write them, say what changed.

Zones are written before incidents. A crash between the two transactions then leaves the
store in a state the next run repairs: the incident is still missing (or still at its old
`source_updated`), so the event is planned again and its zones are rewritten as updates.
The other order would leave an incident whose zones are never drawn, because the planner
skips an event it already holds at that version.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import geopandas as gpd

import layers
from eoc.analysis.regions import locate_points
from eoc.feeds import usgs
from eoc.i18n import _
from eoc.store.edits import Edit
from eoc.store.values import plain

FEED_USER = "feed:usgs"


@dataclass(frozen=True)
class IngestResult:
    """What one run of the feed changed in the store."""

    source: str
    events: int  # events in the area and above the magnitude, in the feed
    new_incidents: tuple[str, ...] = ()
    updated_incidents: tuple[str, ...] = ()
    zones_added: int = 0
    zones_updated: int = 0
    zones_removed: int = 0
    version: int | None = None  # the store version after the run; None if nothing changed
    descriptions: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.version is not None


def ingest_usgs(
    store,
    source: str | Path,
    *,
    now: datetime,
    min_magnitude: float = usgs.MIN_MAGNITUDE,
    bbox: tuple[float, float, float, float] = usgs.TAJIKISTAN_BBOX,
    timeout_s: float = 10.0,
) -> IngestResult:
    """Read the USGS feed at `source` (file or URL) and bring the store up to date with it.

    Idempotent: a second run on the same feed plans and writes nothing.
    """
    events = usgs.load_events(source, bbox=bbox, min_magnitude=min_magnitude, timeout_s=timeout_s)
    stored_zones = store.read_layer("hazard_zones")
    incident_edits, zone_edits = usgs.plan_feed_edits(
        events,
        store.read_layer("incidents"),
        stored_zones,
        regions=store.read_layer("regions"),
    )
    zone_edits = drop_unchanged(zone_edits, stored_zones, "hazard_zones")
    incident_edits = placed(
        incident_edits, store.read_layer("regions"), store.read_layer("districts")
    )
    reason = f"USGS feed {source}"
    version = None
    if zone_edits:
        version = store.apply_edits(
            "hazard_zones", zone_edits, user=FEED_USER, reason=reason, now=now
        )
    if incident_edits:
        version = store.apply_edits(
            "incidents", incident_edits, user=FEED_USER, reason=reason, now=now
        )
    return IngestResult(
        source=str(source),
        events=len(events),
        new_incidents=tuple(e.feature_id for e in incident_edits if e.op == "insert"),
        updated_incidents=tuple(e.feature_id for e in incident_edits if e.op == "update"),
        zones_added=sum(e.op == "insert" for e in zone_edits),
        zones_updated=sum(e.op == "update" for e in zone_edits),
        zones_removed=sum(e.op == "delete" for e in zone_edits),
        version=version,
        descriptions={
            e.feature_id: str(e.changes.get("description") or "") for e in incident_edits
        },
    )


def placed(edits: list[Edit], regions: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> list[Edit]:
    """`edits` with the region and district of each new or moved incident, from its location."""
    moved = [e for e in edits if e.op != "delete" and e.changes.get("geometry") is not None]
    if not moved:
        return edits
    points = gpd.GeoSeries([e.changes["geometry"] for e in moved], crs=4326)
    where = locate_points(points, regions, districts).astype(object)
    where = where.where(where.notna(), None)
    found = {id(e): row for e, row in zip(moved, where.to_dict("records"), strict=True)}
    return [
        replace(e, changes={**e.changes, **found[id(e)]}) if id(e) in found else e for e in edits
    ]


def drop_unchanged(edits: list[Edit], stored: gpd.GeoDataFrame, layer: str) -> list[Edit]:
    """`edits` less the updates that would write what the store already holds.

    The planner redraws every ring of an updated event; a ring that came out the same is not
    a change (and the store refuses an update with nothing to change).
    """
    spec = layers.get(layer)
    rows = {str(row[spec.id_field]): row for _i, row in stored.iterrows()}
    kept = []
    for edit in edits:
        row = rows.get(edit.feature_id)
        if edit.op == "update" and row is not None and not _differs(edit, row, spec):
            continue
        kept.append(edit)
    return kept


def _differs(edit: Edit, row, spec: layers.LayerSpec) -> bool:
    for name, value in edit.changes.items():
        if name == "geometry":
            old = row.geometry
            if value is None or old is None or not value.equals_exact(old, tolerance=1e-9):
                return True
        elif plain(value, spec.field(name)) != plain(row[name], spec.field(name)):
            return True
    return False


def summary_lines(result: IngestResult) -> list[str]:
    """What changed, in words, in the current language."""
    head = _("USGS feed {source}: {count} events in the area").format(
        source=result.source, count=result.events
    )
    if not result.changed:
        return [head, _("nothing new: the store already holds every event of this feed")]
    lines = [head]
    for incident_id in result.new_incidents:
        lines.append(
            _("new event {id}: {description}").format(
                id=incident_id, description=result.descriptions.get(incident_id, "")
            )
        )
    for incident_id in result.updated_incidents:
        lines.append(
            _("updated event {id}: {description}").format(
                id=incident_id, description=result.descriptions.get(incident_id, "")
            )
        )
    lines.append(
        _("hazard zones: {added} added, {updated} redrawn, {removed} removed").format(
            added=result.zones_added, updated=result.zones_updated, removed=result.zones_removed
        )
    )
    lines.append(_("store version {version}").format(version=result.version))
    return lines
