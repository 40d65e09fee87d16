"""Layer reads cached per store version: a page refresh never re-reads an unchanged store."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

import geopandas as gpd

from eoc.store import Store
from eoc.web.components.basemap import BASEMAP_LAYERS, build_basemap_style


class VersionedCache:
    """Values computed from the store, kept while the store version stays the same."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._version: int | None = None
        self._values: dict[object, Any] = {}

    def get(self, key: object, compute: Callable[[], Any], *, version: int) -> Any:
        """The cached value of `key` at `version`, computed once per version."""
        with self._lock:
            if version != self._version:
                self._version, self._values = version, {}
            if key in self._values:
                return self._values[key]
        value = compute()
        with self._lock:
            if version == self._version:
                self._values[key] = value
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
