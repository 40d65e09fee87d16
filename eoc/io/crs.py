"""Coordinate systems of incoming files: read, chosen by the user, reprojected to WGS 84.

pyproj works offline here: network grids are switched off, so every transformation uses the
parameters in its bundled database (Pulkovo 1942 zones carry their own TOWGS84 shift).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
from pyproj.exceptions import CRSError

from eoc.i18n import _
from eoc.io.safety import ImportRefusedError

WGS84 = pyproj.CRS.from_epsg(4326)
# The systems Tajik survey data come in; offered in the upload page's list.
KNOWN_CRS: dict[int, str] = {
    4326: "WGS 84 (longitude/latitude)",
    28412: "Pulkovo 1942 / Gauss-Krüger zone 12",
    28413: "Pulkovo 1942 / Gauss-Krüger zone 13",
    32642: "WGS 84 / UTM zone 42N",
    32643: "WGS 84 / UTM zone 43N",
}


def parse_crs(value: str | int | None) -> pyproj.CRS | None:
    """'28412', 'EPSG:28412' or 28412 as a CRS; None stays None."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    try:
        return pyproj.CRS.from_user_input(int(text) if text.isdigit() else text)
    except CRSError:
        raise ImportRefusedError(
            _(
                "'{crs}' is not a coordinate system pyproj knows; give an EPSG code like 28412"
            ).format(crs=text)
        ) from None


def to_wgs84(
    gdf: gpd.GeoDataFrame, *, override: pyproj.CRS | None = None, name: str
) -> tuple[gpd.GeoDataFrame, pyproj.CRS]:
    """`gdf` in EPSG:4326 and the CRS it came in.

    `override` (from --crs) wins over what the file says; a file with no CRS is taken as
    WGS 84 only when its coordinates are plausible degrees.
    """
    pyproj.network.set_network_enabled(False)
    source = override or gdf.crs
    if source is None:
        if not _plausible_degrees(gdf):
            raise ImportRefusedError(
                _(
                    "{file} does not say its coordinate system and its coordinates are not "
                    "degrees; give it with --crs (e.g. 28412 for Pulkovo 1942 zone 12, "
                    "32642 for UTM 42N){hint}"
                ).format(file=name, hint=_guess_hint(gdf))
            )
        source = WGS84
    gdf = gdf.set_crs(source, allow_override=True)
    if pyproj.CRS(source).equals(WGS84, ignore_axis_order=True):
        return gdf.to_crs(WGS84) if gdf.crs != WGS84 else gdf, pyproj.CRS(source)
    try:
        out = gdf.to_crs(WGS84)
    except (CRSError, ValueError) as exc:
        raise ImportRefusedError(
            _("cannot convert {file} from {crs} to WGS 84: {error}").format(
                file=name, crs=pyproj.CRS(source).name, error=exc
            )
        ) from None
    if not _finite(out):
        raise ImportRefusedError(
            _(
                "{file}: converting from {crs} gave impossible coordinates; is the CRS right?"
            ).format(file=name, crs=pyproj.CRS(source).name)
        )
    return out, pyproj.CRS(source)


def _plausible_degrees(gdf: gpd.GeoDataFrame) -> bool:
    geoms = gdf.geometry[~gdf.geometry.is_empty & gdf.geometry.notna()]
    if geoms.empty:
        return True
    minx, miny, maxx, maxy = geoms.total_bounds
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def _finite(gdf: gpd.GeoDataFrame) -> bool:
    geoms = gdf.geometry[~gdf.geometry.is_empty & gdf.geometry.notna()]
    return geoms.empty or bool(np.isfinite(geoms.total_bounds).all())


def _guess_hint(gdf: gpd.GeoDataFrame) -> str:
    """A likely CRS from the size of the numbers (Gauss-Krüger eastings carry the zone)."""
    geoms = gdf.geometry[~gdf.geometry.is_empty & gdf.geometry.notna()]
    if geoms.empty:
        return ""
    x = float(np.median(geoms.bounds["minx"]))
    y = float(np.median(geoms.bounds["miny"]))
    if 12_000_000 <= x < 13_000_000:
        code = 28412
    elif 13_000_000 <= x < 14_000_000:
        code = 28413
    elif 100_000 <= x < 1_000_000 and 4_000_000 <= y < 4_700_000:
        return _("; the numbers look like UTM (32642 or 32643)")
    else:
        return ""
    return _("; the numbers look like EPSG:{code}").format(code=code)
