"""The shared store: one PostgreSQL schema with PostGIS, for a deployment with many writers.

It behaves like the GeoPackage store (eoc/store/geopackage.py), table for table: one table per
layer typed from its spec, `eoc_meta` (the version counter and the data time), `eoc_layers`
(which layers the store holds, like gpkg_contents), and the append-only `eoc_audit`,
`eoc_users` and `eoc_reports`. Every write is one transaction that first locks the one row of
`eoc_meta` (SELECT … FOR UPDATE): writers queue there, so each one sees what the previous one
committed, an edit's `expected` values are checked against committed data, and the version
grows by exactly one per transaction. Readers never wait for writers.

The location is a URL: postgresql://user@host:port/database?schema=eoc. Identifiers in SQL
come from the layer registry and are quoted by psycopg; values are always parameters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql

import layers
from eoc.errors import (
    ConfigError,
    EocError,
    StoreError,
    StoreNotInitialisedError,
)
from eoc.i18n import _
from eoc.store import accounts
from eoc.store.edits import Edit
from eoc.store.import_plan import plan_import
from eoc.store.records import AuditEntry, UserRecord
from eoc.store.rows import (
    PROTECTION_ACTION,
    check_report_number,
    prepare_edit,
    prepare_import,
    required_reason,
)
from eoc.store.sql_engine import SqlBackend, postgis_backend
from eoc.store.values import plain

SYSTEM_USER = "system"
DEFAULT_SCHEMA = "eoc"
CONNECT_TIMEOUT_S = 10
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_SQL_TYPES = {
    "str": "text",
    "int": "bigint",
    "float": "double precision",
    "bool": "boolean",
    "date": "date",
    "datetime": "timestamptz",
}
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
_AUDIT_COLUMNS = 'id, at, "user", action, layer, feature_id, old, new, reason, version'
_REPORT_COLUMNS = ("number", "lang", "version", "as_of", "published_at", "published_by", "title")


class PostGISStore:
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
    def sql(self) -> SqlBackend:
        """This schema under SQLAlchemy, for the tables shared with the GeoPackage store."""
        return postgis_backend(self._conninfo, self.schema, label=self._label)

    # -- connections -----------------------------------------------------------------------

    @contextmanager
    def _connect(self, *, autocommit: bool = False) -> Iterator[psycopg.Connection]:
        """A connection from this process's pool, returned to it after the block.

        One pool per process (gunicorn workers fork after the store is opened), opened on
        first use; like a plain connection, the block commits on a clean exit and rolls
        back on an exception.
        """
        import threading
        from contextlib import ExitStack
        from os import getpid

        from psycopg_pool import ConnectionPool, PoolTimeout

        # By process: a pool inherited through fork is never used, nor closed (its sockets
        # are the parent's).
        pools = self.__dict__.setdefault("_pools", {})
        with self.__dict__.setdefault("_pools_lock", threading.Lock()):
            if getpid() not in pools:
                pools[getpid()] = ConnectionPool(
                    self._conninfo,
                    min_size=1,
                    max_size=8,  # a worker's threads
                    num_workers=1,
                    kwargs={"connect_timeout": CONNECT_TIMEOUT_S},
                    open=True,
                    name=f"eoc-{self.schema}",
                )
        with ExitStack() as stack:
            try:
                con = stack.enter_context(pools[getpid()].connection(timeout=CONNECT_TIMEOUT_S))
            except (psycopg.OperationalError, PoolTimeout) as exc:
                raise StoreError(
                    _("cannot read {store}: {error}").format(store=self._label, error=exc)
                ) from exc
            con.autocommit = autocommit
            yield con

    def _table(self, name: str) -> sql.Composed:
        # Identifiers come from the layer registry or this module, never from user text.
        return sql.SQL("{}.{}").format(self._s, sql.Identifier(name))

    def _sql(self, template: str, **identifiers: sql.Composable) -> sql.Composed:
        return sql.SQL(template).format(s=self._s, **identifiers)

    @contextmanager
    def _reading(self) -> Iterator[psycopg.Connection]:
        """A connection for reads; a store that was never built says how to build it."""
        with self._connect(autocommit=True) as con:
            try:
                yield con
            except psycopg.errors.UndefinedTable as exc:
                if not self._initialised(con):
                    raise StoreNotInitialisedError(self._label) from exc
                raise

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection]:
        """One write transaction, begun by locking the meta row: writers queue here."""
        with self._connect() as con:
            try:
                con.execute(self._sql("SELECT version FROM {s}.eoc_meta WHERE id = 1 FOR UPDATE"))
            except psycopg.errors.UndefinedTable as exc:
                raise StoreNotInitialisedError(self._label) from exc
            yield con  # psycopg commits on a clean exit and rolls back on an exception

    def _initialised(self, con: psycopg.Connection) -> bool:
        row = con.execute(
            "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = %s AND tablename = 'eoc_meta'",
            (self.schema,),
        ).fetchone()
        return row is not None

    def exists(self) -> bool:
        with self._connect(autocommit=True) as con:
            return self._initialised(con)

    # -- reading ---------------------------------------------------------------------------

    def _meta(self, column: str) -> object:
        with self._reading() as con:
            row = con.execute(
                self._sql("SELECT {c} FROM {s}.eoc_meta WHERE id = 1", c=sql.Identifier(column))
            ).fetchone()
        return None if row is None else row[0]

    def version(self) -> int:
        value = self._meta("version")
        return int(value) if value is not None else 0

    def data_time(self) -> datetime | None:
        value = self._meta("data_time")
        return None if value is None else value.astimezone(UTC)

    def changed_layers(self, since_version: int) -> set[str]:
        """Layers written after `since_version` (every layer if the store was rebuilt)."""
        with self._reading() as con:
            rows = con.execute(
                self._sql("SELECT DISTINCT action, layer FROM {s}.eoc_audit WHERE version > %s"),
                (since_version,),
            ).fetchall()
        if any(action == "replace_all" for action, _layer in rows):
            return set(layers.REGISTRY)
        return {layer for _action, layer in rows if layer}

    def layer_names(self) -> list[str]:
        with self._reading() as con:
            rows = con.execute(
                self._sql("SELECT name FROM {s}.eoc_layers ORDER BY position")
            ).fetchall()
        return [name for (name,) in rows]

    def read_layer(
        self, name: str, *, bbox: tuple[float, float, float, float] | None = None
    ) -> gpd.GeoDataFrame:
        spec = layers.get(name)
        query = sql.SQL("SELECT {columns}, ST_AsBinary(geom) FROM {table}").format(
            columns=_columns(spec), table=self._table(name)
        )
        params: tuple[float, ...] = ()
        if bbox is not None:
            # The index finds envelopes that meet the box (&&); ST_Intersects then drops those
            # whose shape misses it, which is what GDAL's bbox does on a GeoPackage.
            query += sql.SQL(" WHERE ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))")
            params = tuple(float(v) for v in bbox)
        query += sql.SQL(" ORDER BY fid")
        try:
            with self._reading() as con:
                rows = con.execute(query, params).fetchall()
        except psycopg.errors.UndefinedTable as exc:
            raise StoreError(
                _("layer {layer} is not in {store}: {error}").format(
                    layer=name, store=self._label, error=exc.diag.message_primary
                )
            ) from exc
        return layers.conform(_frame(spec, rows), spec)

    def feature_counts(self, *, public_only: bool = False) -> dict[str, int]:
        """Feature count of every layer; `public_only`: only what a public page may show."""
        counts = {}
        names = self.layer_names()
        with self._reading() as con:
            for name in names:
                spec = layers.REGISTRY.get(name)
                if spec is None or (public_only and spec.sensitive):
                    continue
                query = sql.SQL("SELECT count(*) FROM {}").format(self._table(name))
                if public_only and spec.sensitive_field:
                    query += sql.SQL(" WHERE {} = false").format(
                        sql.Identifier(spec.sensitive_field)
                    )
                counts[name] = con.execute(query).fetchone()[0]
        return counts

    # -- writing ---------------------------------------------------------------------------

    def _bump(self, con: psycopg.Connection, now: datetime, touched: Sequence[str] = ()) -> int:
        """Next version; the data time moves only when layers (`touched`) were written."""
        stamp = now.astimezone(UTC)
        (version,) = con.execute(
            self._sql(
                "UPDATE {s}.eoc_meta SET version = version + 1,"
                " data_time = CASE WHEN %s THEN %s ELSE data_time END"
                " WHERE id = 1 RETURNING version"
            ),
            (bool(touched), stamp),
        ).fetchone()
        if touched:
            con.execute(
                self._sql("UPDATE {s}.eoc_layers SET last_change = %s WHERE name = ANY(%s)"),
                (stamp, list(touched)),
            )
        return int(version)

    def _audit(
        self,
        con: psycopg.Connection,
        *,
        now: datetime,
        user: str,
        action: str,
        reason: str,
        version: int,
        layer: str | None = None,
        feature_id: str | None = None,
        old: Mapping[str, object] | None = None,
        new: Mapping[str, object] | None = None,
    ) -> None:
        con.execute(
            self._sql(
                'INSERT INTO {s}.eoc_audit (at, "user", action, layer, feature_id, old, new,'
                " reason, version) VALUES (%s, %s, %s, %s, %s, %s::json, %s::json, %s, %s)"
            ),
            (
                now.astimezone(UTC),
                user,
                action,
                layer,
                feature_id,
                None if old is None else json.dumps(old, ensure_ascii=False),
                None if new is None else json.dumps(new, ensure_ascii=False),
                reason,
                version,
            ),
        )

    def apply_edits(
        self,
        layer: str,
        edits: Sequence[Edit],
        *,
        user: str,
        reason: str,
        now: datetime,
        protection: bool = False,
    ) -> int:
        """Apply `edits` to `layer` in one transaction; return the new version.

        Every edit is validated against the layer spec and checked against what the editor
        saw (`Edit.expected`); one refused edit writes nothing at all.
        """
        return self.apply_edit_sets(
            [(layer, edits)], user=user, reason=reason, now=now, protection=protection
        )

    def apply_edit_sets(
        self,
        sets: Sequence[tuple[str, Sequence[Edit]]],
        *,
        user: str,
        reason: str,
        now: datetime,
        protection: bool = False,
    ) -> int:
        """Apply edits to several layers (`(layer, edits)` pairs) in one transaction."""
        specs = [(layers.get(layer), edits) for layer, edits in sets]
        reason = required_reason(reason)
        with self._transaction() as con:
            version = self._bump(con, now, [spec.name for spec, _e in specs])
            for spec, edit in ((spec, e) for spec, edits in specs for e in edits):
                current = self._fetch(con, spec, edit.feature_id)
                row, old, new = prepare_edit(
                    spec,
                    edit,
                    current,
                    last_change=lambda fid=edit.feature_id, sp=spec: self._last_change(
                        con, sp, fid
                    ),
                    protection=protection,
                )
                self._write(con, spec, edit.op, row, current)
                self._audit(
                    con,
                    now=now,
                    user=user,
                    action=PROTECTION_ACTION if protection else edit.op,
                    reason=reason,
                    version=version,
                    layer=spec.name,
                    feature_id=edit.feature_id,
                    old=old,
                    new=new,
                )
        return version

    def _last_change(
        self, con: psycopg.Connection, spec: layers.LayerSpec, feature_id: str
    ) -> tuple[str, str] | None:
        row = con.execute(
            self._sql(
                'SELECT "user", at FROM {s}.eoc_audit WHERE layer = %s AND feature_id = %s'
                " ORDER BY id DESC LIMIT 1"
            ),
            (spec.name, feature_id),
        ).fetchone()
        return None if row is None else (row[0], row[1].astimezone(UTC).isoformat())

    def _fetch(
        self, con: psycopg.Connection, spec: layers.LayerSpec, feature_id: str
    ) -> dict | None:
        row = con.execute(
            sql.SQL(
                "SELECT fid, ST_AsBinary(geom), {columns} FROM {table} WHERE {id} = %s"
                " ORDER BY fid LIMIT 1"
            ).format(
                columns=_columns(spec),
                table=self._table(spec.name),
                id=sql.Identifier(spec.id_field),
            ),
            (plain(feature_id, spec.field(spec.id_field)),),
        ).fetchone()
        if row is None:
            return None
        values = dict(zip(spec.field_names, row[2:], strict=True))
        geometry = None if row[1] is None else shapely.from_wkb(bytes(row[1]))
        return {"fid": row[0], "geometry": geometry, **values}

    def _write(
        self,
        con: psycopg.Connection,
        spec: layers.LayerSpec,
        op: str,
        row: dict,
        current: dict | None,
    ) -> None:
        table = self._table(spec.name)
        if op == "delete":
            con.execute(sql.SQL("DELETE FROM {} WHERE fid = %s").format(table), (current["fid"],))
            return
        values = [plain(row.get(name), spec.field(name)) for name in spec.field_names]
        geom = _ewkb(row.get("geometry"))
        if op == "insert":
            marks = sql.SQL(", ").join(sql.Placeholder() * len(values))
            con.execute(
                sql.SQL("INSERT INTO {} ({}, geom) VALUES ({}, ST_GeomFromEWKB(%s))").format(
                    table, _columns(spec), marks
                ),
                (*values, geom),
            )
            return
        assignments = sql.SQL(", ").join(
            sql.SQL("{} = %s").format(sql.Identifier(name)) for name in spec.field_names
        )
        con.execute(
            sql.SQL("UPDATE {} SET geom = ST_GeomFromEWKB(%s), {} WHERE fid = %s").format(
                table, assignments
            ),
            (geom, *values, current["fid"]),
        )

    def _copy_rows(self, con: psycopg.Connection, spec: layers.LayerSpec, gdf) -> None:
        """Bulk-load a conformed frame with COPY (EWKB hex is the geometry's text form)."""
        records = gdf[list(spec.field_names)].to_dict("records")
        self._copy_records(con, spec, records, _ewkb_array(gdf.geometry))

    def _copy_records(
        self, con: psycopg.Connection, spec: layers.LayerSpec, records: list[dict], geoms
    ) -> None:
        query = sql.SQL("COPY {} ({}, geom) FROM STDIN").format(
            self._table(spec.name), _columns(spec)
        )
        fields = [spec.field(name) for name in spec.field_names]
        with con.cursor().copy(query) as copy:
            for record, geom in zip(records, geoms, strict=True):
                copy.write_row([*(plain(record[f.name], f) for f in fields), geom])

    def _fetch_all(self, con: psycopg.Connection, spec: layers.LayerSpec) -> list[dict]:
        """Every stored row of a layer (with its fid), in storage order."""
        rows = con.execute(
            sql.SQL("SELECT fid, ST_AsBinary(geom), {columns} FROM {table} ORDER BY fid").format(
                columns=_columns(spec), table=self._table(spec.name)
            )
        ).fetchall()
        geoms = shapely.from_wkb([None if r[1] is None else bytes(r[1]) for r in rows])
        names = spec.field_names
        return [
            {"fid": row[0], "geometry": geom, **dict(zip(names, row[2:], strict=True))}
            for row, geom in zip(rows, geoms, strict=True)
        ]

    def _audit_many(
        self,
        con: psycopg.Connection,
        *,
        now: datetime,
        user: str,
        reason: str,
        version: int,
        layer: str,
        entries: Sequence[tuple[str, str | None, Mapping | None, Mapping | None]],
    ) -> None:
        """One audit entry per (action, feature_id, old, new), sent in one batch."""
        at = now.astimezone(UTC)
        with con.cursor() as cursor:
            cursor.executemany(
                self._sql(
                    'INSERT INTO {s}.eoc_audit (at, "user", action, layer, feature_id, old, new,'
                    " reason, version) VALUES (%s, %s, %s, %s, %s, %s::json, %s::json, %s, %s)"
                ),
                [
                    (at, user, action, layer, feature_id, _json(old), _json(new), reason, version)
                    for action, feature_id, old, new in entries
                ],
            )

    def _count(self, con: psycopg.Connection, name: str) -> int:
        query = sql.SQL("SELECT count(*) FROM {}").format(self._table(name))
        return int(con.execute(query).fetchone()[0])

    def import_layer(
        self,
        name: str,
        gdf: gpd.GeoDataFrame,
        *,
        mode: str = "replace",
        user: str,
        reason: str,
        now: datetime,
    ) -> int:
        """Load a whole validated layer in ONE transaction; return the new version.

        mode "replace": the layer becomes exactly `gdf`; "upsert": rows of `gdf` are added or
        replace the rows with the same id, other rows stay. Validation runs before anything is
        written; any failure (or a crash) leaves the layer as it was.
        """
        spec = layers.get(name)
        reason = required_reason(reason)
        rows = prepare_import(gdf, spec, mode=mode)
        with self._transaction() as con:
            stored = self._fetch_all(con, spec)
            plan = plan_import(spec, rows, stored, mode=mode)
            version = self._bump(con, now, [name])
            if mode == "replace":
                # DELETE, not TRUNCATE: readers keep seeing the old rows until the commit.
                con.execute(sql.SQL("DELETE FROM {}").format(self._table(name)))
                geoms = gpd.GeoSeries([r.get("geometry") for r in plan.inserts], crs=4326)
                self._copy_records(con, spec, plan.inserts, _ewkb_array(geoms))
            else:
                for record, current in plan.upserts:
                    self._write(con, spec, "update" if current else "insert", record, current)
            old, new = plan.summary(len(stored))
            new["rows"] = self._count(con, name)
            entries = [(c.op, c.feature_id, c.old, c.new) for c in plan.changes]
            entries.append(("import", None, old, new))
            self._audit_many(
                con, now=now, user=user, reason=reason, version=version, layer=name, entries=entries
            )
        return version

    def replace_all(
        self,
        frames: Mapping[str, gpd.GeoDataFrame],
        *,
        now: datetime,
        user: str = SYSTEM_USER,
        reason: str = "store built from the seed",
    ) -> int:
        """Replace every layer at once, in one transaction; users and the audit log are kept.

        The first call creates the schema (and the PostGIS extension, if the role may).
        """
        specs = {name: layers.get(name) for name in frames}  # unknown layers: nothing written
        with self._connect() as con:
            # Serialises first builds; later ones queue on the meta row like every writer.
            con.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"eoc:{self.schema}",))
            if not self._initialised(con):
                self._create_schema(con)
            con.execute(self._sql("SELECT version FROM {s}.eoc_meta WHERE id = 1 FOR UPDATE"))
            held = con.execute(self._sql("SELECT name FROM {s}.eoc_layers")).fetchall()
            for (old_name,) in held:
                con.execute(sql.SQL("DROP TABLE {}").format(self._table(old_name)))
            con.execute(self._sql("DELETE FROM {s}.eoc_layers"))
            for position, (name, spec) in enumerate(specs.items()):
                self._create_layer(con, spec, position)
                self._copy_rows(con, spec, layers.conform(frames[name], spec))
            version = self._bump(con, now, list(frames))
            self._audit(
                con,
                now=now,
                user=user,
                action="replace_all",
                reason=reason,
                version=version,
                new={"layers": list(frames)},
            )
        return version

    def _create_schema(self, con: psycopg.Connection) -> None:
        try:
            con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except psycopg.Error as exc:
            raise StoreError(
                f"{self._label}: PostGIS is not available in this database"
                f" ({exc.diag.message_primary}); install it on the server"
                " (Debian: postgresql-15-postgis-3) and run CREATE EXTENSION postgis as the"
                " database owner"
            ) from exc
        for statement in _SCHEMA_DDL:
            con.execute(self._sql(statement))

    def _create_layer(self, con: psycopg.Connection, spec: layers.LayerSpec, position: int) -> None:
        table = self._table(spec.name)
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(f.name), sql.SQL(_SQL_TYPES[f.type]))
            for f in spec.fields
        )
        con.execute(
            sql.SQL(
                "CREATE TABLE {} (fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, {},"
                " geom geometry(Geometry, 4326))"
            ).format(table, columns)
        )
        con.execute(sql.SQL("CREATE INDEX ON {} USING gist (geom)").format(table))
        # Context layers may hold several rows per id (a river in pieces); edited ones may not.
        unique = spec.kind == "operational" and spec.field(spec.id_field).unique
        con.execute(
            sql.SQL("CREATE {} INDEX ON {} ({})").format(
                sql.SQL("UNIQUE" if unique else ""), table, sql.Identifier(spec.id_field)
            )
        )
        con.execute(
            self._sql("INSERT INTO {s}.eoc_layers (name, title, position) VALUES (%s, %s, %s)"),
            (spec.name, spec.title, position),
        )

    # -- users and audit ------------------------------------------------------------------

    def add_user(
        self, name: str, *, role: str, password_hash: str, now: datetime, by: str = SYSTEM_USER
    ) -> None:
        with self._transaction() as con:
            found = con.execute(self._sql("SELECT 1 FROM {s}.eoc_users WHERE name = %s"), (name,))
            if found.fetchone():
                raise EocError(_("user '{name}' already exists").format(name=name))
            con.execute(
                self._sql(
                    "INSERT INTO {s}.eoc_users (name, role, password_hash, created_at)"
                    " VALUES (%s, %s, %s, %s)"
                ),
                (name, role, password_hash, now.astimezone(UTC)),
            )
            version = self._bump(con, now)
            self._audit(
                con,
                now=now,
                user=by,
                action="user_add",
                reason="new user account",
                version=version,
                feature_id=name,
                new={"role": role},
            )

    def set_user_language(self, name: str, lang: str) -> None:
        """Remember the language a user chose: a preference, so no version and no audit."""
        accounts.set_user_language(self.sql, name, lang)

    def get_user(self, name: str) -> UserRecord | None:
        with self._reading() as con:
            row = con.execute(
                self._sql(
                    "SELECT name, role, password_hash, created_at, lang FROM {s}.eoc_users"
                    " WHERE name = %s"
                ),
                (name,),
            ).fetchone()
        return None if row is None else _user(row)

    def list_users(self) -> list[UserRecord]:
        with self._reading() as con:
            rows = con.execute(
                self._sql(
                    "SELECT name, role, password_hash, created_at, lang FROM {s}.eoc_users"
                    " ORDER BY name"
                )
            ).fetchall()
        return [_user(row) for row in rows]

    def audit_log(
        self,
        *,
        layer: str | None = None,
        user: str | None = None,
        feature_id: str | None = None,
        since: datetime | None = None,
        limit: int = 500,
    ) -> list[AuditEntry]:
        """Audit entries, newest first, filtered by any of the arguments."""
        clauses, params = [sql.SQL("true")], []
        for column, value in (("layer", layer), ("user", user), ("feature_id", feature_id)):
            if value:
                clauses.append(sql.SQL("{} = %s").format(sql.Identifier(column)))
                params.append(value)
        if since is not None:
            clauses.append(sql.SQL("at >= %s"))
            params.append(since.astimezone(UTC))
        query = sql.SQL("SELECT {} FROM {}.eoc_audit WHERE {} ORDER BY id DESC LIMIT %s").format(
            sql.SQL(_AUDIT_COLUMNS), self._s, sql.SQL(" AND ").join(clauses)
        )
        with self._reading() as con:
            rows = con.execute(query, (*params, int(limit))).fetchall()
        return [
            AuditEntry(
                id=r[0],
                at=r[1].astimezone(UTC),
                user=r[2],
                action=r[3],
                layer=r[4],
                feature_id=r[5],
                old=r[6],
                new=r[7],
                reason=r[8],
                version=r[9],
            )
            for r in rows
        ]

    # -- published situation reports (eoc.reports.archive): immutable rows -------------------

    def next_report_number(self) -> int:
        """The number the next published report will get (1 for the first)."""
        with self._reading() as con:
            row = con.execute(self._sql("SELECT max(number) FROM {s}.eoc_reports")).fetchone()
        return int(row[0] or 0) + 1

    def add_report(
        self,
        *,
        number: int,
        lang: str,
        version: int,
        as_of: datetime,
        title: str,
        html: str,
        markdown: str,
        pdf: bytes,
        user: str,
        now: datetime,
    ) -> int:
        """Archive a published report as number `number`, in one audited transaction.

        Refused (EocError) unless `number` is still the next one, e.g. when someone published
        meanwhile: render again with `next_report_number()`. Returns the new store version.
        """
        with self._transaction() as con:
            taken = (
                con.execute(self._sql("SELECT max(number) FROM {s}.eoc_reports")).fetchone()[0] or 0
            )
            check_report_number(number, taken)
            con.execute(
                self._sql(
                    "INSERT INTO {s}.eoc_reports (number, lang, version, as_of, published_at,"
                    " published_by, title, html, markdown, pdf)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                ),
                (
                    number,
                    lang,
                    version,
                    as_of.astimezone(UTC),
                    now.astimezone(UTC),
                    user,
                    title,
                    html,
                    markdown,
                    bytes(pdf),
                ),
            )
            new_version = self._bump(con, now)
            self._audit(
                con,
                now=now,
                user=user,
                action="report_publish",
                reason=f"situation report {number} published",
                version=new_version,
                feature_id=str(number),
                new={"number": number, "lang": lang, "data_version": version, "title": title},
            )
        return new_version

    def list_reports(self) -> list[dict]:
        """Published reports, newest first, without their contents (times as ISO text)."""
        query = sql.SQL("SELECT {} FROM {}.eoc_reports ORDER BY number DESC").format(
            sql.SQL(", ").join(map(sql.Identifier, _REPORT_COLUMNS)), self._s
        )
        with self._reading() as con:
            rows = con.execute(query).fetchall()
        reports = [dict(zip(_REPORT_COLUMNS, row, strict=True)) for row in rows]
        for report in reports:
            for key in ("as_of", "published_at"):
                report[key] = report[key].astimezone(UTC).isoformat()
        return reports

    def report_content(self, number: int, fmt: str) -> bytes | str | None:
        """The html, markdown or pdf of report `number`; None if there is no such report."""
        column = {"html": "html", "md": "markdown", "pdf": "pdf"}[fmt]  # fixed names only
        with self._reading() as con:
            row = con.execute(
                self._sql(
                    "SELECT {c} FROM {s}.eoc_reports WHERE number = %s", c=sql.Identifier(column)
                ),
                (int(number),),
            ).fetchone()
        if row is None:
            return None
        return bytes(row[0]) if fmt == "pdf" else row[0]


def _json(values: Mapping[str, object] | None) -> str | None:
    return None if values is None else json.dumps(values, ensure_ascii=False)


def _columns(spec: layers.LayerSpec) -> sql.Composed:
    return sql.SQL(", ").join(map(sql.Identifier, spec.field_names))


def _ewkb(geometry) -> bytes | None:
    if geometry is None:
        return None
    return shapely.to_wkb(shapely.set_srid(geometry, 4326), include_srid=True, output_dimension=2)


def _ewkb_array(geometries: gpd.GeoSeries) -> list[str | None]:
    """Hex EWKB with SRID 4326 (the text form COPY reads), 2D; None stays None."""
    values = shapely.set_srid(np.asarray(geometries.array, dtype=object), 4326)
    return list(shapely.to_wkb(values, hex=True, include_srid=True, output_dimension=2))


def _frame(spec: layers.LayerSpec, rows: list[tuple]) -> gpd.GeoDataFrame:
    """The rows of a layer query (its fields, then WKB geometry) as a frame for conform."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * (len(spec.fields) + 1)
    data = {}
    for f, values in zip(spec.fields, columns, strict=False):
        dtype = _FRAME_DTYPES.get(f.type, "object")
        data[f.name] = pd.Series(list(values), dtype=dtype)
    wkbs = np.array([None if v is None else bytes(v) for v in columns[-1]], dtype=object)
    return gpd.GeoDataFrame(data, geometry=shapely.from_wkb(wkbs), crs="EPSG:4326")


def _user(row: tuple) -> UserRecord:
    return UserRecord(
        name=row[0],
        role=row[1],
        password_hash=row[2],
        created_at=row[3].astimezone(UTC),
        lang=row[4],
    )
