"""Estimated shaking (MMI) around an earthquake, and the hazard zones it gives.

The intensity prediction equation (IPE) is Allen, Wald & Worden (2012), "Intensity attenuation
for active crustal regions", J. Seismol. 16:409–433, in its hypocentral-distance form:

    MMI = c0 + c1·M + c2·ln(√(R² + Rm²))                    R ≤ 50 km
    MMI = c0 + c1·M + c2·ln(√(R² + Rm²)) + c4·ln(R / 50)    R > 50 km
    Rm  = m1 + m2·exp(M − 5)                                (near-source saturation)

R is the hypocentral distance (km), M the moment magnitude. Coefficients as implemented by the
GEM OpenQuake engine (`openquake/hazardlib/gsim/allen_2012_ipe.py`, `AllenEtAl2012Rhypo`):
c0 = 2.085, c1 = 1.428, c2 = −1.402, c4 = 0.078, m1 = −0.209, m2 = 2.042. They were taken from
that implementation and its verification table, not read off the paper here; the tests
reproduce the table (`tests/gsim/data/a12ipe/AWW_IPE_RHYPO_MEAN.csv`, which GEM says was
generated from an independent Matlab implementation). No site amplification, no rupture
extent: a point source on average ground. This is a first estimate for the minutes before a
USGS ShakeMap exists, not a replacement for one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import layers
from eoc.analysis.active import AnalysisInputError, as_utc

C0, C1, C2, C4 = 2.085, 1.428, -1.402, 0.078
M1, M2 = -0.209, 2.042
FAR_KM = 50.0  # beyond this hypocentral distance the anelastic term c4 applies
MAX_RADIUS_KM = 2000.0
METRIC_CRS = "EPSG:32642"
DEFAULT_LEVELS = (6, 7, 8, 9)
IPE_NAME = "Allen, Wald & Worden (2012) IPE, hypocentral form (AllenEtAl2012Rhypo)"

ROMAN = {
    1: "I",
    2: "II",
    3: "III",
    4: "IV",
    5: "V",
    6: "VI",
    7: "VII",
    8: "VIII",
    9: "IX",
    10: "X",
    11: "XI",
    12: "XII",
}


def severity_of_mmi(level: float) -> str:
    """Zone severity of an MMI level: VI moderate, VII high, VIII and above very high."""
    if level >= 8:
        return "very_high"
    if level >= 7:
        return "high"
    if level >= 6:
        return "moderate"
    return "low"


def mmi_at_hypocentral(magnitude: float | np.ndarray, rhypo_km: float | np.ndarray) -> np.ndarray:
    """Median MMI at hypocentral distance `rhypo_km` (vectorised; broadcasts)."""
    m = np.asarray(magnitude, dtype=float)
    r = np.asarray(rhypo_km, dtype=float)
    if np.any(r < 0):
        raise AnalysisInputError("a distance is negative")
    r_m = M1 + M2 * np.exp(m - 5.0)
    mmi = C0 + C1 * m + C2 * np.log(np.sqrt(r**2 + r_m**2))
    with np.errstate(divide="ignore"):
        anelastic = np.where(r > FAR_KM, C4 * np.log(np.maximum(r, FAR_KM) / FAR_KM), 0.0)
    return mmi + anelastic


def mmi_at(
    magnitude: float | np.ndarray,
    distance_km: float | np.ndarray,
    depth_km: float | np.ndarray = 0.0,
) -> np.ndarray:
    """Median MMI at epicentral distance `distance_km` from a quake `depth_km` deep."""
    depth = np.maximum(np.asarray(depth_km, dtype=float), 0.0)
    return mmi_at_hypocentral(magnitude, np.hypot(np.asarray(distance_km, dtype=float), depth))


def radius_km(magnitude: float, level: float, depth_km: float = 0.0) -> float:
    """Epicentral distance (km) out to which the median MMI reaches `level`; 0 if nowhere.

    MMI falls with distance (dMMI/dR < 0 for every R: |c2| R/(R²+Rm²) > c4/R), so bisection
    on hypocentral distance finds the one crossing.
    """
    depth = max(float(depth_km), 0.0)
    if mmi_at_hypocentral(magnitude, depth) < level:
        return 0.0
    low, high = depth, MAX_RADIUS_KM
    if mmi_at_hypocentral(magnitude, high) >= level:
        return float(np.sqrt(high**2 - depth**2))
    for _ in range(80):  # 2000 km / 2**80: far below a metre
        middle = 0.5 * (low + high)
        if mmi_at_hypocentral(magnitude, middle) >= level:
            low = middle
        else:
            high = middle
    return float(np.sqrt(max(low**2 - depth**2, 0.0)))


def intensity_zones(
    lon: float,
    lat: float,
    depth_km: float,
    magnitude: float,
    *,
    event_id: str,
    event_time: datetime | pd.Timestamp | str,
    levels: Sequence[int] = DEFAULT_LEVELS,
    title: str | None = None,
    metric_crs: str = METRIC_CRS,
    quad_segs: int = 16,
    zone_prefix: str | None = None,
) -> gpd.GeoDataFrame:
    """Non-overlapping MMI rings around an epicentre, as hazard_zones rows in EPSG:4326.

    One zone per level: level L covers where the median MMI is at least L and below the next
    level; the highest level is open-ended ("IX+"). Zone ids are f"{zone_prefix}-MMI{L}" (by
    default f"USGS-{event_id}"; the id of the incident that holds the event); levels that are
    not reached are left out. Circles are drawn in `metric_crs` with 4·`quad_segs` segments (64
    by default) and brought back to EPSG:4326.
    """
    levels = sorted({int(level) for level in levels})
    if not levels or levels[0] < 1 or levels[-1] > 12:
        raise AnalysisInputError(f"MMI levels must be between 1 and 12, not {levels}")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise AnalysisInputError(f"epicentre {lon}, {lat} is not a longitude/latitude")
    start = as_utc(event_time)
    radii_m = [radius_km(magnitude, level, depth_km) * 1000.0 for level in levels]
    centre = gpd.GeoSeries([shapely.Point(lon, lat)], crs="EPSG:4326").to_crs(metric_crs).iloc[0]
    label = title or f"M{magnitude:.1f} earthquake {event_id}"
    prefix = zone_prefix or f"USGS-{event_id}"
    rows = []
    for i, (level, outer_m) in enumerate(zip(levels, radii_m, strict=True)):
        if outer_m <= 0:
            continue
        ring = shapely.buffer(centre, outer_m, quad_segs=quad_segs)
        top = i == len(levels) - 1
        if not top and radii_m[i + 1] > 0:
            ring = ring.difference(shapely.buffer(centre, radii_m[i + 1], quad_segs=quad_segs))
        if ring.is_empty:
            continue
        roman = ROMAN[level] + ("+" if top else "")
        rows.append(
            {
                "zone_id": f"{prefix}-MMI{level}",
                "name": f"{label} - estimated MMI {roman}",
                "hazard_type": "earthquake",
                "severity": severity_of_mmi(level),
                "mmi": float(level),
                "source": (
                    f"USGS event {event_id} (M{magnitude:.1f}, depth {depth_km:g} km); "
                    f"median MMI estimated with {IPE_NAME}; not a ShakeMap"
                ),
                "valid_from": start,
                "valid_to": pd.NaT,
                "adm1_iso": None,
                "geometry": ring,
            }
        )
    spec = layers.get("hazard_zones")
    columns = [*spec.field_names, "geometry"]
    if not rows:
        empty = gpd.GeoDataFrame(
            {name: [] for name in columns}, geometry="geometry", crs=metric_crs
        )
        return layers.conform(empty.to_crs(4326), spec)
    zones = gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=metric_crs)
    return layers.conform(zones.to_crs(4326), spec)
