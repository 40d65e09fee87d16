"""Check a GeoDataFrame against its layer spec and report every problem at once."""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from layers.spec import N_, Field, LayerSpec

_GEOMETRY_FAMILY = {
    "Point": {"Point"},
    "LineString": {"LineString", "MultiLineString"},
    "Polygon": {"Polygon", "MultiPolygon"},
}


def _identity(message: str) -> str:
    return message


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one row (or with the whole layer when `row` is None).

    The message is an English template and its values, so that it can be shown in the
    reader's language: `problem.render(gettext)`.
    """

    layer: str
    row: int | None
    feature_id: str | None
    field: str | None
    template: str
    params: tuple[tuple[str, object], ...] = ()
    item_label: str = "feature"

    @classmethod
    def of(
        cls,
        spec_or_layer: LayerSpec | str,
        row: int | None,
        feature_id: str | None,
        field: str | None,
        template: str,
        /,
        **params: object,
    ) -> Problem:
        if isinstance(spec_or_layer, LayerSpec):
            name, item = spec_or_layer.name, spec_or_layer.item_label
        else:
            name, item = spec_or_layer, "feature"
        return cls(name, row, feature_id, field, template, tuple(params.items()), item)

    @property
    def message(self) -> str:
        return self.template.format(**dict(self.params))

    def render(self, translate=_identity) -> str:
        """'site TJ-DS-0007: individuals -5 is below 0', translated by `translate`."""
        item = translate(self.item_label)
        if self.feature_id:
            where = translate("{item} {id}").format(item=item, id=self.feature_id)
        elif self.row is not None:
            where = translate("{item} in row {row}").format(item=item, row=self.row + 1)
        else:
            where = translate("layer {layer}").format(layer=self.layer)
        return f"{where}: {translate(self.template).format(**dict(self.params))}"

    def __str__(self) -> str:
        return self.render()


# Templates of the messages below, marked for the translation catalogues.
WHERE_TEMPLATES = (N_("{item} {id}"), N_("{item} in row {row}"), N_("layer {layer}"))


def validate(gdf: gpd.GeoDataFrame, spec: LayerSpec) -> list[Problem]:
    """Every problem of `gdf` against `spec`: missing fields, types, ranges, ids, geometry."""
    problems: list[Problem] = []

    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        problems.append(
            Problem.of(
                spec,
                None,
                None,
                None,
                N_("coordinates are in {crs}, expected WGS 84 (EPSG:4326)"),
                crs=gdf.crs.to_string(),
            )
        )
    missing = [f.name for f in spec.fields if f.required and f.name not in gdf.columns]
    for name in missing:
        problems.append(
            Problem.of(
                spec, None, None, name, N_("the required field '{field}' is missing"), field=name
            )
        )
    ids = _row_ids(gdf, spec)
    for row, fid in enumerate(ids):
        record = gdf.iloc[row]
        for f in spec.fields:
            if f.name not in gdf.columns:
                continue
            found = _check_value(record[f.name], f)
            if found:
                problems.append(Problem.of(spec, row, fid, f.name, found[0], **found[1]))
        found = _check_sensitive(record, spec)
        if found:
            problems.append(Problem.of(spec, row, fid, spec.sensitive_field, found[0], **found[1]))
        found = _check_geometry(record.geometry if "geometry" in gdf else None, spec)
        if found:
            problems.append(Problem.of(spec, row, fid, "geometry", found[0], **found[1]))
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


Finding = tuple[str, dict[str, object]] | None


def _check_value(value: object, f: Field) -> Finding:
    if _is_missing(value):
        return (N_("{field} is empty but required"), {"field": f.name}) if f.required else None
    parsed, error = _parse(value, f)
    if error:
        return error, {"field": f.name, "value": _quoted(value)}
    limit = f.length_limit
    if limit is not None and len(parsed) > limit:
        # The value itself is left out: it may be 100 KB long.
        return N_("{field}: at most {count} characters ({length} given)"), {
            "field": f.name,
            "count": limit,
            "length": len(parsed),
        }
    if f.allowed is not None and str(parsed) not in f.allowed:
        return N_("{field} '{value}' is not one of: {allowed}"), {
            "field": f.name,
            "value": parsed,
            "allowed": ", ".join(f.allowed),
        }
    if f.lowest is not None and parsed < f.lowest:
        return N_("{field} {value} is below {limit}"), {
            "field": f.name,
            "value": parsed,
            "limit": _plain(f.lowest),
        }
    if f.highest is not None and parsed > f.highest:
        return N_("{field} {value} is above {limit}"), {
            "field": f.name,
            "value": parsed,
            "limit": _plain(f.highest),
        }
    return None


def _quoted(value: object, limit: int = 40) -> str:
    """A wrong value as a message shows it: cut, so that a pasted page is not repeated."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


_NOT_A = {
    "int": N_("{field} '{value}' is not a whole number"),
    "float": N_("{field} '{value}' is not a number"),
    "bool": N_("{field} '{value}' is not true or false"),
    "date": N_("{field} '{value}' is not a date (YYYY-MM-DD)"),
    "datetime": N_("{field} '{value}' is not a date and time (ISO 8601)"),
}


def _parse(value: object, f: Field) -> tuple[object, str | None]:
    """Value as the field's type, or the template of an error."""
    try:
        if f.type == "str":
            return str(value), None
        if f.type == "bool":
            if isinstance(value, bool) or str(value).lower() in ("true", "false", "1", "0"):
                return value, None
            raise ValueError
        if f.type == "int":
            number = float(value)
            if math.isinf(number):
                raise ValueError
            if not number.is_integer():
                return None, N_("{field} {value} is not a whole number")
            return int(number), None
        if f.type == "float":
            number = float(value)
            if not math.isfinite(number):
                raise ValueError
            return number, None
        stamp = pd.Timestamp(value)
        if pd.isna(stamp):
            raise ValueError
        return stamp, None
    except (TypeError, ValueError):
        return None, _NOT_A[f.type]


def _check_sensitive(record: pd.Series, spec: LayerSpec) -> Finding:
    if spec.sensitive_when is None or spec.sensitive_field not in record.index:
        return None
    field, value = spec.sensitive_when
    if str(record.get(field)) != value:
        return None
    flag = record[spec.sensitive_field]
    if not _is_missing(flag) and str(flag).strip().lower() in ("true", "1"):
        return None
    return N_("a {value} must be marked {flag} (it must never reach a public page)"), {
        "value": value,
        "flag": spec.sensitive_field,
    }


def _check_geometry(geometry: object, spec: LayerSpec) -> Finding:
    if geometry is None or getattr(geometry, "is_empty", True):
        return N_("has no location (empty geometry)"), {}
    if geometry.geom_type not in _GEOMETRY_FAMILY[spec.geometry]:
        return N_("geometry is a {actual}, expected a {expected}"), {
            "actual": geometry.geom_type,
            "expected": spec.geometry,
        }
    if not geometry.is_valid:
        return N_("geometry is not valid (self-intersecting or broken ring)"), {}
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return N_("coordinates are outside longitude -180..180 / latitude -90..90"), {}
    return None


def _duplicates(gdf: gpd.GeoDataFrame, f: Field, spec: LayerSpec) -> list[Problem]:
    values = gdf[f.name]
    dup = values.duplicated(keep="first") & values.notna()
    return [
        Problem.of(
            spec,
            int(row),
            str(values.iloc[row]),
            f.name,
            N_("{field} {value} appears more than once"),
            field=f.name,
            value=values.iloc[row],
        )
        for row in dup.to_numpy().nonzero()[0]
    ]
