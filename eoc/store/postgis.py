"""The shared store: one PostgreSQL schema with PostGIS, for a deployment with many writers.

What a store does is eoc/store/sql_store.py, the same SQL as the GeoPackage store's; this
module is what only PostgreSQL has: the schema's DDL (one table per layer typed from its spec
with a GiST index, `eoc_meta` (the version counter and the data time), `eoc_layers` (which
layers the store holds, like gpkg_contents), and the append-only `eoc_audit`, `eoc_users` and
`eoc_reports`), bulk loads with COPY, and reads with PostGIS. Every write first locks the one
row of `eoc_meta` (eoc/store/sql_engine.py): writers queue there. Readers never wait.

The location is a URL: postgresql://user@host:port/database?schema=eoc. Identifiers in SQL
come from the layer registry and are quoted by psycopg; values are always parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
import sqlalchemy as sa
from psycopg import sql

import layers
from eoc.errors import ConfigError, StoreError, StoreNotInitialisedError
from eoc.store import feature_rows
from eoc.store import journal_tables as j
from eoc.store.feature_rows import Fit
from eoc.store.migrations.ddl import PostGISDdl
from eoc.store.schema import shared_metadata
from eoc.store.sql_engine import PostgisSql
from eoc.store.sql_store import SqlStore
from eoc.store.values import plain

DEFAULT_SCHEMA = "eoc"
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# How a column read from PostgreSQL becomes a pandas column before layers.conform (exact ints).
_FRAME_DTYPES = {"str": "string", "int": "Int64", "float": "Float64", "bool": "boolean"}
# {s} is the store's schema. Created once, when the store is first built.
_SCHEMA_DDL = (
    "CREATE SCHEMA IF NOT EXISTS {s}",
    "CREATE TABLE {s}.eoc_meta (id integer PRIMARY KEY CHECK (id = 1),"
    " version bigint NOT NULL, data_time timestamptz)",
    "INSERT INTO {s}.eoc_meta (id, version) VALUES (1, 0)",
    "CREATE TABLE {s}.eoc_layers (name text PRIMARY KEY, title text NOT NULL,"
    " position integer NOT NULL, last_change timestamptz)",
    "CREATE TABLE {s}.eoc_audit (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    ' at timestamptz NOT NULL, "user" text NOT NULL, action text NOT NULL, layer text,'
    " feature_id text, old json, new json, reason text NOT NULL, version bigint NOT NULL)",
    "CREATE INDEX ON {s}.eoc_audit (layer, feature_id)",
    "CREATE INDEX ON {s}.eoc_audit (version)",
    "CREATE TABLE {s}.eoc_users (name text PRIMARY KEY, role text NOT NULL,"
    " password_hash text NOT NULL, created_at timestamptz NOT NULL, lang text)",
    "CREATE TABLE {s}.eoc_reports (number integer PRIMARY KEY, lang text NOT NULL,"
    " version bigint NOT NULL, as_of timestamptz NOT NULL, published_at timestamptz NOT NULL,"
    " published_by text NOT NULL, title text NOT NULL, html text NOT NULL,"
    " markdown text NOT NULL, pdf bytea NOT NULL)",
    # restrict_violation is an integrity error, as SQLite's RAISE(ABORT) is for the GeoPackage.
    "CREATE FUNCTION {s}.eoc_refuse() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation'; END $$",
    "CREATE TRIGGER eoc_audit_append_only BEFORE UPDATE OR DELETE ON {s}.eoc_audit"
    " FOR EACH ROW EXECUTE FUNCTION {s}.eoc_refuse('the audit log is append-only')",
    "CREATE TRIGGER eoc_audit_no_truncate BEFORE TRUNCATE ON {s}.eoc_audit"
    " FOR EACH STATEMENT EXECUTE FUNCTION {s}.eoc_refuse('the audit log is append-only')",
    "CREATE TRIGGER eoc_reports_no_update BEFORE UPDATE ON {s}.eoc_reports"
    " FOR EACH ROW EXECUTE FUNCTION {s}.eoc_refuse('published reports cannot be changed')",
    "CREATE TRIGGER eoc_reports_no_delete BEFORE DELETE ON {s}.eoc_reports"
    " FOR EACH ROW EXECUTE FUNCTION {s}.eoc_refuse('published reports cannot be deleted')",
    "CREATE TRIGGER eoc_reports_no_truncate BEFORE TRUNCATE ON {s}.eoc_reports"
    " FOR EACH STATEMENT EXECUTE FUNCTION {s}.eoc_refuse('published reports cannot be deleted')",
)


class PostGISStore(SqlStore):
    """A store in one schema of a PostgreSQL database with PostGIS."""

    def __init__(self, url: str, *, schema: str | None = None) -> None:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        from_url = [value for key, value in query if key == "schema"]
        self.location = url
        rest = urlencode([(key, value) for key, value in query if key != "schema"])
        self._conninfo = urlunsplit(parts._replace(query=rest))
        netloc = parts.netloc
        if parts.password is not None:
            netloc = netloc.replace(f":{parts.password}@", ":***@", 1)
        # What messages show: the location without its password.
        self._label = urlunsplit(parts._replace(netloc=netloc))
        self.schema = schema or (from_url[-1] if from_url else DEFAULT_SCHEMA)
        if not _SCHEMA_NAME.fullmatch(self.schema):
            raise ConfigError(
                f"store {self._label}: schema {self.schema!r} cannot be used; name it with"
                " lower-case letters, digits and _ (at most 63), starting with a letter"
            )
        self._s = sql.Identifier(self.schema)

    def __repr__(self) -> str:
        return f"PostGISStore({self._label!r})"

    @cached_property
    def sql(self) -> PostgisSql:
        """This schema under SQLAlchemy: the SQL shared with the GeoPackage store."""
        return PostgisSql(self._conninfo, self.schema, label=self._label)

    def _table(self, name: str) -> sql.Composed:
        # Identifiers come from the layer registry or this module, never from user text.
        return sql.SQL("{}.{}").format(self._s, sql.Identifier(name))

    def _sql(self, template: str, **identifiers: sql.Composable) -> sql.Composed:
        return sql.SQL(template).format(s=self._s, **identifiers)

    def _initialised(self, con: sa.Connection) -> bool:
        found = con.execute(
            sa.text(
                "SELECT 1 FROM pg_catalog.pg_tables"
                " WHERE schemaname = :schema AND tablename = 'eoc_meta'"
            ),
            {"schema": self.schema},
        ).first()
        return found is not None

    def exists(self) -> bool:
        with self.sql.engine.connect() as con:
            return self._initialised(con)

    # -- reading ---------------------------------------------------------------------------

    def layer_names(self) -> list[str]:
        catalogue = j.pg_layers
        with self._reading() as con:
            rows = con.execute(sa.select(catalogue.c.name).order_by(catalogue.c.position)).all()
        return [name for (name,) in rows]

    def _read_frame(
        self, spec: layers.LayerSpec, bbox: tuple[float, float, float, float] | None
    ) -> gpd.GeoDataFrame:
        table = feature_rows.layer_table(spec.name)
        # A store not yet upgraded may lack a field a newer spec has: read it as empty, so
        # the store can still be read (and backed up) before `eoc upgrade`.
        held = self._columns(spec.name)
        query = sa.select(
            *(
                table.c[name] if name in held or not held else sa.null().label(name)
                for name in spec.field_names
            ),
            sa.type_coerce(sa.func.ST_AsBinary(table.c.geom), sa.LargeBinary),
        ).order_by(table.c.fid)
        if bbox is not None:
            # The index finds envelopes that meet the box (&&); ST_Intersects then drops those
            # whose shape misses it, which is what GDAL's bbox does on a GeoPackage.
            box = sa.func.ST_MakeEnvelope(*(float(v) for v in bbox), 4326)
            query = query.where(sa.func.ST_Intersects(table.c.geom, box))
        try:
            with self._reading() as con:
                rows = con.execute(query).all()
        except StoreNotInitialisedError:
            raise
        except StoreError as exc:
            missing = getattr(exc.__cause__, "orig", None)
            if isinstance(missing, psycopg.errors.UndefinedTable):
                raise self._missing_layer(spec.name, missing.diag.message_primary) from exc
            raise
        return _frame(spec, rows)

    def _columns(self, table: str) -> set[str]:
        """The columns table `table` of the store's schema has (empty if there is none)."""
        with self._reading() as con:
            rows = con.execute(
                sa.text(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = :schema AND table_name = :table"
                ),
                {"schema": self.schema, "table": table},
            ).all()
        return {name for (name,) in rows}

    # -- writing ---------------------------------------------------------------------------

    def _insert_rows(
        self, con: sa.Connection, spec: layers.LayerSpec, records: list[dict], fit: Fit
    ) -> None:
        """Bulk-load with COPY (EWKB hex is the geometry's text form; any type fits)."""
        geoms = gpd.GeoSeries([r.get("geometry") for r in records], crs=4326)
        self._copy(con, spec, records, _ewkb_array(geoms))

    def _copy(self, con: sa.Connection, spec: layers.LayerSpec, records: list[dict], geoms) -> None:
        query = sql.SQL("COPY {} ({}, geom) FROM STDIN").format(
            self._table(spec.name), _columns(spec)
        )
        fields = [spec.field(name) for name in spec.field_names]
        raw = con.connection.driver_connection  # the same transaction, psycopg's COPY
        with raw.cursor().copy(query) as copy:
            for record, geom in zip(records, geoms, strict=True):
                copy.write_row([*(plain(record.get(f.name), f) for f in fields), geom])

    def _rebuild(
        self, frames: Mapping[str, gpd.GeoDataFrame], *, now: datetime, user: str, reason: str
    ) -> int:
        """Every layer table dropped and created again, in one transaction.

        The first call creates the schema (and the PostGIS extension, if the role may).
        """
        specs = {name: layers.get(name) for name in frames}  # unknown layers: nothing written
        with self.sql.engine.begin() as con:
            raw = con.connection.driver_connection
            # Serialises first builds; later ones queue on the meta row like every writer.
            raw.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"eoc:{self.schema}",))
            if not self._initialised(con):
                self._create_schema(raw)
                shared_metadata().create_all(con, checkfirst=True)
            version = self._bump(con, now)  # first: every other writer queues behind it
            held = raw.execute(self._sql("SELECT name FROM {s}.eoc_layers")).fetchall()
            for (old_name,) in held:
                raw.execute(sql.SQL("DROP TABLE {}").format(self._table(old_name)))
            raw.execute(self._sql("DELETE FROM {s}.eoc_layers"))
            ddl = PostGISDdl(self.schema)
            for name, spec in specs.items():
                ddl.create_table(con, spec)  # in `frames` order: the drawing order
                gdf = layers.conform(frames[name], spec)
                records = gdf[list(spec.field_names)].to_dict("records")
                self._copy(con, spec, records, _ewkb_array(gdf.geometry))
            self.sql.mark_written(con, now, list(frames))
            self._audit_rebuild(
                con, list(frames), version=version, now=now, user=user, reason=reason
            )
        return version

    def _create_schema(self, con: psycopg.Connection) -> None:
        try:
            con.execute("SAVEPOINT eoc_postgis")
            con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            con.execute("RELEASE SAVEPOINT eoc_postgis")
        except psycopg.Error as exc:
            raise StoreError(
                f"{self._label}: PostGIS is not available in this database"
                f" ({exc.diag.message_primary}); install it on the server"
                " (Debian: postgresql-15-postgis-3) and run CREATE EXTENSION postgis as the"
                " database owner"
            ) from exc
        for statement in _SCHEMA_DDL:
            con.execute(self._sql(statement))


def _columns(spec: layers.LayerSpec) -> sql.Composed:
    return sql.SQL(", ").join(map(sql.Identifier, spec.field_names))


def _ewkb_array(geometries: gpd.GeoSeries) -> list[str | None]:
    """Hex EWKB with SRID 4326 (the text form COPY reads), 2D; None stays None."""
    values = shapely.set_srid(np.asarray(geometries.array, dtype=object), 4326)
    return list(shapely.to_wkb(values, hex=True, include_srid=True, output_dimension=2))


def _frame(spec: layers.LayerSpec, rows: list) -> gpd.GeoDataFrame:
    """The rows of a layer query (its fields, then WKB geometry) as a frame for conform."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * (len(spec.fields) + 1)
    data = {}
    for f, values in zip(spec.fields, columns, strict=False):
        dtype = _FRAME_DTYPES.get(f.type, "object")
        data[f.name] = pd.Series(list(values), dtype=dtype)
    wkbs = np.array([None if v is None else bytes(v) for v in columns[-1]], dtype=object)
    return gpd.GeoDataFrame(data, geometry=shapely.from_wkb(wkbs), crs="EPSG:4326")
