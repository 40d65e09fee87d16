"""The GeoPackage store's own DDL: its tables beside the layers, and carrying them over.

The layers themselves are written by GDAL (pyogrio), which makes them a GeoPackage that QGIS
and ogrinfo open, with R-tree spatial indexes. Identifiers here are constants, never user text.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry

import layers
from eoc.store.feature_rows import Fit, same
from eoc.store.schema import shared_table_names

_REPORTS_STATEMENTS = (
    "CREATE TABLE IF NOT EXISTS eoc_reports (number INTEGER PRIMARY KEY NOT NULL,"
    " lang TEXT NOT NULL, version INTEGER NOT NULL, as_of TEXT NOT NULL,"
    " published_at TEXT NOT NULL, published_by TEXT NOT NULL, title TEXT NOT NULL,"
    " html TEXT NOT NULL, markdown TEXT NOT NULL, pdf BLOB NOT NULL)",
    "CREATE TRIGGER IF NOT EXISTS eoc_reports_no_update BEFORE UPDATE ON eoc_reports"
    " BEGIN SELECT RAISE(ABORT, 'published reports cannot be changed'); END",
    "CREATE TRIGGER IF NOT EXISTS eoc_reports_no_delete BEFORE DELETE ON eoc_reports"
    " BEGIN SELECT RAISE(ABORT, 'published reports cannot be deleted'); END",
)
_SCHEMA = """
CREATE TABLE eoc_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT);
CREATE TABLE eoc_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL,
    layer TEXT, feature_id TEXT, old TEXT, new TEXT,
    reason TEXT NOT NULL, version INTEGER NOT NULL
);
CREATE INDEX eoc_audit_feature ON eoc_audit (layer, feature_id);
CREATE TRIGGER eoc_audit_no_update BEFORE UPDATE ON eoc_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER eoc_audit_no_delete BEFORE DELETE ON eoc_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE eoc_users (
    name TEXT PRIMARY KEY NOT NULL, role TEXT NOT NULL, password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL, lang TEXT
);
"""
_SCHEMA += "".join(f"{statement};\n" for statement in _REPORTS_STATEMENTS)
_CARRIED_TABLES = ("eoc_audit", "eoc_users", "eoc_reports")  # and every shared table


def create_reports(con: sa.Connection) -> None:
    """The reports table, in a store built before it existed."""
    # One statement at a time: executescript would commit the open transaction.
    for statement in _REPORTS_STATEMENTS:
        con.exec_driver_sql(statement)


def create_schema(path: Path) -> None:
    with closing(sqlite3.connect(path)) as con, con:
        con.executescript(_SCHEMA)
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
            "VALUES ('eoc_audit', 'attributes', 'eoc_audit', 'Audit log: who changed what, why')"
        )
    from eoc.store.sql_engine import GeoPackageSql  # it creates the reports table with this

    backend = GeoPackageSql(path)
    backend.ensure_tables()  # sessions, the sign-in throttle, later features
    backend.engine.dispose()  # no connection stays open on the file that is swapped in


def carry_over(old: Path, new: Path) -> None:
    """Copy users and the audit log from the old store into the new file."""
    with closing(sqlite3.connect(new)) as con, con:
        con.execute("ATTACH DATABASE ? AS old", (str(old),))
        present = {r[0] for r in con.execute("SELECT name FROM old.sqlite_master")}
        for table in set(_CARRIED_TABLES + shared_table_names()) & present:
            con.execute(f"INSERT INTO main.{table} SELECT * FROM old.{table}")  # noqa: S608


def index_id(con: sa.Connection, spec: layers.LayerSpec) -> None:
    """An index on the id column, so edits and upserts find a feature without a scan."""
    con.exec_driver_sql(
        f'CREATE INDEX IF NOT EXISTS "{spec.name}_{spec.id_field}_idx" '
        f'ON "{spec.name}" ("{spec.id_field}")'
    )


_MULTI = {
    "MULTIPOINT": ("Point", shapely.MultiPoint),
    "MULTILINESTRING": ("LineString", shapely.MultiLineString),
    "MULTIPOLYGON": ("Polygon", shapely.MultiPolygon),
}


def geometry_fit(con: sa.Connection, spec: layers.LayerSpec) -> Fit:
    """What makes a geometry fit the layer's declared type (GeoPackage 1.2, Req 32).

    GDAL declares a layer MULTIPOLYGON when the file it was built from mixed polygons and
    multipolygons; a plain polygon written into it afterwards becomes a one-part multipolygon,
    or GDAL's validator (and strict readers) reject the file.
    """
    declared = con.execute(
        sa.text("SELECT geometry_type_name FROM gpkg_geometry_columns WHERE table_name = :t"),
        {"t": spec.name},
    ).scalar()
    if declared not in _MULTI:
        return same
    single, multi = _MULTI[declared]

    def fit(geometry: BaseGeometry | None) -> BaseGeometry | None:
        if geometry is not None and geometry.geom_type == single:
            return multi([geometry])
        return geometry

    return fit
