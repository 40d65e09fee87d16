"""Write a layer for partners: GeoPackage (QGIS), HXL-tagged CSV (HDX), GeoJSON (RFC 7946).

`--public` exports pass through `eoc.publish.public_view` (sensitive rows and non-public
fields dropped, counts rounded, coordinates coarsened) and only for published layers.
Every file is written beside its target and renamed into place, so a reader never sees half
a file. The HXL tags are those of `eoc.io.columns` (its docstring has the table), so an HXL
export imports back unchanged.
"""

from __future__ import annotations

import csv
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

import layers
from eoc.errors import PublicationError
from eoc.i18n import _
from eoc.io.columns import LAT, LON, WKT, hxl_tag
from eoc.publish import PUBLISHED_LAYERS, public_view
from eoc.store.base import Store

EXPORT_FORMATS = ("gpkg", "hxl", "geojson")
SUFFIXES = {"gpkg": ".gpkg", "hxl": ".csv", "geojson": ".geojson"}
LAT_TAG, LON_TAG, WKT_TAG = "#geo+lat", "#geo+lon", "#geo+bounds"


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    version: int


def export_layer(
    store: Store, layer: str, *, fmt: str, out: str | Path, public: bool = False
) -> ExportResult:
    """Write `layer` as it is in `store` now (or its public view) to `out` in format `fmt`."""
    if fmt not in EXPORT_FORMATS:
        raise PublicationError(
            _("unknown export format '{format}'; use one of: {formats}").format(
                format=fmt, formats=", ".join(EXPORT_FORMATS)
            )
        )
    spec = layers.get(layer)
    version = store.version()
    gdf = store.read_layer(layer)
    if public:
        gdf = public_frame(gdf, spec)
    out = Path(out)
    _WRITERS[fmt](gdf, spec, out)
    return ExportResult(out, len(gdf), version)


def public_frame(gdf: gpd.GeoDataFrame, spec: layers.LayerSpec) -> gpd.GeoDataFrame:
    """The public view of a published layer; refused for any other layer."""
    view = public_view(gdf, spec) if spec.name in PUBLISHED_LAYERS else None
    if view is None:
        raise PublicationError(
            _("layer {layer} is not published; it cannot be exported with --public").format(
                layer=spec.name
            )
        )
    return view


def write_gpkg(gdf: gpd.GeoDataFrame, spec: layers.LayerSpec, out: Path) -> None:
    def write(tmp: Path) -> None:
        pyogrio.write_dataframe(
            gdf,
            tmp,
            layer=spec.name,
            driver="GPKG",
            dataset_options={"VERSION": "1.2"},  # older QGIS/GDAL in partner offices
            layer_options={"DESCRIPTION": spec.title},
        )

    _atomic(out, write)


def write_geojson(gdf: gpd.GeoDataFrame, spec: layers.LayerSpec, out: Path) -> None:
    def write(tmp: Path) -> None:
        # RFC 7946: WGS 84, longitude first, no "crs" member, 7 decimals (~1 cm).
        pyogrio.write_dataframe(
            gdf.to_crs(4326),
            tmp,
            layer=spec.name,
            driver="GeoJSON",
            layer_options={"RFC7946": "YES"},
        )

    _atomic(out, write)


def write_hxl_csv(gdf: gpd.GeoDataFrame, spec: layers.LayerSpec, out: Path) -> None:
    """CSV with the field names as header and a row of HXL tags under it."""
    names = [f.name for f in spec.fields if f.name in gdf.columns]
    table = hxl_table(gdf, spec)
    tags = [hxl_tag(spec, n) for n in names]
    tags += [LAT_TAG, LON_TAG] if spec.geometry == "Point" else [WKT_TAG]

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.columns)
            writer.writerow(tags)
            writer.writerows(table.itertuples(index=False, name=None))

    _atomic(out, write)


def hxl_table(gdf: gpd.GeoDataFrame, spec: layers.LayerSpec) -> pd.DataFrame:
    """The layer's values as text, plus lat/lon (points) or WKT (lines, polygons)."""
    gdf = gdf.to_crs(4326)
    columns = {}
    for f in spec.fields:
        if f.name in gdf.columns:
            columns[f.name] = [_text(v, f.type) for v in gdf[f.name]]
    if spec.geometry == "Point":
        columns[LAT] = [_coordinate(g, "y") for g in gdf.geometry]
        columns[LON] = [_coordinate(g, "x") for g in gdf.geometry]
    else:
        columns[WKT] = ["" if g is None else g.wkt for g in gdf.geometry]
    return pd.DataFrame(columns)


def _text(value: object, kind: str) -> str:
    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if kind == "bool":
        return "true" if bool(value) else "false"
    if kind == "date":
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    if kind == "datetime":
        stamp = pd.Timestamp(value)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return stamp.isoformat().replace("+00:00", "Z")
    if kind == "int":
        return str(int(value))
    if kind == "float":
        return repr(float(value))
    return str(value)


def _coordinate(geometry: object, axis: str) -> str:
    if geometry is None or geometry.is_empty:
        return ""
    return repr(round(getattr(geometry, axis), 7))


def _atomic(out: Path, write) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=out.suffix, dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # GDAL drivers want to create the file themselves
    try:
        write(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


_WRITERS = {"gpkg": write_gpkg, "hxl": write_hxl_csv, "geojson": write_geojson}
