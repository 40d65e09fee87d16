"""The embedded store: one GeoPackage file that QGIS and ogrinfo open with every layer.

What a store does is eoc/store/sql_store.py; this module is what only a GeoPackage has. GDAL
(pyogrio) writes the layers, so the file is a standard GeoPackage with R-tree spatial indexes,
and reads them back. Rebuilding the whole store (`replace_all`) writes a new file beside it,
carries users and the audit log over, and swaps it in with one atomic rename; the old file is
marked retired first, so a writer that was waiting on it retries on the new file instead of
writing into the void.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import pyogrio
import sqlalchemy as sa

import layers
from eoc.errors import StoreNotInitialisedError
from eoc.store import journal_tables as j
from eoc.store.feature_rows import Fit
from eoc.store.gpkg_tables import carry_over, create_schema, geometry_fit, index_id
from eoc.store.sql_engine import GeoPackageSql
from eoc.store.sql_store import SqlStore

READ_RETRY_S = 5.0


class GeoPackageStore(SqlStore):
    """A store in one `.gpkg` file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.location = str(self.path)

    def __repr__(self) -> str:
        return f"GeoPackageStore({self.location!r})"

    def exists(self) -> bool:
        return self.path.is_file()

    @cached_property
    def sql(self) -> GeoPackageSql:
        """This file under SQLAlchemy: the SQL shared with PostGIS (eoc/store/sql_store.py)."""
        return GeoPackageSql(self.path)

    # -- reading ---------------------------------------------------------------------------

    def layer_names(self) -> list[str]:
        contents = j.gpkg_contents
        with self._reading() as con:
            rows = con.execute(
                sa.select(contents.c.table_name).where(contents.c.data_type == "features")
            ).all()
        return [name for (name,) in rows]

    def _read_frame(
        self, spec: layers.LayerSpec, bbox: tuple[float, float, float, float] | None
    ) -> gpd.GeoDataFrame:
        if not self.exists():
            raise StoreNotInitialisedError(self.location)
        # GDAL opens the file without SQLite's busy timeout: a read that lands on another
        # connection's commit fails spuriously ("required GeoPackage tables missing", "locked").
        # Such reads are retried for a few seconds; a layer that is really absent is not.
        deadline = time.monotonic() + READ_RETRY_S
        while True:
            try:
                return pyogrio.read_dataframe(self.path, layer=spec.name, bbox=bbox)
            except pyogrio.errors.DataLayerError as exc:
                if spec.name not in self.layer_names():
                    raise self._missing_layer(spec.name, exc) from exc
                if time.monotonic() > deadline:
                    raise
            except pyogrio.errors.DataSourceError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.02)

    # -- writing ---------------------------------------------------------------------------

    def _prepare_layer(self, con: sa.Connection, spec: layers.LayerSpec) -> Fit:
        index_id(con, spec)
        return geometry_fit(con, spec)

    def _rebuild(
        self, frames: Mapping[str, gpd.GeoDataFrame], *, now: datetime, user: str, reason: str
    ) -> int:
        """A new file beside the old one, the users and audit log carried over, swapped in."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=self.path.name + ".", suffix=".tmp.gpkg", dir=self.path.parent
        )
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()
        finish = {"now": now, "user": user, "reason": reason, "names": list(frames)}
        try:
            for name, gdf in frames.items():
                spec = layers.get(name)
                pyogrio.write_dataframe(
                    gdf,
                    tmp,
                    layer=name,
                    driver="GPKG",
                    append=tmp.exists(),
                    # 1.2 keeps the file readable by the older GDAL/QGIS of partner offices.
                    dataset_options={"VERSION": "1.2"},
                    layer_options={"DESCRIPTION": spec.title},
                )
            create_schema(tmp)
            if self.exists():
                with self._writing() as old:
                    version = self.sql.read_meta(old)[0] + 1
                    carry_over(self.path, tmp)
                    self._finish(tmp, version=version, **finish)
                    old.execute(sa.insert(j.gpkg_meta).values(key="retired", value="1"))
                    os.replace(tmp, self.path)
            else:
                version = 1
                self._finish(tmp, version=version, **finish)
                os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return version

    def _finish(
        self, path: Path, *, version: int, now: datetime, user: str, reason: str, names: list
    ) -> None:
        """The new file's version, data time and the rebuild's audit entry."""
        engine = GeoPackageSql(path).engine
        try:
            with engine.begin() as con:
                con.execute(
                    sa.insert(j.gpkg_meta),
                    [
                        {"key": "version", "value": str(version)},
                        {"key": "data_time", "value": now.astimezone(UTC).isoformat()},
                    ],
                )
                self._audit_rebuild(con, names, version=version, now=now, user=user, reason=reason)
        finally:
            engine.dispose()
