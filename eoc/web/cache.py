"""Layer reads cached per store version: a page refresh never re-reads an unchanged store."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd

from eoc.store import Store
from eoc.web.components.basemap import BASEMAP_LAYERS, build_basemap_style

KEPT_VERSIONS = 3  # a page one poll behind the others must not evict the newest reads


class VersionedCache:
    """Values computed from the store, kept per store version (the newest few).

    Layer frames outlive the version they were read at: a frame is used for a newer (or
    older) version as long as the store says the layer was not written in between, so one
    edit re-reads one layer, not all of them. Values derived from layers alone (the basemap
    style) are kept by the frames they came from (`get_derived`), across versions too.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.probe = VersionProbe(store)
        self._lock = threading.Lock()
        self._by_version: dict[int, dict[object, Any]] = {}
        self._frames: dict[str, tuple[int, int, gpd.GeoDataFrame]] = {}  # read at, valid to
        self._derived: dict[object, Any] = {}

    def version(self) -> int:
        """The store's version, cheaply (see VersionProbe): what polls ask for."""
        return self.probe.version()

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
        names = list(dict.fromkeys(names))
        with self._lock:
            kept = {n: self._frames[n] for n in names if n in self._frames}
        found: dict[str, gpd.GeoDataFrame] = {}
        unsure: dict[int, list[str]] = {}
        for name, (read_at, valid_to, frame) in kept.items():
            if read_at <= version <= valid_to:
                found[name] = frame
            else:
                unsure.setdefault(min(version, valid_to), []).append(name)
        for since, group in unsure.items():
            # Not written after `since` (up to now): the kept frame is the layer at `version`.
            changed = self.store.changed_layers(since)
            for name in group:
                if name not in changed:
                    read_at, valid_to, frame = kept[name]
                    found[name] = frame
                    with self._lock:
                        self._frames[name] = (min(read_at, version), max(valid_to, version), frame)
        for name in names:
            if name not in found:
                found[name] = self._read(name, version)
        return {name: found[name] for name in names}

    def _read(self, name: str, version: int) -> gpd.GeoDataFrame:
        frame = self.store.read_layer(name)
        if self.store.version() == version:  # else newer data: used once, never kept
            with self._lock:
                self._frames[name] = (version, version, frame)
        return frame

    def frames_key(self, names: Iterable[str], *, version: int) -> tuple | None:
        """What identifies the frames of `names` at `version` (None if one is not kept)."""
        self.read_layers(names, version=version)
        with self._lock:
            try:
                return tuple((n, self._frames[n][0]) for n in names)
            except KeyError:
                return None

    def get_derived(
        self, key: object, names: Iterable[str], compute: Callable[[], Any], *, version: int
    ) -> Any:
        """A value computed from the layers `names` alone, kept while none of them changes."""
        names = list(names)
        frames = self.frames_key(names, version=version)
        full_key = (key, frames)
        with self._lock:
            if frames is not None and full_key in self._derived:
                return self._derived[full_key]
        value = compute()
        if frames is not None and self.frames_key(names, version=version) == frames:
            with self._lock:
                for old in [k for k in self._derived if k[0] == key]:
                    del self._derived[old]
                self._derived[full_key] = value
        return value

    def basemap_style(self, *, version: int, online_tiles: bool) -> dict:
        """The offline basemap style of the context layers at `version`, built once."""
        return self.get_derived(
            ("basemap", online_tiles),
            BASEMAP_LAYERS,
            lambda: build_basemap_style(
                self.read_layers(BASEMAP_LAYERS, version=version), online_tiles=online_tiles
            ),
            version=version,
        )


class VersionProbe:
    """The store version, read cheaply on the hot path of public answers.

    For a GeoPackage the version changes only with a committed write, and every committed
    write changes SQLite's file change counter (header bytes 24-27, rollback-journal mode) or
    replaces the file. So the version is re-read only when the counter, size, mtime or inode
    moved; a reading is kept only if the file did not move while it was taken. Other stores
    are asked every time.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        path = getattr(store, "path", None)
        self._path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._known: tuple[tuple, int] | None = None

    def _mark(self) -> tuple | None:
        try:
            with open(self._path, "rb") as f:
                stat = os.fstat(f.fileno())
                counter = os.pread(f.fileno(), 4, 24)
        except OSError:
            return None
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns, counter)

    def version(self) -> int:
        if self._path is None:
            return self.store.version()
        before = self._mark()
        with self._lock:
            known = self._known
        if before is not None and known is not None and known[0] == before:
            return known[1]
        version = self.store.version()
        after = self._mark()
        if before is not None and after == before:
            with self._lock:
                self._known = (after, version)
        return version
