"""The embedded store: one GeoPackage file that QGIS and ogrinfo open with every layer.

Whole-store writes go to a temporary file beside the store and replace it with one atomic
rename, so a crash or a bad file leaves the previous store as it was. The version counter and
data time live in the `eoc_meta` attribute table.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Mapping
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pyogrio

import layers
from eoc.errors import StoreError, StoreNotInitialisedError

META_TABLE = "eoc_meta"


class GeoPackageStore:
    """A store in one `.gpkg` file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.location = str(self.path)

    def __repr__(self) -> str:
        return f"GeoPackageStore({self.location!r})"

    def exists(self) -> bool:
        return self.path.is_file()

    def _connect(self) -> sqlite3.Connection:
        if not self.exists():
            raise StoreNotInitialisedError(self.location)
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)

    def _meta(self, key: str) -> str | None:
        try:
            with closing(self._connect()) as con:
                row = con.execute("SELECT value FROM eoc_meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot read {self.location}: {exc}") from exc
        return None if row is None else row[0]

    def version(self) -> int:
        value = self._meta("version")
        return int(value) if value is not None else 0

    def data_time(self) -> datetime | None:
        value = self._meta("data_time")
        return datetime.fromisoformat(value) if value else None

    def layer_names(self) -> list[str]:
        with closing(self._connect()) as con:
            rows = con.execute(
                "SELECT table_name FROM gpkg_contents WHERE data_type = 'features'"
            ).fetchall()
        return [name for (name,) in rows]

    def read_layer(
        self, name: str, *, bbox: tuple[float, float, float, float] | None = None
    ) -> gpd.GeoDataFrame:
        spec = layers.get(name)
        if not self.exists():
            raise StoreNotInitialisedError(self.location)
        try:
            gdf = pyogrio.read_dataframe(self.path, layer=name, bbox=bbox)
        except pyogrio.errors.DataLayerError as exc:
            raise StoreError(f"layer {name} is not in {self.location}: {exc}") from exc
        return layers.conform(gdf, spec)

    def feature_counts(self) -> dict[str, int]:
        names = self.layer_names()
        with closing(self._connect()) as con:
            return {
                # The identifier comes from the layer registry, never from user text.
                name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
                for name in names
                if name in layers.REGISTRY
            }

    def replace_all(self, frames: Mapping[str, gpd.GeoDataFrame], *, now: datetime) -> int:
        version = (self.version() if self.exists() else 0) + 1
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=self.path.name + ".", suffix=".tmp.gpkg", dir=self.path.parent
        )
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()
        try:
            for name, gdf in frames.items():
                layers.get(name)
                pyogrio.write_dataframe(
                    gdf,
                    tmp,
                    layer=name,
                    driver="GPKG",
                    append=tmp.exists(),
                    # 1.2 keeps the file readable by the older GDAL/QGIS of partner offices.
                    dataset_options={"VERSION": "1.2"},
                    layer_options={"DESCRIPTION": layers.get(name).title},
                )
            _write_meta(tmp, version=version, data_time=now.astimezone(UTC))
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return version


def _write_meta(path: Path, *, version: int, data_time: datetime) -> None:
    with closing(sqlite3.connect(path)) as con, con:
        con.execute("CREATE TABLE eoc_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT)")
        con.executemany(
            "INSERT INTO eoc_meta (key, value) VALUES (?, ?)",
            [("version", str(version)), ("data_time", data_time.isoformat())],
        )
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
            "VALUES (?, 'attributes', ?, ?)",
            (META_TABLE, META_TABLE, "EOC store version and data time"),
        )
