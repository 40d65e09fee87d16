"""A layer as it was at an earlier moment, rebuilt from the audit log.

Every edit is in the audit log with the old and new values of what it changed, so a layer at
time `t` is the layer now with the edits made after `t` undone, newest first: an update gets
its old values back, an insert is removed, a delete is put back from its old values.

An entry that rewrote the whole layer without per-feature values (the store built from the
seed, a whole-layer import of an older release) is a horizon: what the layer held before it is
not on record. Rewinding stops there and says since when the layer is known, so a screen can
grey it out instead of passing the values of later for those of then.

Pure: the audit entries and "when" are arguments.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import geopandas as gpd
import pandas as pd
import shapely

import layers
from eoc.analysis.active import as_utc


class AuditLike(Protocol):
    at: datetime
    action: str
    layer: str | None
    feature_id: str | None
    old: dict | None
    new: dict | None


@dataclass(frozen=True)
class Rewound:
    """A layer at a moment: its rows, and since when its history is on record."""

    frame: gpd.GeoDataFrame
    known_since: datetime | None  # None: every change is on record
    undone: int  # edits undone

    def known_at(self, moment: datetime) -> bool:
        """Whether the rows are really those of `moment` (not later values shown for it)."""
        return self.known_since is None or as_utc(moment) >= as_utc(self.known_since)


def rewind_layer(
    frame: gpd.GeoDataFrame,
    spec: layers.LayerSpec,
    entries: Iterable[AuditLike],
    *,
    at: datetime,
) -> Rewound:
    """`frame` (the layer now) as it was at `at`, by undoing the audited edits made after it.

    `entries` are audit entries of any layers and times; only those of `spec`'s layer made
    after `at` are used. The result keeps `frame`'s columns and CRS.
    """
    moment = as_utc(at)
    later = sorted(
        (
            e
            for e in entries
            if (e.layer == spec.name or e.action == "replace_all") and as_utc(e.at) > moment
        ),
        key=lambda e: as_utc(e.at),
        reverse=True,
    )
    rows = {str(key): row for key, row in zip(frame[spec.id_field], _records(frame), strict=True)}
    order = list(rows)
    known_since, undone = None, 0
    for entry in later:
        if entry.feature_id is None:
            if _is_horizon(entry):
                known_since = as_utc(entry.at).to_pydatetime()
                break
            continue
        key = str(entry.feature_id)
        if entry.old is None:  # inserted after `at`
            rows.pop(key, None)
        elif entry.new is None:  # deleted after `at`
            rows[key] = _decoded(spec, entry.old)
            order.append(key)
        elif key in rows:  # changed after `at`
            rows[key] = rows[key] | _decoded(spec, entry.old)
        undone += 1
    kept = [rows[key] for key in dict.fromkeys(order) if key in rows]
    return Rewound(frame=_frame(kept, frame, spec), known_since=known_since, undone=undone)


def rewind_layers(
    frames: Mapping[str, gpd.GeoDataFrame], entries: Sequence[AuditLike], *, at: datetime
) -> dict[str, Rewound]:
    """Every layer of `frames` rewound to `at` (see `rewind_layer`)."""
    return {
        name: rewind_layer(frame, layers.get(name), entries, at=at)
        for name, frame in frames.items()
    }


def _is_horizon(entry: AuditLike) -> bool:
    """Whether `entry` rewrote the layer without per-feature entries beside it.

    Imports audit each feature they change and add a summary that counts them ("added"); a
    summary without those counts comes from a release that kept no per-feature values.
    """
    if entry.action == "replace_all":
        return True
    return entry.action == "import" and "added" not in (entry.new or {})


def _records(frame: gpd.GeoDataFrame) -> list[dict]:
    columns = [c for c in frame.columns if c != frame.geometry.name]
    values = frame[columns].to_dict("records")
    return [
        row | {"geometry": geometry}
        for row, geometry in zip(values, frame.geometry.array, strict=True)
    ]


def _decoded(spec: layers.LayerSpec, values: dict) -> dict:
    """Audit values (plain JSON, geometry as WKT) as row values."""
    out = {k: v for k, v in values.items() if k in spec.field_names}
    if "geometry" in values:
        # A large geometry is audited by its digest only: then the shape stays as it is.
        with contextlib.suppress(shapely.errors.GEOSException):
            out["geometry"] = shapely.from_wkt(values["geometry"])
    return out


def _frame(rows: list[dict], like: gpd.GeoDataFrame, spec: layers.LayerSpec) -> gpd.GeoDataFrame:
    columns = [c for c in like.columns if c != like.geometry.name]
    data = pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns)
    out = gpd.GeoDataFrame(data, geometry=[row.get("geometry") for row in rows], crs=like.crs)
    if like.geometry.name != out.geometry.name:
        out = out.rename_geometry(like.geometry.name)
    return layers.conform(out, spec)[list(like.columns)]  # typed as the store types a layer
