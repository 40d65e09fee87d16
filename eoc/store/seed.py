"""Build a store from the seed files in data/seed/."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import geopandas as gpd

import layers
from eoc.config import DEFAULT_CAP_SENDER
from eoc.errors import ValidationError
from eoc.store.base import Store
from layers.spec import N_


def load_seed(seed_dir: Path) -> dict[str, gpd.GeoDataFrame]:
    """Every registered layer read from its seed file, validated and typed.

    Raises ValidationError with every problem of every layer; a missing file is a problem too.
    """
    frames: dict[str, gpd.GeoDataFrame] = {}
    problems: list[layers.Problem] = []
    for name, spec in layers.REGISTRY.items():
        path = seed_dir / spec.seed_file
        if not path.is_file():
            problems.append(
                layers.Problem.of(
                    spec, None, None, None, N_("seed file {path} is missing"), path=str(path)
                )
            )
            continue
        gdf = gpd.read_file(path)
        found = layers.validate(gdf, spec)
        problems.extend(found)
        if not found:
            frames[name] = layers.conform(gdf, spec)
    if problems:
        raise ValidationError(problems, action=N_("the store was not changed"))
    return frames


def build_from_seed(
    store: Store,
    seed_dir: Path,
    *,
    now: datetime,
    progress: Callable[[str], None] = lambda message: None,
    cap_sender: str = DEFAULT_CAP_SENDER,
) -> int:
    """Replace the whole store with the seed; return the new version. All or nothing.

    `cap_sender` signs the scenario's CAP alerts (the `cap_sender` setting).
    """
    progress(f"reading and validating seed files in {seed_dir}")
    frames = load_seed(seed_dir)
    if "population_grids" in frames:
        from eoc.io.raster import publish_seed_grids  # late: only a build copies grid files

        # The files first: a store row never names a grid file that is not there.
        publish_seed_grids(store, frames["population_grids"], seed_dir)
    progress(f"writing {len(frames)} layers to {store.location}")
    version = store.replace_all(frames, now=now)
    from eoc.alerts.seed import load_seed_alerts  # late: alerts import the store modules

    # The scenario's alerts and messages.
    load_seed_alerts(store.sql, seed_dir, frames, now=now, sender=cap_sender)
    return version
