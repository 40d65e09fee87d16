"""GeoDataFrames to compact GeoJSON dicts for the browser."""

from __future__ import annotations

import json
from collections.abc import Sequence

import geopandas as gpd
import shapely

# ~10 m: finer than any map needs at country scale, and it keeps payloads small.
COORDINATE_GRID_DEG = 1e-4


def to_geojson(
    gdf: gpd.GeoDataFrame,
    properties: Sequence[str] = (),
    *,
    simplify_deg: float = 0.0,
    id_field: str | None = None,
) -> dict:
    """A FeatureCollection with only `properties`, simplified and rounded for display."""
    geometry = gdf.geometry
    if simplify_deg:
        geometry = geometry.simplify(simplify_deg, preserve_topology=True)
    geometry = gpd.GeoSeries(
        shapely.set_precision(geometry.to_numpy(), COORDINATE_GRID_DEG),
        crs=gdf.crs,
        index=gdf.index,
    )
    keep = gpd.GeoDataFrame(
        {name: gdf[name].astype("string") for name in properties}, geometry=geometry
    )
    keep = keep[~keep.geometry.is_empty]
    collection = json.loads(keep.to_json(na="null", drop_id=True))
    if id_field:
        for feature, fid in zip(collection["features"], gdf.loc[keep.index, id_field], strict=True):
            feature["id"] = str(fid)
    return collection
