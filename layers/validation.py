"""Check a GeoDataFrame against its layer spec and report every problem at once."""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from layers.spec import Field, LayerSpec

_GEOMETRY_FAMILY = {
    "Point": {"Point"},
    "LineString": {"LineString", "MultiLineString"},
    "Polygon": {"Polygon", "MultiPolygon"},
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one row (or with the whole layer when `row` is None)."""

    layer: str
    row: int | None
    feature_id: str | None
    field: str | None
    message: str
    item_label: str = "feature"

    def __str__(self) -> str:
        if self.feature_id:
            where = f"{self.item_label} {self.feature_id}"
        elif self.row is not None:
            where = f"{self.item_label} in row {self.row + 1}"
        else:
            where = f"layer {self.layer}"
        return f"{where}: {self.message}"


def validate(gdf: gpd.GeoDataFrame, spec: LayerSpec) -> list[Problem]:
    """Every problem of `gdf` against `spec`: missing fields, types, ranges, ids, geometry."""
    problems: list[Problem] = []

    def layer_problem(message: str) -> None:
        problems.append(Problem(spec.name, None, None, None, message, spec.item_label))

    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        layer_problem(f"coordinates are in {gdf.crs.to_string()}, expected WGS 84 (EPSG:4326)")
    missing = [f.name for f in spec.fields if f.required and f.name not in gdf.columns]
    for name in missing:
        layer_problem(f"the required field '{name}' is missing")
    ids = _row_ids(gdf, spec)
    for row, fid in enumerate(ids):
        record = gdf.iloc[row]
        for f in spec.fields:
            if f.name not in gdf.columns:
                continue
            message = _check_value(record[f.name], f)
            if message:
                problems.append(Problem(spec.name, row, fid, f.name, message, spec.item_label))
        message = _check_geometry(record.geometry if "geometry" in gdf else None, spec)
        if message:
            problems.append(Problem(spec.name, row, fid, "geometry", message, spec.item_label))
    for f in spec.fields:
        if f.unique and f.name in gdf.columns:
            problems.extend(_duplicates(gdf, f, spec))
    return problems


def _row_ids(gdf: gpd.GeoDataFrame, spec: LayerSpec) -> list[str | None]:
    if spec.id_field not in gdf.columns:
        return [None] * len(gdf)
    return [None if _is_missing(v) else str(v) for v in gdf[spec.id_field]]


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _check_value(value: object, f: Field) -> str | None:
    if _is_missing(value):
        return f"{f.name} is empty but required" if f.required else None
    parsed, error = _parse(value, f)
    if error:
        return error
    if f.allowed is not None and str(parsed) not in f.allowed:
        return f"{f.name} '{parsed}' is not one of: {', '.join(f.allowed)}"
    if f.min is not None and parsed < f.min:
        return f"{f.name} {parsed} is below {_plain(f.min)}"
    if f.max is not None and parsed > f.max:
        return f"{f.name} {parsed} is above {_plain(f.max)}"
    return None


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _parse(value: object, f: Field) -> tuple[object, str | None]:
    """Value as the field's type, or an error in words."""
    try:
        if f.type == "str":
            return str(value), None
        if f.type == "bool":
            if isinstance(value, bool) or str(value).lower() in ("true", "false", "1", "0"):
                return value, None
            raise ValueError
        if f.type == "int":
            number = float(value)
            if not number.is_integer():
                return None, f"{f.name} {value} is not a whole number"
            return int(number), None
        if f.type == "float":
            number = float(value)
            if math.isinf(number):
                raise ValueError
            return number, None
        stamp = pd.Timestamp(value)
        if pd.isna(stamp):
            raise ValueError
        return stamp, None
    except (TypeError, ValueError):
        kind = {"int": "a whole number", "float": "a number", "bool": "true or false"}.get(
            f.type, "a date (YYYY-MM-DD)" if f.type == "date" else "a date and time (ISO 8601)"
        )
        return None, f"{f.name} '{value}' is not {kind}"


def _check_geometry(geometry: object, spec: LayerSpec) -> str | None:
    if geometry is None or getattr(geometry, "is_empty", True):
        return "has no location (empty geometry)"
    if geometry.geom_type not in _GEOMETRY_FAMILY[spec.geometry]:
        return f"geometry is a {geometry.geom_type}, expected a {spec.geometry}"
    if not geometry.is_valid:
        return "geometry is not valid (self-intersecting or broken ring)"
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return "coordinates are outside longitude -180..180 / latitude -90..90"
    return None


def _duplicates(gdf: gpd.GeoDataFrame, f: Field, spec: LayerSpec) -> list[Problem]:
    values = gdf[f.name]
    dup = values.duplicated(keep="first") & values.notna()
    return [
        Problem(
            spec.name,
            int(row),
            str(values.iloc[row]),
            f.name,
            f"{f.name} {values.iloc[row]} appears more than once",
            spec.item_label,
        )
        for row in dup.to_numpy().nonzero()[0]
    ]
