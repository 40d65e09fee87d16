"""Layer reads cached per store version: a page refresh never re-reads an unchanged store."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

import geopandas as gpd

from eoc.store import Store
from eoc.web.components.basemap import BASEMAP_LAYERS, build_basemap_style

KEPT_VERSIONS = 3  # a page one poll behind the others must not evict the newest reads


class VersionedCache:
    """Values computed from the store, kept per store version (the newest few)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._by_version: dict[int, dict[object, Any]] = {}

    def get(self, key: object, compute: Callable[[], Any], *, version: int) -> Any:
        """The cached value of `key` at `version`, computed once per version."""
        with self._lock:
            values = self._by_version.get(version)
            if values is not None and key in values:
                return values[key]
        value = compute()
        # A write between reading the version and reading the data would label newer data
        # with an older version: such a value is used once, never kept.
        if self.store.version() != version:
            return value
        with self._lock:
            self._by_version.setdefault(version, {})[key] = value
            for old in sorted(self._by_version)[:-KEPT_VERSIONS]:
                del self._by_version[old]
        return value

    def read_layers(self, names: Iterable[str], *, version: int) -> dict[str, gpd.GeoDataFrame]:
        """The named layers as stored at `version`."""
        return {
            name: self.get(
                ("layer", name), lambda n=name: self.store.read_layer(n), version=version
            )
            for name in names
        }

    def basemap_style(self, *, version: int, online_tiles: bool) -> dict:
        """The offline basemap style of the context layers at `version`, built once."""
        return self.get(
            ("basemap", online_tiles),
            lambda: build_basemap_style(
                self.read_layers(BASEMAP_LAYERS, version=version), online_tiles=online_tiles
            ),
            version=version,
        )
