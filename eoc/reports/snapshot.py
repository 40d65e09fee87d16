"""Every layer a report needs, read from the store at one version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from eoc.errors import StoreError
from eoc.i18n import _
from eoc.io.raster import grid_file_in_use

SITREP_LAYERS = (
    "regions",
    "districts",
    "country",
    "neighbours",
    "places",
    "health_facilities",
    "education_facilities",
    "population_grids",
    "roads",
    "hazard_zones",
    "displacement_sites",
    "border_checkpoints",
    "infrastructure_projects",
    "incidents",
)
_ATTEMPTS = 5


@dataclass(frozen=True)
class Snapshot:
    """Layers as they were at `version` (the store's data time `data_time`)."""

    version: int
    data_time: datetime | None
    frames: dict[str, gpd.GeoDataFrame]
    grid_file: Path | None = None  # the file of the population grid in use, if there is one
    alerts: tuple = ()  # published CAP alerts (eoc.alerts.workflow.AlertRow), for the sitrep
    flow_counts: pd.DataFrame | None = None  # the flow-monitoring registry (eoc.flows.registry)
    exercise: str | None = None  # the exercise's title when the store is an exercise sandbox


def read_snapshot(store, names: Sequence[str] = SITREP_LAYERS) -> Snapshot:
    """Read `names` so that all of them come from one store version.

    The GeoPackage is read layer by layer; a write landing between two reads would mix two
    versions. The version is read before and after: if it moved, everything is read again.
    """
    for _attempt in range(_ATTEMPTS):
        before = store.version()
        data_time = store.data_time()
        frames = {name: store.read_layer(name) for name in names}
        counts = _flow_counts(store)
        if store.version() == before:
            return Snapshot(
                before,
                data_time,
                frames,
                grid_file_in_use(store, frames.get("population_grids")),
                _published_alerts(store),
                counts,
                _exercise(store),
            )
    raise StoreError(_("the store kept changing while the report was read; try again in a minute"))


def _flow_counts(store) -> pd.DataFrame | None:
    from eoc.flows.registry import read_counts  # late: the registry imports the store

    sql = getattr(store, "sql", None)
    return None if sql is None else read_counts(sql)


def _published_alerts(store) -> tuple:
    from eoc.alerts.workflow import PUBLISHED, list_alerts  # late: alerts import the store

    sql = getattr(store, "sql", None)
    return () if sql is None else tuple(list_alerts(sql, states=(PUBLISHED,), limit=10_000))


def _exercise(store) -> str | None:
    from eoc.exercise.marking import exercise_title  # late: one small table

    sql = getattr(store, "sql", None)
    return None if sql is None else exercise_title(sql)
