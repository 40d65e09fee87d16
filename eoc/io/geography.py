"""Where imported features are: inside Tajikistan, with valid shapes.

Operational layers describe things in the country; a point outside it is a typing error
(often latitude and longitude swapped, which the message then says). Invalid polygons are
repaired with `make_valid` and each repair is reported, never done silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

import layers
from eoc.i18n import N_
from layers.validation import Problem

# Checkpoints and sites on the border are digitised a little either side of the line.
BORDER_TOLERANCE_DEG = 0.02  # ~2 km

OUTSIDE = N_("lies outside Tajikistan (longitude {lon}, latitude {lat})")
OUTSIDE_SWAPPED = N_(
    "lies outside Tajikistan (longitude {lon}, latitude {lat}); latitude and longitude look "
    "swapped: swapped back, the point (longitude {lat}, latitude {lon}) is inside the country"
)
OUTSIDE_SHAPE = N_("does not touch Tajikistan")
REPAIRED = N_("geometry was not valid ({reason}) and was repaired")


@dataclass(frozen=True)
class Country:
    """The country outline, buffered by the border tolerance and prepared for fast tests."""

    shape: BaseGeometry

    def contains(self, geometries: np.ndarray) -> np.ndarray:
        return shapely.intersects(self.shape, geometries)


@lru_cache(maxsize=4)
def load_country(path: str, *, tolerance_deg: float = BORDER_TOLERANCE_DEG) -> Country:
    """The outline in `path` (e.g. data/seed/tj_adm0.geojson), read once per path."""
    outline = gpd.read_file(Path(path)).to_crs(4326).union_all()
    shape = outline.buffer(tolerance_deg)
    shapely.prepare(shape)
    return Country(shape)


def outside_problems(
    gdf: gpd.GeoDataFrame, spec: layers.LayerSpec, country: Country
) -> list[Problem]:
    """A problem for every feature of `gdf` (in EPSG:4326) that is not in the country."""
    geometry = gdf.geometry.to_numpy()
    present = ~(shapely.is_missing(geometry) | shapely.is_empty(geometry))
    inside = np.ones(len(gdf), dtype=bool)
    inside[present] = country.contains(geometry[present])
    problems = []
    ids = _ids(gdf, spec)
    for row in np.flatnonzero(~inside):
        geom = geometry[row]
        if geom.geom_type != "Point":
            problems.append(Problem.of(spec, int(row), ids[row], "geometry", OUTSIDE_SHAPE))
            continue
        lon, lat = round(geom.x, 6), round(geom.y, 6)
        swapped = shapely.Point(geom.y, geom.x)
        template = OUTSIDE_SWAPPED if country.contains(np.array([swapped]))[0] else OUTSIDE
        problems.append(
            Problem.of(spec, int(row), ids[row], "geometry", template, lon=lon, lat=lat)
        )
    return problems


def repair_geometries(
    gdf: gpd.GeoDataFrame, spec: layers.LayerSpec
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """`gdf` with invalid polygons and lines made valid, and a notice for each repair."""
    geometry = gdf.geometry.to_numpy()
    present = ~(shapely.is_missing(geometry) | shapely.is_empty(geometry))
    invalid = np.flatnonzero(present & ~shapely.is_valid(geometry))
    if invalid.size == 0:
        return gdf, []
    fixed = geometry.copy()
    notices = []
    ids = _ids(gdf, spec)
    for row in invalid:
        reason = shapely.is_valid_reason(geometry[row])
        repaired = shapely.make_valid(geometry[row], method="structure", keep_collapsed=False)
        fixed[row] = _same_family(repaired, spec.geometry)
        notices.append(Problem.of(spec, int(row), ids[row], "geometry", REPAIRED, reason=reason))
    out = gdf.copy()
    out[out.geometry.name] = gpd.GeoSeries(fixed, index=gdf.index, crs=gdf.crs)
    return out, notices


def _same_family(geom: BaseGeometry, wanted: str) -> BaseGeometry:
    """The parts of a repaired geometry that are of the layer's kind (a collection can appear)."""
    if geom.geom_type != "GeometryCollection":
        return geom
    parts = [g for g in shapely.get_parts(geom) if wanted in g.geom_type]
    if not parts:
        return geom
    return shapely.union_all(parts)


def _ids(gdf: gpd.GeoDataFrame, spec: layers.LayerSpec) -> list[str | None]:
    if spec.id_field not in gdf.columns:
        return [None] * len(gdf)
    return [None if pd.isna(v) else str(v) for v in gdf[spec.id_field]]
