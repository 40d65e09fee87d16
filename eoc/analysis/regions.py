"""Selecting features by administrative region."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd

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
