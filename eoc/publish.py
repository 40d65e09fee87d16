"""The public (redacted) view of a layer: the only way data reaches a public page or export.

Public is a whitelist. A layer spec marks the fields a donor or a member of the public may
see; everything else, every row flagged sensitive and every whole sensitive layer stays on
the server. Counts of people are rounded and coordinates are coarsened so that a small site
cannot be found from the public map. Every rule fails closed: a frame that cannot be
checked (no CRS, no sensitive column, an unknown layer) is refused, never passed through.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import layers
from eoc.errors import PublicationError
from layers.spec import N_

# What the public view does, said on every public page and export.
PUBLIC_NOTE = N_(
    "Public view: sensitive locations are left out, people are counted "
    "to the nearest 10 and small sites are shown within about 1 km."
)

# Counts of people (and places for people) are rounded before publication: exact figures
# of a small group can identify households, and donors need orders of magnitude anyway.
POPULATION_FIELDS = frozenset({"individuals", "households", "capacity", "beneficiaries"})
POPULATION_STEP = 10

# Sites where fewer people than this live are small enough that an exact point identifies
# the building or the families (a host family cluster of 45 people is a few houses in one
# village). Above ~200 people a site is a school, a camp or a stadium that everybody in the
# district already knows. The rule applies to any layer that counts residents in this field.
SMALL_SITE_FIELD = "individuals"
SMALL_SITE_PEOPLE = 200
# 0.01° grid: about 1.1 km north-south and 0.9 km east-west at Tajikistan's latitude
# (37-41° N), so a small site is shown within ~0.7 km of where it is: the right village or
# quarter, not the house.
SMALL_SITE_GRID_DEG = 0.01
# Every other public coordinate: 0.001° (~100 m), plenty for a country-scale map and no
# more precise than the public needs.
PUBLIC_GRID_DEG = 0.001

PUBLIC_CRS = "EPSG:4326"

# The operational layers the public map and its export show. Registering a layer does not
# publish it: a layer reaches the public only when it is added here on purpose (after its
# spec's public fields have been reviewed), and even then only through `public_view`.
PUBLISHED_LAYERS = (
    "hazard_zones",
    "displacement_sites",
    "border_checkpoints",
    "infrastructure_projects",
)


def public_view(gdf: gpd.GeoDataFrame, spec: layers.LayerSpec) -> gpd.GeoDataFrame | None:
    """What of layer `gdf` the public may see, or None if the layer is sensitive as a whole.

    Sensitive rows are dropped, only `spec.public_fields` are kept, counts of people are
    rounded to POPULATION_STEP and coordinates to the public grids. Returns a new frame.
    """
    if spec.sensitive:
        return None
    if gdf.crs is None:
        raise PublicationError(
            f"layer {spec.name} has no coordinate system; it cannot be rounded for publication"
        )
    gdf = gdf.to_crs(PUBLIC_CRS) if gdf.crs != PUBLIC_CRS else gdf
    keep = _not_sensitive(gdf, spec)
    rows = gdf[keep]
    columns = [name for name in spec.public_fields if name in rows.columns]
    public = gpd.GeoDataFrame(
        {name: _public_values(rows[name]) for name in columns},
        geometry=_public_geometry(rows, spec),
        crs=PUBLIC_CRS,
    )
    return public.reset_index(drop=True)  # the index would show where dropped rows were


def public_layers(frames: Mapping[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """The public view of every frame in `frames` (keyed by layer name); sensitive layers omitted.

    Raises UnknownLayerError for a name that is not in the registry.
    """
    views = {name: public_view(gdf, layers.get(name)) for name, gdf in frames.items()}
    return {name: view for name, view in views.items() if view is not None}


def public_tooltip(spec: layers.LayerSpec) -> tuple[str, ...]:
    """Every public field of `spec`, its tooltip's first: what a public map shows of a feature.

    The public page, the offline public map and `eoc export --public` all carry exactly
    `spec.public_fields`; this only orders them for reading.
    """
    public = spec.public_fields
    first = tuple(name for name in spec.tooltip if name in public)
    return first + tuple(name for name in public if name not in first)


def round_population(values: pd.Series) -> pd.Series:
    """Counts rounded half-up to the nearest POPULATION_STEP (missing stays missing)."""
    numbers = pd.to_numeric(values).astype("Float64")
    rounded = np.floor(numbers / POPULATION_STEP + 0.5) * POPULATION_STEP
    return rounded.astype("Int64")


def _not_sensitive(gdf: gpd.GeoDataFrame, spec: layers.LayerSpec) -> pd.Series:
    """True for rows that may be published; a missing or unknown flag counts as sensitive."""
    if spec.sensitive_field is None:
        return pd.Series(True, index=gdf.index)
    if spec.sensitive_field not in gdf.columns:
        raise PublicationError(
            f"layer {spec.name} has no '{spec.sensitive_field}' column, so its sensitive rows "
            "cannot be told apart; nothing was published"
        )
    flag = gdf[spec.sensitive_field].astype("boolean")
    return flag.eq(False).fillna(False).astype(bool)


def _public_values(values: pd.Series) -> pd.Series:
    if values.name in POPULATION_FIELDS:
        return round_population(values)
    return values.copy()


def _public_geometry(rows: gpd.GeoDataFrame, spec: layers.LayerSpec) -> gpd.GeoSeries:
    geometry = rows.geometry.to_numpy()
    grid = np.full(len(rows), PUBLIC_GRID_DEG)
    if SMALL_SITE_FIELD in rows.columns:
        people = pd.to_numeric(rows[SMALL_SITE_FIELD]).astype("Float64")
        # Unknown head counts are treated as small: fail closed.
        small = people.lt(SMALL_SITE_PEOPLE).fillna(True).to_numpy(dtype=bool)
        grid[small] = SMALL_SITE_GRID_DEG
    rounded = shapely.set_precision(geometry, grid)
    return gpd.GeoSeries(rounded, crs=PUBLIC_CRS).set_axis(rows.index)


def published_counts(frames: Mapping[str, gpd.GeoDataFrame]) -> dict[str, int]:
    """Rows of the public view of each published layer in `frames` (others are ignored)."""
    published = {name: gdf for name, gdf in frames.items() if name in PUBLISHED_LAYERS}
    return {name: len(view) for name, view in public_layers(published).items()}
