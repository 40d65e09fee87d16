"""Backups of a store as one GeoPackage file, and restoring them into either backend.

A backup is always a GeoPackage store (QGIS opens it; it is the laptop copy for when the
server cannot be reached), with the store's population grid files beside it in its own grid
folder (`eoc-….gpkg` → `eoc-….rasters/`, eoc/io/raster.py), copied before the file appears:

- of a GeoPackage: SQLite's online backup API copies the file in one step under a read lock,
  so writers wait for the copy (well under a second for a store of tens of MB) and the copy
  is one committed state;
- of PostGIS: every layer and table is read in ONE repeatable-read transaction (one snapshot,
  writers carry on) and written into a new GeoPackage store with the same version counter,
  data time, audit log (same ids), users, reports and shared tables.

`restore_store` copies a backup into a GeoPackage store, or converts it into a PostGIS schema,
and keeps the store it replaces beside it (`<name>.replaced-<UTC time>.gpkg`, or the schema
`<schema>_replaced_<UTC time>`). `content_checksums` is what the round-trip tests compare.
"""

# ruff: noqa: S608 - identifiers are quoted names from the layer registry or constants; values are parameters.

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import shapely
import sqlalchemy as sa

import layers
from eoc.errors import EocError, StoreError
from eoc.i18n import _
from eoc.io.raster import copy_grid_files, grid_folder
from eoc.store import migrations
from eoc.store.geopackage import GeoPackageStore
from eoc.store.migrations.ddl import ddl_for
from eoc.store.schema import shared_metadata
from eoc.store.values import plain

BACKUP_PREFIX = "eoc-"
# The store's own tables a backup carries besides the layers, then every shared table.
_STORE_TABLES = ("eoc_users", "eoc_reports")


def backup_store(store, out: Path) -> Path:
    """A consistent copy of `store` as the GeoPackage `out` (written whole, then renamed)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.unlink(missing_ok=True)
    try:
        # The grid files first: a backup never names a grid file it does not carry.
        copy_grid_files(store, GeoPackageStore(out))
        if isinstance(store, GeoPackageStore):
            _copy_file(store.path, tmp)
        else:
            _snapshot_postgis(store, tmp)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


def backup_into_folder(store, folder: Path, *, keep: int | None, now: datetime) -> Path:
    """A backup named by its UTC time in `folder`; only the newest `keep` backups stay."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    made = backup_store(store, Path(folder) / f"{BACKUP_PREFIX}{stamp}.gpkg")
    if keep is not None:
        prune_backups(folder, keep=keep)
    return made


def prune_backups(folder: Path, *, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups in `folder`; return what was deleted."""
    if keep < 1:
        raise EocError(_("--keep must be at least 1"))
    found = sorted(Path(folder).glob(f"{BACKUP_PREFIX}*.gpkg"))
    old = found[:-keep]
    for path in old:
        path.unlink()
        shutil.rmtree(grid_folder(GeoPackageStore(path)), ignore_errors=True)
    return old


def restore_store(backup: Path, target, *, force: bool, now: datetime) -> Path | str | None:
    """Put the backup `backup` in place of store `target`; return where the old store went."""
    backup = Path(backup)
    source = GeoPackageStore(backup)
    _check_backup(source)
    if target.exists() and not force:
        raise EocError(
            _("{store} exists; add --force to replace it (it is kept beside)").format(
                store=getattr(target, "_label", target.location)
            )
        )
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    copy_grid_files(source, target)  # before the rows that name them
    if isinstance(target, GeoPackageStore):
        return _restore_geopackage(source, target, stamp)
    return _restore_postgis(source, target, stamp, now)


def content_checksums(store) -> dict[str, str]:
    """SHA-256 of every part of a store's content, as both backends read it back."""
    sums = {
        "version": str(store.version()),
        "data_time": str(store.data_time()),
        "audit": _digest(dataclasses.asdict(e) for e in store.audit_log(limit=10**9)),
        "users": _digest(dataclasses.asdict(u) for u in store.list_users()),
    }
    reports = store.list_reports()
    sums["reports"] = _digest(
        [r, *(store.report_content(r["number"], fmt) for fmt in ("html", "md", "pdf"))]
        for r in reports
    )
    for name in store.layer_names():
        spec = layers.get(name)
        frame = store.read_layer(name)
        rows = (
            [plain(v, f) for v, f in zip(values, spec.fields, strict=True)]
            + [None if geom is None else shapely.to_wkb(geom, hex=True)]
            for *values, geom in frame[[*spec.field_names, "geometry"]].itertuples(index=False)
        )
        sums[f"layer:{name}"] = _digest(rows)
    return sums


# -- GeoPackage -----------------------------------------------------------------------------


def _copy_file(source: Path, target: Path) -> None:
    if not source.is_file():
        raise StoreError(_("no store at {store}").format(store=source))
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)  # pages=-1: one step, one committed state
        # A copy of a file a rebuild was retiring must not be retired itself.
        dst.execute("DELETE FROM eoc_meta WHERE key = 'retired'")
        dst.commit()


def _check_backup(source: GeoPackageStore) -> None:
    try:
        with closing(sqlite3.connect(f"file:{source.path}?mode=ro", uri=True)) as con:
            ok = con.execute("PRAGMA integrity_check").fetchone()[0]
            con.execute("SELECT value FROM eoc_meta WHERE key = 'version'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise EocError(
            _("{path} is not a store backup: {error}").format(path=source.path, error=exc)
        ) from exc
    if ok != "ok":
        raise EocError(_("{path} is damaged: {error}").format(path=source.path, error=ok))


def _restore_geopackage(source: GeoPackageStore, target: GeoPackageStore, stamp: str):
    target.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.path.with_name(target.path.name + ".restoring")
    tmp.unlink(missing_ok=True)
    _copy_file(source.path, tmp)
    if not target.exists():
        os.replace(tmp, target.path)
        return None
    kept = target.path.with_name(f"{target.path.stem}.replaced-{stamp}.gpkg")
    # As a rebuild does: under the old file's write lock, keep a copy, mark it retired (a
    # writer waiting on it retries on the new file), swap the new file in.
    with closing(sqlite3.connect(target.path, timeout=30, isolation_level=None)) as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            # Under this write lock no one changes the file: a plain copy is one committed state.
            shutil.copyfile(target.path, kept)
            con.execute("INSERT OR REPLACE INTO eoc_meta (key, value) VALUES ('retired', '1')")
            os.replace(tmp, target.path)
        except BaseException:
            con.execute("ROLLBACK")
            tmp.unlink(missing_ok=True)
            raise
        con.execute("COMMIT")
    return kept


# -- PostGIS --------------------------------------------------------------------------------


def _snapshot_postgis(store, out: Path) -> None:
    """Everything the PostGIS store holds at one instant, as a new GeoPackage store."""
    ddl = ddl_for(store)
    with store.sql.engine.connect() as con:
        con = con.execution_options(isolation_level="REPEATABLE READ")
        with con.begin():
            names = ddl.layer_names(con)
            frames = {name: _read_pg_layer(con, ddl, name) for name in names}
            meta = con.execute(
                sa.text(f"SELECT version, data_time FROM {ddl.table(con, 'eoc_meta')}")
            ).one()
            schema_version = ddl.recorded_version(con)
            tables = {name: _rows(con, ddl, name) for name in _carried(ddl.table_names(con))}
    target = GeoPackageStore(out)
    target.replace_all(frames, now=meta.data_time or datetime.now(UTC))
    with target.sql.engine.connect() as con, con.begin():
        _exact_geometries(con, frames)
        _replace_history(con, tables, dialect="sqlite")
        con.exec_driver_sql(
            "UPDATE eoc_meta SET value = ? WHERE key = 'version'", (str(meta.version),)
        )
        if meta.data_time is not None:
            con.exec_driver_sql(
                "UPDATE eoc_meta SET value = ? WHERE key = 'data_time'",
                (meta.data_time.astimezone(UTC).isoformat(),),
            )
        if schema_version is not None:
            ddl_for(target).record_version(con, schema_version)


def _exact_geometries(con: sa.Connection, frames: dict[str, gpd.GeoDataFrame]) -> None:
    """GDAL promotes a layer mixing Polygon and MultiPolygon to multi; PostGIS keeps each
    shape as it was. The copy keeps them too: such a layer is written again by the upgrade's
    GeoPackage DDL with a generic GEOMETRY column and the exact shapes (same fids, in order)."""
    ddl = ddl_for(GeoPackageStore("snapshot.gpkg"))
    ddl.lock(con)  # the R-tree triggers' functions
    for name, frame in frames.items():
        if frame.geometry.dropna().geom_type.nunique() < 2:
            continue
        con.exec_driver_sql(f'DROP TABLE "{name}"')
        con.exec_driver_sql(f'DROP TABLE "rtree_{name}_geom"')
        for table in ("gpkg_extensions", "gpkg_geometry_columns", "gpkg_ogr_contents"):
            con.exec_driver_sql(f"DELETE FROM {table} WHERE table_name = ?", (name,))  # noqa: S608
        con.exec_driver_sql("DELETE FROM gpkg_contents WHERE table_name = ?", (name,))
        ddl.create_layer(con, layers.get(name), frame)


def _restore_postgis(source: GeoPackageStore, target, stamp: str, now: datetime):
    """Convert the backup into a new schema, then swap it in for the target's schema."""
    from eoc.store.postgis import PostGISStore  # late: only PostGIS restores need psycopg

    building = f"{target.schema[:40]}_restoring"
    work = PostGISStore(target._conninfo, schema=building)
    src_ddl = ddl_for(source)
    # A read (no write lock): the reads below open their own connections to the same file.
    with source.sql.reading() as con:
        frames = {name: source.read_layer(name) for name in src_ddl.layer_names(con)}
        version, data_time = source.version(), source.data_time()
        schema_version = src_ddl.recorded_version(con)
        tables = {name: _rows(con, src_ddl, name) for name in _carried(src_ddl.table_names(con))}
    with work.sql.engine.begin() as con:
        con.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{building}" CASCADE')
    work.replace_all(frames, now=data_time or now)
    ddl = ddl_for(work)
    with work.sql.engine.connect() as con, con.begin():
        shared_metadata().create_all(con)
        _replace_history(con, tables, dialect="postgresql", ddl=ddl)
        con.execute(
            sa.text(f"UPDATE {ddl.table(con, 'eoc_meta')} SET version = :v, data_time = :t"),
            {"v": version, "t": data_time},
        )
        ddl.record_version(con, schema_version or migrations.UNVERSIONED)
    kept = f"{target.schema[:40]}_replaced_{stamp.lower()}"
    with target.sql.engine.connect() as con, con.begin():
        if target.exists():
            ddl_for(target).lock(con)  # queue behind the target's writers
            con.exec_driver_sql(f'ALTER SCHEMA "{target.schema}" RENAME TO "{kept}"')
        else:
            kept = None
        con.exec_driver_sql(f'ALTER SCHEMA "{building}" RENAME TO "{target.schema}"')
    return kept


def _read_pg_layer(con: sa.Connection, ddl, name: str) -> gpd.GeoDataFrame:
    spec = layers.get(name)
    columns = ", ".join(ddl.quote(con, f) for f in spec.field_names)
    rows = con.execute(
        sa.text(f"SELECT {columns}, ST_AsBinary(geom) FROM {ddl.table(con, name)} ORDER BY fid")
    ).all()
    data = {f: [row[i] for row in rows] for i, f in enumerate(spec.field_names)}
    geoms = shapely.from_wkb([None if row[-1] is None else bytes(row[-1]) for row in rows])
    return layers.conform(gpd.GeoDataFrame(data, geometry=list(geoms), crs=4326), spec)


def _carried(held: set[str]) -> list[str]:
    wanted = ["eoc_audit", *_STORE_TABLES, *shared_metadata().tables]
    return [name for name in wanted if name in held]


def _rows(con: sa.Connection, ddl, name: str) -> list[dict]:
    table = sa.Table(name, sa.MetaData(), autoload_with=con, schema=ddl.schema)
    order = list(table.primary_key.columns) or list(table.columns)[:1]
    return [dict(row._mapping) for row in con.execute(sa.select(table).order_by(*order))]


def _replace_history(con: sa.Connection, tables: dict[str, list[dict]], *, dialect, ddl=None):
    """The audit log and the other tables exactly as in the source (the fresh store's own
    build entry goes): the append-only triggers are lifted inside this transaction only."""
    schema = None if ddl is None else ddl.schema
    if dialect == "sqlite":
        triggers = con.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'eoc_audit'"
        ).all()
        for trigger_name, _sql in triggers:
            con.exec_driver_sql(f'DROP TRIGGER "{trigger_name}"')
        con.exec_driver_sql("DELETE FROM eoc_audit")
    else:
        audit = ddl.table(con, "eoc_audit")
        con.exec_driver_sql(f"ALTER TABLE {audit} DISABLE TRIGGER USER")
        con.exec_driver_sql(f"DELETE FROM {audit}")
        con.exec_driver_sql(f"ALTER TABLE {audit} ALTER COLUMN id SET GENERATED BY DEFAULT")
    for name, rows in tables.items():
        table = sa.Table(name, sa.MetaData(), autoload_with=con, schema=schema)
        present = set(table.columns.keys())
        if rows:
            con.execute(
                sa.insert(table),
                [
                    {
                        k: _value(v, table.columns[k].type, dialect)
                        for k, v in r.items()
                        if k in present
                    }
                    for r in rows
                ],
            )
    if dialect == "sqlite":
        for _name, trigger_sql in triggers:
            con.exec_driver_sql(trigger_sql)
    else:
        con.exec_driver_sql(f"ALTER TABLE {audit} ALTER COLUMN id SET GENERATED ALWAYS")
        con.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{ddl.schema}.eoc_audit', 'id'),"
            f" greatest((SELECT max(id) FROM {audit}), 1))"
        )
        con.exec_driver_sql(f"ALTER TABLE {audit} ENABLE TRIGGER USER")


def _value(value: object, column_type: sa.types.TypeEngine, dialect: str) -> object:
    """A value read from one database as the other one's column takes it."""
    if value is None:
        return None
    if dialect == "sqlite":
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, memoryview):
            return bytes(value)
        return value
    if isinstance(column_type, sa.JSON) and isinstance(value, str):
        return json.loads(value)
    if isinstance(column_type, sa.DateTime) and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def _digest(items: Iterable[object]) -> str:
    digest = hashlib.sha256()
    for item in items:
        digest.update(json.dumps(item, default=_plain_json, sort_keys=True).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _plain_json(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, bytes | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    return str(value)
