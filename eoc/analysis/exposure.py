"""Hazard exposure: which sites, places, facilities, projects and checkpoints lie in which zone.

Point-in-zone tests run in the CRS the data comes in (EPSG:4326 from the store); distances and
buffers run in UTM 42N (EPSG:32642), which covers Tajikistan. Spatial indexes do the pairing:
one shapely STRtree is built on the many points and queried by the few zones (3–5× faster than
the other way round, see TECH-NOTES "Spatial work"); no Python loop visits a pair.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import layers
from eoc.analysis.active import AnalysisInputError
from layers.hazard_zones import SEVERITIES

METRIC_CRS = "EPSG:32642"
NOT_RECORDED = "not recorded"
CONTAINS_THREADS = 2  # the EOC laptops and the test machine have two cores

# Who lives at a feature: residents of a place, people staying at a site.
PEOPLE_FIELDS: Mapping[str, str] = {"places": "population", "displacement_sites": "individuals"}
SEVERITY_RANK: Mapping[str, int] = {name: rank for rank, name in enumerate(SEVERITIES)}
ZONE_FIELDS = ("zone_id", "hazard_type", "severity")
EXPOSURE_COLUMNS = (
    "zone_id",
    "hazard_type",
    "severity",
    "mmi",
    "layer",
    "feature_id",
    "name",
    "people",
    "adm1_iso",
    "adm2_name",
    "distance_km",
)
_ZONE_ATTRIBUTES = ("severity", "mmi")  # attributes of the zone, not of the feature
_CATEGORY_COLUMNS = ("zone_id", "hazard_type", "severity", "layer", "adm1_iso", "adm2_name")


def exposed_features(
    features_by_layer: Mapping[str, gpd.GeoDataFrame],
    zones: gpd.GeoDataFrame,
    *,
    regions: gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """One row per (zone, feature) where the feature lies inside the zone.

    `features_by_layer` maps layer names (displacement_sites, places, …) to point layers;
    `zones` are hazard zones, usually already cut to those active now (`active_at`). Columns
    are EXPOSURE_COLUMNS: `people` is the population of a place or the individuals at a site
    (missing for other layers); `adm1_iso`/`adm2_name` come from the feature's own fields or,
    where those are missing, from `regions`/`districts` by location. A feature inside two
    overlapping zones appears twice: use `worst_exposure` or `exposure_totals` to count it
    once. Rows come layer by layer, grouped by zone in the zones' order (within a zone in
    spatial-index order: sort the table if a fixed order matters).
    """
    return _exposure(features_by_layer, zones, 0.0, regions, districts)


def features_near_zones(
    features_by_layer: Mapping[str, gpd.GeoDataFrame],
    zones: gpd.GeoDataFrame,
    *,
    buffer_m: float,
    regions: gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Like `exposed_features`, for features within `buffer_m` metres of a zone (or in it).

    `distance_km` is the distance to that zone's edge (0 inside), measured in EPSG:32642.
    """
    if not np.isfinite(buffer_m) or buffer_m < 0:
        raise AnalysisInputError(f"buffer_m must be a distance of 0 m or more, not {buffer_m}")
    return _exposure(features_by_layer, zones, float(buffer_m), regions, districts)


def worst_exposure(exposed: pd.DataFrame, *, per: Sequence[str] = ("hazard_type",)) -> pd.DataFrame:
    """Each feature once per value of `per` (default: per hazard type), at its worst zone.

    "Worst" is the highest severity, then the highest MMI, then the first zone id.
    """
    _require_columns(exposed, ("layer", "feature_id", "zone_id", "severity", "mmi", *per))
    if exposed.empty:
        return exposed.reset_index(drop=True)
    ranked = exposed.assign(
        _rank=exposed["severity"].map(SEVERITY_RANK).fillna(-1).astype("int64"),
        _mmi=pd.to_numeric(exposed["mmi"]).astype("float64").fillna(-1.0),
    )
    ranked = ranked.sort_values(
        ["_rank", "_mmi", "zone_id"], ascending=[False, False, True], kind="stable"
    )
    worst = ranked.drop_duplicates(["layer", "feature_id", *per], keep="first")
    return worst.drop(columns=["_rank", "_mmi"]).sort_index().reset_index(drop=True)


def exposure_totals(
    exposed: pd.DataFrame, *, by: Sequence[str] = ("hazard_type", "severity")
) -> pd.DataFrame:
    """Exposed features and people per group of `by` and layer, each feature counted once.

    A feature in overlapping zones of one hazard counts once, at its highest severity; when
    `by` leaves out `hazard_type` (e.g. by=("adm1_iso",)), a feature exposed to two hazards
    also counts once. Grouping by `zone_id` counts per zone. Returns columns `*by`, `layer`,
    `features` and `people` (missing where the layer has no people, e.g. health facilities).
    """
    by = list(by)
    _require_columns(exposed, (*by, "layer", "feature_id", "people"))
    per = [name for name in by if name not in _ZONE_ATTRIBUTES]
    once = worst_exposure(exposed, per=per)
    keys = once[by].astype("string").fillna(NOT_RECORDED)
    frame = pd.concat(
        [keys, once[["layer", "feature_id"]], pd.to_numeric(once["people"]).astype("Int64")],
        axis=1,
    )
    grouped = frame.groupby([*by, "layer"], sort=False, dropna=False)
    totals = pd.DataFrame(
        {
            "features": grouped["feature_id"].size().astype("int64"),
            "people": grouped["people"].sum(min_count=1).astype("Int64"),
        }
    ).reset_index()
    order = [*by, "layer"]
    if "severity" in by:
        rank = pd.to_numeric(totals["severity"].astype(object).map(SEVERITY_RANK)).fillna(-1)
        totals = totals.assign(_rank=-rank.astype("int64"))
        order = [name if name != "severity" else "_rank" for name in order]
    totals = totals.sort_values(order, kind="stable").reset_index(drop=True)
    return totals.drop(columns=["_rank"], errors="ignore")


def distance_to_nearest_zone(
    features: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, *, id_field: str = "site_id"
) -> pd.DataFrame:
    """Distance (km) from every feature to the nearest zone of each hazard type (0 inside).

    Returns columns feature_id, hazard_type, zone_id, distance_km: one row per feature and
    hazard type present in `zones`, measured in EPSG:32642.
    """
    _check_zones(zones)
    _check_layer(features, zones, id_field, label="features")
    columns = ["feature_id", "hazard_type", "zone_id", "distance_km"]
    if features.empty or zones.empty:
        return _typed(pd.DataFrame({name: [] for name in columns}))
    points = _geometries(features.to_crs(METRIC_CRS))
    metric_zones = zones.to_crs(METRIC_CRS)
    parts = []
    for hazard_type, group in metric_zones.groupby("hazard_type", sort=True):
        tree = shapely.STRtree(_geometries(group))
        (point_idx, zone_idx), distance_m = tree.query_nearest(
            points, return_distance=True, all_matches=False
        )
        parts.append(
            pd.DataFrame(
                {
                    "feature_id": features[id_field].astype("string").to_numpy()[point_idx],
                    "hazard_type": hazard_type,
                    "zone_id": group["zone_id"].astype("string").to_numpy()[zone_idx],
                    "distance_km": distance_m / 1000.0,
                    "_order": point_idx,
                }
            )
        )
    nearest = pd.concat(parts, ignore_index=True)
    nearest = nearest.sort_values(["_order", "hazard_type"], kind="stable")
    return _typed(nearest.drop(columns="_order").reset_index(drop=True))


def empty_exposure() -> pd.DataFrame:
    """An exposure table with no rows (EXPOSURE_COLUMNS, typed)."""
    return _typed(pd.DataFrame({name: [] for name in EXPOSURE_COLUMNS}))


def concat_exposure(*tables: pd.DataFrame) -> pd.DataFrame:
    """Exposure tables (e.g. features and a population grid's pieces) as one typed table."""
    parts = [table for table in tables if not table.empty]
    if not parts:
        return empty_exposure()
    # Categories of different tables do not concatenate as categories: unify them first.
    plain = [part.astype({c: "string" for c in _CATEGORY_COLUMNS}) for part in parts]
    return _typed(pd.concat(plain, ignore_index=True)[list(EXPOSURE_COLUMNS)])


def check_same_crs(zones: gpd.GeoDataFrame, other: gpd.GeoDataFrame, label: str) -> None:
    """Refuse two frames in different (or unknown) CRSs, as geopandas `clip` does."""
    if zones.crs is None or other.crs is None:
        which = "the hazard zones" if zones.crs is None else label
        raise AnalysisInputError(
            f"{which} have no coordinate reference system; set it (EPSG:4326 for store data)"
        )
    if not zones.crs.equals(other.crs):
        raise AnalysisInputError(
            f"the hazard zones are in {zones.crs.to_string()} but {label} are in "
            f"{other.crs.to_string()}; reproject one of them (to_crs) so both match"
        )


# -- the engine ------------------------------------------------------------------------------


def _exposure(
    features_by_layer: Mapping[str, gpd.GeoDataFrame],
    zones: gpd.GeoDataFrame,
    buffer_m: float,
    regions: gpd.GeoDataFrame | None,
    districts: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    _check_zones(zones)
    for label, admin, field in (
        ("regions", regions, "adm1_iso"),
        ("districts", districts, "adm2_name"),
    ):
        if admin is not None:
            check_same_crs(zones, admin, label)
            _require_columns(admin, (field,), label=label)
    parts = []
    for layer, features in features_by_layer.items():
        id_field = layers.get(layer).id_field
        _check_layer(features, zones, id_field, label=layer)
        if features.empty or zones.empty:
            continue
        zone_idx, feature_idx, distance_km = _pairs(features, zones, buffer_m)
        parts.append(
            _rows(
                layer,
                id_field,
                features,
                zones,
                zone_idx,
                feature_idx,
                distance_km,
                regions,
                districts,
            )
        )
    if not parts:
        return empty_exposure()
    return _typed(parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True))


def _pairs(
    features: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, buffer_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(zone index, feature index, distance km) of every feature in (or near) every zone."""
    if buffer_m == 0:
        zone_idx, feature_idx = _points_in_polygons(_geometries(features), _geometries(zones))
        return zone_idx, feature_idx, np.zeros(len(zone_idx))
    points = _geometries(features.to_crs(METRIC_CRS))
    polygons = _geometries(zones.to_crs(METRIC_CRS))
    tree = shapely.STRtree(points)
    zone_idx, feature_idx = tree.query(polygons, predicate="dwithin", distance=buffer_m)
    distance_m = shapely.distance(polygons[zone_idx], points[feature_idx])
    return zone_idx, feature_idx, distance_m / 1000.0


def _points_in_polygons(points: np.ndarray, polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(polygon index, point index) of every point strictly inside a polygon.

    The tree on the points gives the candidate pairs whose boxes overlap; prepared polygons
    then test the candidates in bulk with `contains_xy`, split over CONTAINS_THREADS threads
    (shapely releases the GIL there). Measured 3× faster than `query(predicate="contains")`,
    which tests pair by pair and holds the GIL (bench/bench_exposure.py).
    """
    tree = shapely.STRtree(points)
    polygon_idx, point_idx = tree.query(polygons)
    if len(polygon_idx) == 0:
        return polygon_idx, point_idx
    x, y = shapely.get_x(points), shapely.get_y(points)
    # Prepare only what the caller had not prepared, and undo it after: inputs stay as given.
    fresh = polygons[~shapely.is_prepared(polygons)]
    shapely.prepare(fresh)
    try:

        def inside(pairs: np.ndarray) -> np.ndarray:
            pi, qi = polygon_idx[pairs], point_idx[pairs]
            return shapely.contains_xy(polygons[pi], x[qi], y[qi])

        if len(polygon_idx) < 50_000:
            hit = inside(np.arange(len(polygon_idx)))
        else:
            # Each thread owns whole polygons: a prepared geometry builds its index lazily and
            # must not be used by two threads at once.
            owner = polygon_idx % CONTAINS_THREADS
            shares = [np.flatnonzero(owner == k) for k in range(CONTAINS_THREADS)]
            hit = np.empty(len(polygon_idx), dtype=bool)
            with ThreadPoolExecutor(CONTAINS_THREADS) as pool:
                for share, result in zip(shares, pool.map(inside, shares), strict=True):
                    hit[share] = result
    finally:
        shapely.destroy_prepared(fresh)
    return polygon_idx[hit], point_idx[hit]


def _rows(
    layer: str,
    id_field: str,
    features: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    zone_idx: np.ndarray,
    feature_idx: np.ndarray,
    distance_km: np.ndarray,
    regions: gpd.GeoDataFrame | None,
    districts: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    people_field = PEOPLE_FIELDS.get(layer)
    people = (
        pd.to_numeric(features[people_field]).astype("Int64").array
        if people_field in features.columns
        else pd.array([pd.NA] * len(features), dtype="Int64")
    )
    # Which features are exposed at all, without sorting millions of pairs (np.unique sorts).
    seen = np.zeros(len(features), dtype=bool)
    seen[feature_idx] = True
    exposed = np.flatnonzero(seen)
    adm1 = _admin(features, "adm1_iso", regions, exposed)
    adm2 = _admin(features, "adm2_name", districts, exposed)
    # Repeated words (zone ids, hazards, regions) are kept as categories: millions of pairs
    # then cost an integer each, not a string copy each.
    return pd.DataFrame(
        {
            "zone_id": _coded(_column(zones, "zone_id", "string"), zone_idx),
            "hazard_type": _coded(_column(zones, "hazard_type", "string"), zone_idx),
            "severity": _coded(_column(zones, "severity", "string"), zone_idx),
            "mmi": _column(zones, "mmi", "Float64")[zone_idx],
            "layer": pd.Categorical.from_codes(np.zeros(len(zone_idx), dtype="int8"), [layer]),
            "feature_id": _column(features, id_field, "string")[feature_idx],
            "name": _column(features, "name", "string")[feature_idx],
            "people": people[feature_idx],
            "adm1_iso": _coded(adm1, feature_idx),
            "adm2_name": _coded(adm2, feature_idx),
            "distance_km": distance_km,
        }
    )


def _coded(values, idx: np.ndarray) -> pd.Categorical:
    codes, uniques = pd.factorize(values)
    return pd.Categorical.from_codes(codes[idx], categories=pd.Index(uniques, dtype="string"))


def _admin(
    features: gpd.GeoDataFrame,
    field: str,
    areas: gpd.GeoDataFrame | None,
    exposed: np.ndarray,
) -> pd.arrays.StringArray:
    """`field` per feature: its own value, else (for exposed features) the area it lies in."""
    values = _column(features, field, "string")
    if areas is None:
        return values
    # Only the exposed features without a value are located (few, not every row).
    unknown = exposed[np.asarray(values[exposed].isna(), dtype=bool)]
    if len(unknown) == 0:
        return values
    tree = shapely.STRtree(_geometries(features)[unknown])
    area_idx, point_idx = tree.query(_geometries(areas), predicate="contains")
    codes = _column(areas, field, "string")
    values = values.copy()
    # Reversed so that, where areas overlap, the first area listed wins.
    values[unknown[point_idx[::-1]]] = codes[area_idx[::-1]]
    return values


# -- checks and small helpers ----------------------------------------------------------------


def _check_zones(zones: gpd.GeoDataFrame) -> None:
    if not isinstance(zones, gpd.GeoDataFrame):
        raise AnalysisInputError("the hazard zones must be a GeoDataFrame with polygons")
    _require_columns(zones, ZONE_FIELDS, label="the hazard zones")
    if zones.crs is None:
        raise AnalysisInputError(
            "the hazard zones have no coordinate reference system; "
            "set it (EPSG:4326 for store data)"
        )


def _check_layer(
    features: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, id_field: str, *, label: str
) -> None:
    if not isinstance(features, gpd.GeoDataFrame):
        raise AnalysisInputError(f"{label} must be a GeoDataFrame of points")
    _require_columns(features, (id_field,), label=label)
    check_same_crs(zones, features, label)
    kinds = set(features.geometry.dropna().geom_type.unique())
    if kinds - {"Point"}:
        raise AnalysisInputError(
            f"{label} hold {', '.join(sorted(kinds - {'Point'}))} geometries; exposure counts "
            "points only (use centroids for areas)"
        )


def _require_columns(
    frame: pd.DataFrame, names: Iterable[str], *, label: str = "the table"
) -> None:
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise AnalysisInputError(
            f"{label} have no field {', '.join(missing)}; "
            f"fields present: {', '.join(map(str, frame.columns))}"
        )


def _geometries(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(gdf.geometry.array, dtype=object)


def _column(frame: pd.DataFrame, name: str, dtype: str):
    if name not in frame.columns:
        return pd.array([pd.NA] * len(frame), dtype=dtype)
    values = frame[name]
    if dtype == "string":
        return values.astype("string").array
    return pd.to_numeric(values).astype(dtype).array


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    types = {
        "zone_id": "category",
        "hazard_type": "category",
        "severity": "category",
        "mmi": "Float64",
        "layer": "category",
        "feature_id": "string",
        "name": "string",
        "people": "Int64",
        "adm1_iso": "category",
        "adm2_name": "category",
        "distance_km": "float64",
    }
    wanted = {name: kind for name, kind in types.items() if name in table.columns}
    changed = {name: kind for name, kind in wanted.items() if str(table[name].dtype) != kind}
    return table.astype(changed) if changed else table
