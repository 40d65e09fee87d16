"""Give a validated frame the column order and dtypes its spec declares."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from layers.spec import LayerSpec

_DTYPES = {"str": "string", "int": "Int64", "float": "Float64", "bool": "boolean"}


def conform(gdf: gpd.GeoDataFrame, spec: LayerSpec) -> gpd.GeoDataFrame:
    """A new frame with exactly the spec's fields, typed, in EPSG:4326; extra columns dropped.

    Call only on a frame that `validate` passed: values that do not parse become missing.
    """
    columns: dict[str, pd.Series] = {}
    for f in spec.fields:
        values = gdf[f.name] if f.name in gdf.columns else pd.Series(pd.NA, index=gdf.index)
        if f.type in ("date", "datetime"):
            stamps = pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")
            columns[f.name] = stamps.astype("datetime64[ms, UTC]")
        elif f.type == "bool":
            columns[f.name] = values.map(_as_bool).astype("boolean")
        elif f.type in ("int", "float"):
            columns[f.name] = pd.to_numeric(values, errors="coerce").astype(_DTYPES[f.type])
        else:
            columns[f.name] = values.astype(_DTYPES[f.type])
    crs = gdf.crs or "EPSG:4326"
    out = gpd.GeoDataFrame(columns, geometry=gdf.geometry.to_numpy(), crs=crs, index=gdf.index)
    return out.to_crs(4326).reset_index(drop=True)


def _as_bool(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return pd.NA
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)
