"""The interface every store backend offers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

import geopandas as gpd


class Store(Protocol):
    """Persistence for layers, a version counter that changes with every write, and a data time."""

    location: str

    def exists(self) -> bool:
        """Whether the store has been built."""

    def version(self) -> int:
        """A counter that changes with every write; cheap enough to poll."""

    def data_time(self) -> datetime | None:
        """When the data last changed (UTC)."""

    def changed_layers(self, since_version: int) -> set[str]:
        """Layers written after `since_version`."""

    def layer_names(self) -> list[str]:
        """Layers the store holds."""

    def read_layer(
        self, name: str, *, bbox: tuple[float, float, float, float] | None = None
    ) -> gpd.GeoDataFrame:
        """Layer `name` in EPSG:4326, optionally only features meeting `bbox` (W, S, E, N)."""

    def feature_counts(self, *, public_only: bool = False) -> dict[str, int]:
        """Feature count of every layer (`public_only`: what a public page may show)."""

    def replace_all(self, frames: Mapping[str, gpd.GeoDataFrame], *, now: datetime) -> int:
        """Replace every layer at once, atomically; return the new version."""
