"""The per-database part of a schema upgrade: catalog look-ups, column types, layer tables.

Everything a migration step does is written once (eoc/store/migrations/__init__.py) over one
open SQLAlchemy connection; what differs between a GeoPackage and PostgreSQL is here. On a
GeoPackage no table is ever recreated (Alembic's SQLite "batch" mode would drop the R-tree
triggers and desynchronise gpkg_contents): columns are added with ALTER TABLE … ADD COLUMN
and renamed with ALTER TABLE … RENAME COLUMN (SQLite ≥ 3.25), which the GeoPackage
specification allows, and a new layer gets the GeoPackage 1.2 R-tree and GDAL's feature
count triggers written out explicitly.

Identifiers here come from the layer registry or constants, never from user text, and are
quoted by the dialect; values are always parameters.
"""

# ruff: noqa: S608 - identifiers are quoted names from the layer registry or constants; values are parameters.

from __future__ import annotations

import warnings
from collections.abc import Sequence

import geopandas as gpd
import shapely
import sqlalchemy as sa

import layers
from eoc.store import gpkg_binary
from eoc.store.values import plain, to_column

# GDAL's declared types in a GeoPackage, and the PostGIS store's column types.
_GPKG_TYPES = {
    "str": "TEXT",
    "int": "INTEGER",
    "float": "REAL",
    "bool": "BOOLEAN",
    "date": "DATE",
    "datetime": "DATETIME",
}
_PG_TYPES = {
    "str": "text",
    "int": "bigint",
    "float": "double precision",
    "bool": "boolean",
    "date": "date",
    "datetime": "timestamptz",
}
# GeoPackage 1.2, annex F.3 (http://www.geopackage.org/spec120/#extension_rtree), as GDAL
# writes them; {t} the table, {r} its R-tree.
_RTREE_TRIGGERS = (
    'CREATE TRIGGER "{r}_insert" AFTER INSERT ON "{t}" WHEN (new."geom" NOT NULL AND NOT'
    ' ST_IsEmpty(NEW."geom")) BEGIN INSERT OR REPLACE INTO "{r}" VALUES (NEW."fid",'
    'ST_MinX(NEW."geom"), ST_MaxX(NEW."geom"),ST_MinY(NEW."geom"), ST_MaxY(NEW."geom")); END',
    'CREATE TRIGGER "{r}_update1" AFTER UPDATE OF "geom" ON "{t}" WHEN OLD."fid" = NEW."fid"'
    ' AND (NEW."geom" NOTNULL AND NOT ST_IsEmpty(NEW."geom")) BEGIN INSERT OR REPLACE INTO'
    ' "{r}" VALUES (NEW."fid",ST_MinX(NEW."geom"), ST_MaxX(NEW."geom"),ST_MinY(NEW."geom"),'
    ' ST_MaxY(NEW."geom")); END',
    'CREATE TRIGGER "{r}_update2" AFTER UPDATE OF "geom" ON "{t}" WHEN OLD."fid" = NEW."fid"'
    ' AND (NEW."geom" ISNULL OR ST_IsEmpty(NEW."geom")) BEGIN DELETE FROM "{r}"'
    ' WHERE id = OLD."fid"; END',
    'CREATE TRIGGER "{r}_update3" AFTER UPDATE ON "{t}" WHEN OLD."fid" != NEW."fid" AND'
    ' (NEW."geom" NOTNULL AND NOT ST_IsEmpty(NEW."geom")) BEGIN DELETE FROM "{r}" WHERE'
    ' id = OLD."fid"; INSERT OR REPLACE INTO "{r}" VALUES (NEW."fid",ST_MinX(NEW."geom"),'
    ' ST_MaxX(NEW."geom"),ST_MinY(NEW."geom"), ST_MaxY(NEW."geom")); END',
    'CREATE TRIGGER "{r}_update4" AFTER UPDATE ON "{t}" WHEN OLD."fid" != NEW."fid" AND'
    ' (NEW."geom" ISNULL OR ST_IsEmpty(NEW."geom")) BEGIN DELETE FROM "{r}" WHERE id IN'
    ' (OLD."fid", NEW."fid"); END',
    'CREATE TRIGGER "{r}_delete" AFTER DELETE ON "{t}" WHEN old."geom" NOT NULL BEGIN'
    ' DELETE FROM "{r}" WHERE id = OLD."fid"; END',
    # GDAL's feature count (gpkg_ogr_contents), so ogrinfo counts without a scan.
    'CREATE TRIGGER "trigger_insert_feature_count_{t}" AFTER INSERT ON "{t}" BEGIN UPDATE'
    " gpkg_ogr_contents SET feature_count = feature_count + 1 WHERE lower(table_name) ="
    " lower('{t}'); END",
    'CREATE TRIGGER "trigger_delete_feature_count_{t}" AFTER DELETE ON "{t}" BEGIN UPDATE'
    " gpkg_ogr_contents SET feature_count = feature_count - 1 WHERE lower(table_name) ="
    " lower('{t}'); END",
)


class Ddl:
    """What one database needs said its own way; `schema` is None on a GeoPackage."""

    name = ""
    types: dict[str, str] = {}

    def __init__(self, schema: str | None) -> None:
        self.schema = schema

    def quote(self, con: sa.Connection, name: str) -> str:
        return con.dialect.identifier_preparer.quote(name)

    def table(self, con: sa.Connection, name: str) -> str:
        quoted = self.quote(con, name)
        return quoted if self.schema is None else f"{self.quote(con, self.schema)}.{quoted}"

    def table_names(self, con: sa.Connection) -> set[str]:
        return set(sa.inspect(con).get_table_names(schema=self.schema))

    def column_names(self, con: sa.Connection, table: str) -> list[str]:
        with warnings.catch_warnings():  # SQLAlchemy knows no PostGIS geometry type: fine here
            warnings.simplefilter("ignore", sa.exc.SAWarning)
            columns = sa.inspect(con).get_columns(table, schema=self.schema)
        return [c["name"] for c in columns]

    def lock(self, con: sa.Connection) -> None:
        """Queue behind (and block) every other writer of the store for this transaction."""

    def layer_names(self, con: sa.Connection) -> list[str]:
        raise NotImplementedError

    def recorded_version(self, con: sa.Connection) -> int | None:
        raise NotImplementedError

    def record_version(self, con: sa.Connection, version: int) -> None:
        raise NotImplementedError

    def create_layer(self, con: sa.Connection, spec: layers.LayerSpec, frame: gpd.GeoDataFrame):
        raise NotImplementedError


class GeoPackageDdl(Ddl):
    name = "sqlite"
    types = _GPKG_TYPES

    def lock(self, con: sa.Connection) -> None:
        # The engine began with BEGIN IMMEDIATE; the trigger functions GDAL's R-tree needs.
        gpkg_binary.register_functions(con.connection.driver_connection)

    def layer_names(self, con: sa.Connection) -> list[str]:
        rows = con.exec_driver_sql(
            "SELECT table_name FROM gpkg_contents WHERE data_type = 'features'"
        )
        return [name for (name,) in rows]

    def recorded_version(self, con: sa.Connection) -> int | None:
        row = con.exec_driver_sql("SELECT value FROM eoc_meta WHERE key = 'schema_version'").first()
        return None if row is None else int(row[0])

    def record_version(self, con: sa.Connection, version: int) -> None:
        con.exec_driver_sql(
            "INSERT OR REPLACE INTO eoc_meta (key, value) VALUES ('schema_version', ?)",
            (str(version),),
        )

    def create_layer(self, con: sa.Connection, spec: layers.LayerSpec, frame: gpd.GeoDataFrame):
        name, rtree = spec.name, f"rtree_{spec.name}_geom"
        geometry_type = _geometry_type(spec, frame)
        columns = ", ".join(f'"{f.name}" {self.types[f.type]}' for f in spec.fields)
        con.exec_driver_sql(
            f'CREATE TABLE "{name}" ("fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,'
            f' "geom" {geometry_type}, {columns})'
        )
        bounds = _bounds(frame)
        con.exec_driver_sql(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description,"
            " last_change, min_x, min_y, max_x, max_y, srs_id)"
            " VALUES (?, 'features', ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, ?, ?, ?,"
            " 4326)",
            (name, name, spec.title, *bounds),
        )
        con.exec_driver_sql(
            "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name,"
            " srs_id, z, m) VALUES (?, 'geom', ?, 4326, 0, 0)",
            (name, geometry_type),
        )
        con.exec_driver_sql(
            "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition,"
            " scope) VALUES (?, 'geom', 'gpkg_rtree_index',"
            " 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
            (name,),
        )
        con.exec_driver_sql(
            f'CREATE VIRTUAL TABLE "{rtree}" USING rtree(id, minx, maxx, miny, maxy)'
        )
        if "gpkg_ogr_contents" in self.table_names(con):
            con.exec_driver_sql(
                "INSERT INTO gpkg_ogr_contents (table_name, feature_count) VALUES (?, 0)", (name,)
            )
            triggers = _RTREE_TRIGGERS
        else:
            triggers = _RTREE_TRIGGERS[:6]
        for trigger in triggers:
            con.exec_driver_sql(trigger.format(t=name, r=rtree))
        con.exec_driver_sql(
            f'CREATE INDEX "{name}_{spec.id_field}_idx" ON "{name}" ("{spec.id_field}")'
        )
        marks = ", ".join("?" for _ in range(len(spec.fields) + 1))
        names = ", ".join(f'"{f.name}"' for f in spec.fields)
        rows = [
            (gpkg_binary.encode(geom), *(to_column(record[f.name], f) for f in spec.fields))
            for record, geom in zip(
                frame[list(spec.field_names)].to_dict("records"), frame.geometry, strict=True
            )
        ]
        if rows:
            con.exec_driver_sql(f'INSERT INTO "{name}" (geom, {names}) VALUES ({marks})', rows)


class PostGISDdl(Ddl):
    name = "postgresql"
    types = _PG_TYPES

    def lock(self, con: sa.Connection) -> None:
        # Every writer of the store begins by locking this one row (eoc/store/postgis.py).
        con.execute(sa.text(f"SELECT version FROM {self.table(con, 'eoc_meta')} FOR UPDATE"))

    def layer_names(self, con: sa.Connection) -> list[str]:
        query = f"SELECT name FROM {self.table(con, 'eoc_layers')} ORDER BY position"
        return [name for (name,) in con.execute(sa.text(query))]

    def recorded_version(self, con: sa.Connection) -> int | None:
        if "schema_version" not in self.column_names(con, "eoc_meta"):
            return None
        query = f"SELECT schema_version FROM {self.table(con, 'eoc_meta')} WHERE id = 1"
        return con.execute(sa.text(query)).scalar()

    def record_version(self, con: sa.Connection, version: int) -> None:
        meta = self.table(con, "eoc_meta")
        if "schema_version" not in self.column_names(con, "eoc_meta"):
            con.execute(sa.text(f"ALTER TABLE {meta} ADD COLUMN schema_version integer"))
        con.execute(sa.text(f"UPDATE {meta} SET schema_version = :v WHERE id = 1"), {"v": version})

    def create_table(self, con: sa.Connection, spec: layers.LayerSpec) -> None:
        """The layer's empty table typed from its spec, its indexes, and its row in
        `eoc_layers` (drawn last). The one definition: a first build and an upgrade use it."""
        table = self.table(con, spec.name)
        columns = ", ".join(f"{self.quote(con, f.name)} {self.types[f.type]}" for f in spec.fields)
        con.execute(
            sa.text(
                f"CREATE TABLE {table} (fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                f" {columns}, geom geometry(Geometry, 4326))"
            )
        )
        con.execute(sa.text(f"CREATE INDEX ON {table} USING gist (geom)"))
        # Context layers may hold several rows per id (a river in pieces); edited ones may not.
        unique = spec.kind == "operational" and spec.field(spec.id_field).unique
        con.execute(
            sa.text(
                f"CREATE {'UNIQUE' if unique else ''} INDEX ON {table}"
                f" ({self.quote(con, spec.id_field)})"
            )
        )
        registry = self.table(con, "eoc_layers")
        con.execute(
            sa.text(
                f"INSERT INTO {registry} (name, title, position)"
                f" SELECT :name, :title, coalesce(max(position), -1) + 1 FROM {registry}"
            ),
            {"name": spec.name, "title": spec.title},
        )

    def create_layer(self, con: sa.Connection, spec: layers.LayerSpec, frame: gpd.GeoDataFrame):
        self.create_table(con, spec)
        table = self.table(con, spec.name)
        names = ", ".join(self.quote(con, f.name) for f in spec.fields)
        marks = ", ".join(f":v{i}" for i in range(len(spec.fields)))
        rows = [
            {
                "geom": None if geom is None else shapely.to_wkb(geom, hex=True),
                **{f"v{i}": plain(record[f.name], f) for i, f in enumerate(spec.fields)},
            }
            for record, geom in zip(
                frame[list(spec.field_names)].to_dict("records"), frame.geometry, strict=True
            )
        ]
        if rows:
            con.execute(
                sa.text(
                    f"INSERT INTO {table} ({names}, geom)"
                    f" VALUES ({marks}, ST_SetSRID(ST_GeomFromWKB(decode(:geom, 'hex')), 4326))"
                ),
                rows,
            )


def ddl_for(store) -> Ddl:
    """The DDL of the store's database (a PostGIS store has a `schema`)."""
    schema = getattr(store, "schema", None)
    return GeoPackageDdl(None) if schema is None else PostGISDdl(schema)


def _geometry_type(spec: layers.LayerSpec, frame: gpd.GeoDataFrame) -> str:
    kinds: Sequence[str] = frame.geometry.dropna().geom_type.unique().tolist()
    if len(kinds) > 1:
        return "GEOMETRY"  # a layer mixing single and multi shapes keeps each as it is
    multi = any(kind.startswith("Multi") for kind in kinds)
    return ("MULTI" if multi else "") + spec.geometry.upper()


def _bounds(frame: gpd.GeoDataFrame) -> tuple[float | None, ...]:
    if frame.empty or frame.geometry.isna().all():
        return (None, None, None, None)
    return tuple(float(v) for v in frame.total_bounds)
