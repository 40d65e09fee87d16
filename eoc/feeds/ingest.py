"""Apply a live feed to the store: plan the edits (eoc.feeds.usgs), write them, say what changed.

A feed's zones and incidents are written in one transaction (`Store.apply_edit_sets`): a
crash leaves the store as it was, and the next run plans the same edits again.
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
    closed_incidents: tuple[str, ...] = ()  # withdrawn by their source
    zones_added: int = 0
    zones_updated: int = 0
    zones_removed: int = 0
    version: int | None = None  # the store version after the run; None if nothing changed
    descriptions: dict[str, str] = field(default_factory=dict)
    # GDACS alert level of each event's incident (a USGS incident GDACS also reported included)
    alert_levels: dict[str, str] = field(default_factory=dict)

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
    """Read the USGS feed at `source` (file, URL or summary feed name) and apply it.

    Idempotent: a second run on the same feed plans and writes nothing.
    """
    feed = usgs.read_feed(source, timeout_s=timeout_s)
    return apply_usgs(
        store, feed, source=str(source), now=now, min_magnitude=min_magnitude, bbox=bbox
    )


def apply_usgs(
    store,
    feed: dict,
    *,
    source: str,
    now: datetime,
    min_magnitude: float = usgs.MIN_MAGNITUDE,
    bbox: tuple[float, float, float, float] = usgs.TAJIKISTAN_BBOX,
) -> IngestResult:
    """Bring the store up to date with a USGS feed already read (GeoJSON), in one transaction."""
    events = usgs.filter_events(usgs.parse_events(feed), bbox=bbox, min_magnitude=min_magnitude)
    stored_zones = store.read_layer("hazard_zones")
    incident_edits, zone_edits = usgs.plan_feed_edits(
        events, store.read_layer("incidents"), stored_zones
    )
    zone_edits = drop_unchanged(zone_edits, stored_zones, "hazard_zones")
    incident_edits = placed(
        incident_edits, store.read_layer("regions"), store.read_layer("districts")
    )
    version = write_edits(
        store, incident_edits, zone_edits, user=FEED_USER, reason=f"USGS feed {source}", now=now
    )
    return IngestResult(
        source=str(source),
        events=int((events["status"] != usgs.DELETED).sum()),
        new_incidents=tuple(e.feature_id for e in incident_edits if e.op == "insert"),
        updated_incidents=tuple(
            e.feature_id
            for e in incident_edits
            if e.op == "update" and e.changes.get("status") != "closed"
        ),
        closed_incidents=tuple(
            e.feature_id for e in incident_edits if e.changes.get("status") == "closed"
        ),
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


def write_edits(
    store,
    incident_edits: list[Edit],
    zone_edits: list[Edit],
    *,
    user: str,
    reason: str,
    now: datetime,
) -> int | None:
    """Write a feed's zones and incidents in one transaction; the new version, or None."""
    sets = [
        (name, e) for name, e in (("hazard_zones", zone_edits), ("incidents", incident_edits)) if e
    ]
    if not sets:
        return None
    return store.apply_edit_sets(sets, user=user, reason=reason, now=now)


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


def summary_lines(result: IngestResult, *, feed: str = "usgs") -> list[str]:
    """What changed, in words, in the current language."""
    if feed == "gdacs":
        head = _("GDACS feed {source}: {count} events in or near Tajikistan").format(
            source=result.source, count=result.events
        )
    else:
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
    for incident_id in result.closed_incidents:
        lines.append(
            _("event {id} withdrawn by its source: incident closed").format(id=incident_id)
        )
    lines.append(
        _("hazard zones: {added} added, {updated} redrawn, {removed} removed").format(
            added=result.zones_added, updated=result.zones_updated, removed=result.zones_removed
        )
    )
    lines.append(_("store version {version}").format(version=result.version))
    return lines
