"""The embedded store: one GeoPackage file that QGIS and ogrinfo open with every layer.

Every write is one SQLite transaction that also bumps the version counter and appends to the
audit log, so a crash or a refused edit leaves the store as it was. Rebuilding the whole store
(`replace_all`) writes a new file beside it, carries users and the audit log over, and swaps it
in with one atomic rename; the old file is marked retired first, so a writer that was waiting
on it retries on the new file instead of writing into the void.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import pyogrio

import layers
from eoc.errors import (
    EocError,
    StoreError,
    StoreNotInitialisedError,
)
from eoc.i18n import _
from eoc.store import accounts, gpkg_binary
from eoc.store.edits import Edit
from eoc.store.gpkg_tables import (
    _AUDIT_COLUMNS,
    _carry_over,
    _create_reports,
    _create_schema,
    _fetch,
    _fetch_all,
    _has_reports,
    _index_id,
    _insert_many,
    _last_change,
    _user,
    _write,
)
from eoc.store.import_plan import plan_import
from eoc.store.records import AuditEntry, UserRecord
from eoc.store.rows import (
    PROTECTION_ACTION,
    check_report_number,
    prepare_edit,
    prepare_import,
    required_reason,
)
from eoc.store.sql_engine import SqlBackend, geopackage_backend

SYSTEM_USER = "system"
READ_RETRY_S = 5.0
_RETRIES = 5
# Published situation reports (eoc.reports.archive): immutable rows, like the audit log.


class _Retired(Exception):
    """The file was replaced while we waited for its lock."""


class GeoPackageStore:
    """A store in one `.gpkg` file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.location = str(self.path)

    def __repr__(self) -> str:
        return f"GeoPackageStore({self.location!r})"

    def exists(self) -> bool:
        return self.path.is_file()

    @cached_property
    def sql(self) -> SqlBackend:
        """This file under SQLAlchemy, for the tables shared with PostGIS (store/accounts.py)."""
        return geopackage_backend(self.path)

    # -- reading ---------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if not self.exists():
            raise StoreNotInitialisedError(self.location)
        con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        try:
            con.execute("SELECT 1 FROM gpkg_contents LIMIT 1")
        except sqlite3.OperationalError as exc:
            con.close()
            if "readonly" not in str(exc):
                raise
            self._recover()
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        return con

    def _recover(self) -> None:
        """Roll back a transaction a crashed writer left behind (a "hot journal").

        A read-only connection cannot do it, so every read would fail until someone wrote;
        one read-write open lets SQLite restore the last committed state.
        """
        with closing(sqlite3.connect(self.path, timeout=30)) as con:
            con.execute("SELECT count(*) FROM gpkg_contents").fetchone()

    def _meta(self, key: str) -> str | None:
        try:
            with closing(self._connect()) as con:
                row = con.execute("SELECT value FROM eoc_meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                _("cannot read {store}: {error}").format(store=self.location, error=exc)
            ) from exc
        return None if row is None else row[0]

    def version(self) -> int:
        value = self._meta("version")
        return int(value) if value is not None else 0

    def data_time(self) -> datetime | None:
        value = self._meta("data_time")
        return datetime.fromisoformat(value) if value else None

    def changed_layers(self, since_version: int) -> set[str]:
        """Layers written after `since_version` (every layer if the store was rebuilt)."""
        with closing(self._connect()) as con:
            rows = con.execute(
                "SELECT DISTINCT action, layer FROM eoc_audit WHERE version > ?",
                (since_version,),
            ).fetchall()
        if any(action == "replace_all" for action, _layer in rows):
            return set(layers.REGISTRY)
        return {layer for _action, layer in rows if layer}

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
        # GDAL opens the file without SQLite's busy timeout: a read that lands on another
        # connection's commit fails spuriously ("required GeoPackage tables missing", "locked").
        # Such reads are retried for a few seconds; a layer that is really absent is not.
        deadline = time.monotonic() + READ_RETRY_S
        while True:
            try:
                gdf = pyogrio.read_dataframe(self.path, layer=name, bbox=bbox)
                break
            except pyogrio.errors.DataLayerError as exc:
                if name not in self.layer_names():
                    raise StoreError(
                        _("layer {layer} is not in {store}: {error}").format(
                            layer=name, store=self.location, error=exc
                        )
                    ) from exc
                if time.monotonic() > deadline:
                    raise
            except pyogrio.errors.DataSourceError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.02)
        return layers.conform(gdf, spec)

    def feature_counts(self, *, public_only: bool = False) -> dict[str, int]:
        """Feature count of every layer; `public_only`: only what a public page may show."""
        counts = {}
        with closing(self._connect()) as con:
            for name in self.layer_names():
                spec = layers.REGISTRY.get(name)
                if spec is None or (public_only and spec.sensitive):
                    continue
                # Identifiers come from the layer registry, never from user text.
                sql = f'SELECT count(*) FROM "{name}"'  # noqa: S608
                if public_only and spec.sensitive_field:
                    sql += f' WHERE "{spec.sensitive_field}" = 0'
                counts[name] = con.execute(sql).fetchone()[0]
        return counts

    # -- writing ---------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction on the current file (retried if the file was swapped)."""
        for _attempt in range(_RETRIES):
            if not self.exists():
                raise StoreNotInitialisedError(self.location)
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            gpkg_binary.register_functions(con)
            try:
                con.execute("BEGIN IMMEDIATE")
                retired = con.execute("SELECT value FROM eoc_meta WHERE key = 'retired'")
                if retired.fetchone():
                    raise _Retired
                yield con
                con.execute("COMMIT")
                return
            except _Retired:
                con.execute("ROLLBACK")
                continue
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
            finally:
                con.close()
        raise StoreError(_("{store} kept being replaced; try again").format(store=self.location))

    @staticmethod
    def _bump(con: sqlite3.Connection, now: datetime, touched: Sequence[str] = ()) -> int:
        """Next version; the data time moves only when layers (`touched`) were written."""
        con.execute("UPDATE eoc_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'version'")
        stamp = now.astimezone(UTC)
        if touched:
            con.execute(
                "UPDATE eoc_meta SET value = ? WHERE key = 'data_time'", (stamp.isoformat(),)
            )
        for name in touched:
            con.execute(
                "UPDATE gpkg_contents SET last_change = ? WHERE table_name = ?",
                (stamp.strftime("%Y-%m-%dT%H:%M:%S.000Z"), name),
            )
        return int(con.execute("SELECT value FROM eoc_meta WHERE key = 'version'").fetchone()[0])

    @staticmethod
    def _audit(
        con: sqlite3.Connection,
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
            "INSERT INTO eoc_audit (at, user, action, layer, feature_id, old, new, reason, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                now.astimezone(UTC).isoformat(),
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

    @staticmethod
    def _audit_many(
        con: sqlite3.Connection,
        *,
        now: datetime,
        user: str,
        reason: str,
        version: int,
        layer: str,
        entries: Sequence[tuple[str, str | None, Mapping | None, Mapping | None]],
    ) -> None:
        """One audit entry per (action, feature_id, old, new), in one statement."""
        at = now.astimezone(UTC).isoformat()
        con.executemany(
            "INSERT INTO eoc_audit (at, user, action, layer, feature_id, old, new, reason, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (at, user, action, layer, feature_id, _json(old), _json(new), reason, version)
                for action, feature_id, old, new in entries
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
            for spec, edits in specs:
                _index_id(con, spec)
                for edit in edits:
                    self._apply_one(
                        con,
                        spec,
                        edit,
                        user=user,
                        reason=reason,
                        now=now,
                        version=version,
                        protection=protection,
                    )
        return version

    def _apply_one(
        self,
        con: sqlite3.Connection,
        spec: layers.LayerSpec,
        edit: Edit,
        *,
        user: str,
        reason: str,
        now: datetime,
        version: int,
        protection: bool = False,
    ) -> None:
        current = _fetch(con, spec, edit.feature_id)
        row, old, new = prepare_edit(
            spec,
            edit,
            current,
            last_change=lambda: _last_change(con, spec, edit.feature_id),
            protection=protection,
        )
        _write(con, spec, edit.op, row, current)
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
            stored = _fetch_all(con, spec)
            plan = plan_import(spec, rows, stored, mode=mode)
            version = self._bump(con, now, [name])
            if mode == "replace":
                # Every row is new: no lookups, and rows sharing an id (context layers) all stay.
                con.execute(f'DELETE FROM "{name}"')  # noqa: S608
                _insert_many(con, spec, plan.inserts)
            else:
                for record, current in plan.upserts:
                    _write(con, spec, "update" if current else "insert", record, current)
            old, new = plan.summary(len(stored))
            new["rows"] = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
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
        """Replace every layer at once, atomically; users and the audit log are kept."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=self.path.name + ".", suffix=".tmp.gpkg", dir=self.path.parent
        )
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()
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
            _create_schema(tmp)
            if self.exists():
                with self._transaction() as old:
                    version = self.version() + 1
                    _carry_over(self.path, tmp)
                    _finish(
                        tmp,
                        version=version,
                        now=now,
                        user=user,
                        reason=reason,
                        layer_names=list(frames),
                    )
                    old.execute("INSERT INTO eoc_meta (key, value) VALUES ('retired', '1')")
                    os.replace(tmp, self.path)
            else:
                version = 1
                _finish(
                    tmp,
                    version=version,
                    now=now,
                    user=user,
                    reason=reason,
                    layer_names=list(frames),
                )
                os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return version

    # -- users and audit ------------------------------------------------------------------

    def add_user(
        self, name: str, *, role: str, password_hash: str, now: datetime, by: str = SYSTEM_USER
    ) -> None:
        with self._transaction() as con:
            if con.execute("SELECT 1 FROM eoc_users WHERE name = ?", (name,)).fetchone():
                raise EocError(_("user '{name}' already exists").format(name=name))
            con.execute(
                "INSERT INTO eoc_users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                (name, role, password_hash, now.astimezone(UTC).isoformat()),
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
        with closing(self._connect()) as con:
            row = con.execute(
                "SELECT name, role, password_hash, created_at, lang FROM eoc_users WHERE name = ?",
                (name,),
            ).fetchone()
        return None if row is None else _user(row)

    def list_users(self) -> list[UserRecord]:
        with closing(self._connect()) as con:
            rows = con.execute(
                "SELECT name, role, password_hash, created_at, lang FROM eoc_users ORDER BY name"
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
        clauses, params = ["1 = 1"], []
        for column, value in (("layer", layer), ("user", user), ("feature_id", feature_id)):
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            clauses.append("at >= ?")
            params.append(since.astimezone(UTC).isoformat())
        where = " AND ".join(clauses)  # fixed column names; values are parameters
        sql = f"SELECT {_AUDIT_COLUMNS} FROM eoc_audit WHERE {where} ORDER BY id DESC LIMIT ?"  # noqa: S608
        with closing(self._connect()) as con:
            rows = con.execute(sql, (*params, int(limit))).fetchall()
        return [
            AuditEntry(
                id=r[0],
                at=datetime.fromisoformat(r[1]),
                user=r[2],
                action=r[3],
                layer=r[4],
                feature_id=r[5],
                old=json.loads(r[6]) if r[6] else None,
                new=json.loads(r[7]) if r[7] else None,
                reason=r[8],
                version=r[9],
            )
            for r in rows
        ]

    # -- published situation reports (eoc.reports.archive) ----------------------------------
    # A table created on first use, so stores built before it existed work unchanged. Rows
    # are immutable: triggers refuse UPDATE and DELETE, as for the audit log.

    def next_report_number(self) -> int:
        """The number the next published report will get (1 for the first)."""
        with closing(self._connect()) as con:
            if not _has_reports(con):
                return 1
            row = con.execute("SELECT max(number) FROM eoc_reports").fetchone()
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
            _create_reports(con)
            taken = con.execute("SELECT max(number) FROM eoc_reports").fetchone()[0] or 0
            check_report_number(number, taken)
            con.execute(
                "INSERT INTO eoc_reports (number, lang, version, as_of, published_at,"
                " published_by, title, html, markdown, pdf) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    number,
                    lang,
                    version,
                    as_of.astimezone(UTC).isoformat(),
                    now.astimezone(UTC).isoformat(),
                    user,
                    title,
                    html,
                    markdown,
                    sqlite3.Binary(pdf),
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
        """Published reports, newest first, without their contents."""
        with closing(self._connect()) as con:
            if not _has_reports(con):
                return []
            rows = con.execute(
                "SELECT number, lang, version, as_of, published_at, published_by, title "
                "FROM eoc_reports ORDER BY number DESC"
            ).fetchall()
        names = ("number", "lang", "version", "as_of", "published_at", "published_by", "title")
        return [dict(zip(names, row, strict=True)) for row in rows]

    def report_content(self, number: int, fmt: str) -> bytes | str | None:
        """The html, markdown or pdf of report `number`; None if there is no such report."""
        column = {"html": "html", "md": "markdown", "pdf": "pdf"}[fmt]  # fixed names only
        with closing(self._connect()) as con:
            if not _has_reports(con):
                return None
            row = con.execute(
                f"SELECT {column} FROM eoc_reports WHERE number = ?",  # noqa: S608
                (int(number),),
            ).fetchone()
        if row is None:
            return None
        return bytes(row[0]) if fmt == "pdf" else row[0]

    # -- end of published situation reports --------------------------------------------------


def _json(values: Mapping[str, object] | None) -> str | None:
    return None if values is None else json.dumps(values, ensure_ascii=False)


def _finish(
    path: Path, *, version: int, now: datetime, user: str, reason: str, layer_names: list[str]
) -> None:
    with closing(sqlite3.connect(path)) as con, con:
        con.executemany(
            "INSERT INTO eoc_meta (key, value) VALUES (?, ?)",
            [("version", str(version)), ("data_time", now.astimezone(UTC).isoformat())],
        )
        GeoPackageStore._audit(
            con,
            now=now,
            user=user,
            action="replace_all",
            reason=reason,
            version=version,
            new={"layers": layer_names},
        )
