"""What a whole-layer import changes, feature by feature: shared by every store backend.

A backend reads the layer's stored rows inside its write transaction, calls `plan_import`,
then writes the plan's rows and one audit entry per changed, added or removed feature (with
only the fields that changed) plus the import's summary. Protected rows (sensitive) can
neither be un-flagged nor re-typed by an import, and a replace keeps those the file lacks:
a shared spreadsheet never holds the shelters, and replacing a layer must not drop them.

Linear in rows: one pass over the stored rows, one over the file's, dictionary lookups.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import shapely

import layers
from eoc.errors import EocError
from eoc.i18n import _, format_number
from eoc.store.rows import is_protected, protection_changes
from eoc.store.values import plain

NAMED_ROWS = 10  # how many rows a refusal names before "and N more"
GEOMETRY_AUDIT_CHARS = 2000  # a longer geometry is audited by its kind, size and digest


@dataclass(frozen=True)
class FeatureChange:
    """One feature's audit entry: "insert", "update" or "delete", and its changed values."""

    op: str
    feature_id: str | None
    old: dict | None
    new: dict | None


@dataclass
class ImportPlan:
    """The rows to write and what they change; nothing is written by making one."""

    mode: str
    # replace: every record to insert; upsert: (record, stored row or None) pairs.
    inserts: list[dict] = field(default_factory=list)
    upserts: list[tuple[dict, dict | None]] = field(default_factory=list)
    changes: list[FeatureChange] = field(default_factory=list)
    kept_protected: int = 0
    imported: int = 0
    replaced: int = 0  # imported rows that took the place of a stored row with their id

    def summary(self, before: int) -> tuple[dict, dict]:
        """The old and new values of the import's summary audit entry."""
        count = {op: sum(1 for c in self.changes if c.op == op) for op in OPS}
        new = {
            "mode": self.mode,
            "imported": self.imported,
            "added": count["insert"],
            "changed": count["update"],
            "removed": count["delete"],
            "replaced": self.replaced,
        }
        if self.kept_protected:
            new["kept_protected"] = self.kept_protected
        return {"rows": before}, new


OPS = ("insert", "update", "delete")


def plan_import(
    spec: layers.LayerSpec, rows: gpd.GeoDataFrame, stored: Sequence[dict], *, mode: str
) -> ImportPlan:
    """The plan of importing the conformed `rows` over the `stored` rows of the layer.

    Raises EocError naming the rows (the first NAMED_ROWS) if the import would un-flag or
    re-type a protected row.
    """
    records = rows.to_dict("records")
    new_values = _plain_rows(spec, records, rows.geometry)
    old_values = _plain_rows(spec, stored, [r.get("geometry") for r in stored])
    plan = ImportPlan(mode=mode, imported=len(records))
    stored_at = _keyed(spec, stored, with_occurrence=mode == "replace")
    matched: set[int] = set()
    refused: list[str] = []
    for i, (key, record) in enumerate(zip(_keys(spec, records, mode), records, strict=True)):
        j = stored_at.get(key)
        current = None if j is None else stored[j]
        if current is not None:
            matched.add(j)
            plan.replaced += 1
            if protection_changes(spec, current, record):
                refused.append(str(record.get(spec.id_field)))
                continue
        if mode == "replace":
            plan.inserts.append(record)
        else:
            plan.upserts.append((record, current))
        fid = _feature_id(record.get(spec.id_field))
        if current is None:
            new = {k: v for k, v in new_values[i].items() if v is not None}
            plan.changes.append(FeatureChange("insert", fid, None, new))
            continue
        old_row, new_row = old_values[j], new_values[i]
        changed = [k for k in new_row if new_row[k] != old_row[k]]
        if changed:
            plan.changes.append(
                FeatureChange(
                    "update",
                    fid,
                    {k: old_row[k] for k in changed},
                    {k: new_row[k] for k in changed},
                )
            )
    if refused:
        raise EocError(_refusal(spec, refused))
    if mode == "replace":
        for j, current in enumerate(stored):
            if j in matched:
                continue
            if is_protected(spec, current):
                plan.inserts.append(current)
                plan.kept_protected += 1
                continue
            old = {k: v for k, v in old_values[j].items() if v is not None}
            plan.changes.append(
                FeatureChange("delete", _feature_id(current.get(spec.id_field)), old, None)
            )
    return plan


def _refusal(spec: layers.LayerSpec, ids: list[str]) -> str:
    named = ", ".join(ids[:NAMED_ROWS])
    if len(ids) > NAMED_ROWS:
        named += " " + _("and {count} more").format(count=format_number(len(ids) - NAMED_ROWS))
    return _(
        "the import would change the sensitivity or type of {count} protected {item}(s): "
        "{ids}. Only an admin can do that, one at a time with a reason "
        "('eoc sites unprotect'); nothing was imported"
    ).format(count=format_number(len(ids)), item=_(spec.item_label), ids=named)


def _feature_id(value: object) -> str | None:
    return None if value is None or value != value else str(value)


def _keys(spec: layers.LayerSpec, records: Iterable[dict], mode: str) -> list[object]:
    return list(_keyed_items(spec, records, with_occurrence=mode == "replace"))


def _keyed(spec: layers.LayerSpec, rows: Sequence[dict], *, with_occurrence: bool) -> dict:
    keyed: dict[object, int] = {}
    for j, key in enumerate(_keyed_items(spec, rows, with_occurrence=with_occurrence)):
        keyed.setdefault(key, j)
    return keyed


def _keyed_items(spec: layers.LayerSpec, rows: Iterable[dict], *, with_occurrence: bool):
    """Each row's key: its id (and, in a replace, which repeat of that id it is, since
    context layers may hold several rows with one id)."""
    id_field = spec.field(spec.id_field)
    seen: dict[object, int] = {}
    for row in rows:
        value = plain(row.get(spec.id_field), id_field)
        if not with_occurrence:
            yield value
            continue
        n = seen.get(value, 0)
        seen[value] = n + 1
        yield (value, n)


def _plain_rows(spec: layers.LayerSpec, rows: Sequence[dict], geometries) -> list[dict]:
    fields = [spec.field(name) for name in spec.field_names]
    geoms = list(_geometry_values(geometries))
    return [
        {**{f.name: plain(row.get(f.name), f) for f in fields}, "geometry": geom}
        for row, geom in zip(rows, geoms, strict=True)
    ]


def _geometry_values(geometries) -> Iterable[str | None]:
    """The audit form of each geometry: WKT, or for a long one its kind, size and digest."""
    array = list(geometries)
    wkts = shapely.to_wkt(array, rounding_precision=-1) if array else []
    for geometry, wkt in zip(array, wkts, strict=True):
        if wkt is None:
            yield None
        elif len(wkt) <= GEOMETRY_AUDIT_CHARS:
            yield wkt
        else:
            digest = hashlib.sha256(shapely.to_wkb(geometry)).hexdigest()[:16]
            points = shapely.get_num_coordinates(geometry)
            yield f"{geometry.geom_type} ({points} points, sha256 {digest})"
