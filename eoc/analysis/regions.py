"""Selecting features by administrative region."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import pandas as pd

from eoc.errors import EocError, gettext


def region_geometry(regions: gpd.GeoDataFrame, adm1_iso: str):
    """The geometry of region `adm1_iso` from the regions layer."""
    match = regions[regions["adm1_iso"] == adm1_iso]
    if match.empty:
        known = ", ".join(sorted(regions["adm1_iso"].astype(str)))
        raise EocError(
            gettext("unknown region '{region}'; known regions: {known}").format(
                region=adm1_iso, known=known
            )
        )
    return match.geometry.union_all()


def features_in_region(
    frames: Mapping[str, gpd.GeoDataFrame], regions: gpd.GeoDataFrame, adm1_iso: str
) -> dict[str, gpd.GeoDataFrame]:
    """Each frame cut down to the features that touch region `adm1_iso` (spatial test)."""
    area = region_geometry(regions, adm1_iso)
    return {name: gdf[gdf.intersects(area)] for name, gdf in frames.items()}


METRIC_CRS = 32642  # UTM 42N: metres across Tajikistan
# Boundaries are simplified: a point a few hundred metres outside every polygon (on a river
# border, in a valley the line cuts) still belongs to the nearest unit within this distance.
BOUNDARY_TOLERANCE_M = 1000.0


def locate_points(
    points: gpd.GeoSeries,
    regions: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    *,
    tolerance_m: float = BOUNDARY_TOLERANCE_M,
) -> pd.DataFrame:
    """The region (`adm1_iso`) and district (`adm2_name`) each point lies in, on `points`' index.

    A point in no unit (abroad, or farther than `tolerance_m` from every boundary) gets nulls.
    """
    for name, frame in (("regions", regions), ("districts", districts)):
        if frame.crs is None or points.crs is None or not frame.crs.equals(points.crs):
            raise EocError(
                gettext("the {layer} layer and the points must share one CRS").format(layer=name)
            )
    out = pd.DataFrame(
        {
            "adm1_iso": _unit_of(points, regions, "adm1_iso", tolerance_m),
            "adm2_name": _unit_of(points, districts, "adm2_name", tolerance_m),
        },
        index=points.index,
    )
    # A district's region is the region: the two must agree even right on a boundary.
    district_region = dict(
        zip(districts["adm2_name"].astype(str), districts["adm1_iso"].astype(str), strict=True)
    )
    from_district = out["adm2_name"].map(district_region)
    out["adm1_iso"] = from_district.where(from_district.notna(), out["adm1_iso"])
    return out.astype("string")


def _unit_of(points: gpd.GeoSeries, units: gpd.GeoDataFrame, key: str, tolerance_m: float):
    values = pd.Series(pd.NA, index=points.index, dtype="string")
    valid = points.notna() & ~points.is_empty
    if units.empty or not valid.any():
        return values
    inside = gpd.sjoin(
        gpd.GeoDataFrame(geometry=points[valid]), units[[key, "geometry"]], predicate="within"
    )
    inside = inside[~inside.index.duplicated(keep="first")]
    values.loc[inside.index] = inside[key].astype(str)
    missing = valid & values.isna()
    if missing.any():
        near = gpd.sjoin_nearest(
            gpd.GeoDataFrame(geometry=points[missing]).to_crs(METRIC_CRS),
            units[[key, "geometry"]].to_crs(METRIC_CRS),
            max_distance=tolerance_m,
        )
        near = near[~near.index.duplicated(keep="first")]
        values.loc[near.index] = near[key].astype(str)
    return values
