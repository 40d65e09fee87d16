"""What a store does, written once for the GeoPackage and the PostGIS backends.

Every write is one transaction whose first statement moves the version counter
(`SqlBackend.bump_version`): in PostgreSQL that locks the one meta row, in SQLite the
transaction holds the database's write lock from its BEGIN IMMEDIATE; either way writers
queue there, each sees what the previous one committed, an edit's `expected` values are
checked against committed data, and the version grows by exactly one per transaction. The
same transaction appends to the audit log (append-only: triggers on both databases refuse
UPDATE and DELETE).

A backend subclass supplies the per-database part: `sql` (the engine, eoc/store/sql_engine.py),
`exists`, `layer_names`, `_read_frame` (a layer as a frame), `_insert_rows` (bulk load),
`_prepare_layer` and `replace_all`. The SQL is SQLAlchemy Core over the tables of
eoc/store/journal_tables.py and eoc/store/feature_rows.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime

import geopandas as gpd
import sqlalchemy as sa

import layers
from eoc.errors import EocError, StoreError, StoreNotInitialisedError
from eoc.i18n import _
from eoc.store import accounts, feature_rows
from eoc.store import journal_tables as j
from eoc.store.edits import Edit
from eoc.store.feature_rows import Fit
from eoc.store.import_plan import plan_import
from eoc.store.records import AuditEntry, UserRecord
from eoc.store.rows import (
    PROTECTION_ACTION,
    check_report_number,
    prepare_edit,
    prepare_import,
    required_reason,
)
from eoc.store.sql_engine import SqlBackend

SYSTEM_USER = "system"
# (action, feature_id, old, new) of one audit entry of a write.
AuditItem = tuple[str, str | None, Mapping | None, Mapping | None]


class SqlStore:
    """The store behaviour over a backend's `sql` part."""

    location: str
    sql: SqlBackend

    # -- the per-database part (overridden) ------------------------------------------------

    def exists(self) -> bool:
        raise NotImplementedError

    def layer_names(self) -> list[str]:
        raise NotImplementedError

    def _read_frame(
        self, spec: layers.LayerSpec, bbox: tuple[float, float, float, float] | None
    ) -> gpd.GeoDataFrame:
        raise NotImplementedError

    def _insert_rows(
        self, con: sa.Connection, spec: layers.LayerSpec, records: list[dict], fit: Fit
    ) -> None:
        feature_rows.insert_many(con, spec, records, fit=fit)

    def _prepare_layer(self, con: sa.Connection, spec: layers.LayerSpec) -> Fit:
        """Ready a layer table for writes; returns what to do to a geometry before storing it."""
        return feature_rows.same

    # -- connections -----------------------------------------------------------------------

    @contextmanager
    def _connection(self, *, write: bool) -> Iterator[sa.Connection]:
        """A read, or one write transaction (nothing of it stays if anything in it fails).

        A store that was never built says how to build it; a failed read says what failed.
        """
        try:
            with self.sql.transaction() if write else self.sql.reading() as con:
                yield con
        except sa.exc.DBAPIError as exc:
            if not self.exists():
                raise StoreNotInitialisedError(self.location) from exc
            if write:
                raise
            raise StoreError(
                _("cannot read {store}: {error}").format(store=self.location, error=exc.orig)
            ) from exc

    def _reading(self) -> AbstractContextManager[sa.Connection]:
        return self._connection(write=False)

    def _writing(self) -> AbstractContextManager[sa.Connection]:
        return self._connection(write=True)

    def replace_all(
        self,
        frames: Mapping[str, gpd.GeoDataFrame],
        *,
        now: datetime,
        user: str = SYSTEM_USER,
        reason: str = "store built from the seed",
    ) -> int:
        """Replace every layer at once, atomically; users and the audit log are kept.

        Returns the new version. Unknown layers are refused before anything is written.
        """
        for name in frames:
            layers.get(name)
        return self._rebuild(frames, now=now, user=user, reason=reason)

    def _rebuild(
        self, frames: Mapping[str, gpd.GeoDataFrame], *, now: datetime, user: str, reason: str
    ) -> int:
        """The backend's way of replacing every layer (and auditing it with _audit_rebuild)."""
        raise NotImplementedError

    def _missing_layer(self, name: str, error: object) -> StoreError:
        return StoreError(
            _("layer {layer} is not in {store}: {error}").format(
                layer=name, store=self.location, error=error
            )
        )

    # -- version, data time, what changed ---------------------------------------------------

    def version(self) -> int:
        with self._reading() as con:
            return self.sql.read_meta(con)[0]

    def data_time(self) -> datetime | None:
        with self._reading() as con:
            return self.sql.read_meta(con)[1]

    def _bump(self, con: sa.Connection, now: datetime, touched: Sequence[str] = ()) -> int:
        """Next version; the data time moves only when layers (`touched`) were written."""
        version = self.sql.bump_version(con)
        if touched:
            self.sql.mark_written(con, now, touched)
        return version

    def changed_layers(self, since_version: int) -> set[str]:
        """Layers written after `since_version` (every layer if the store was rebuilt)."""
        audit = j.audit
        with self._reading() as con:
            rows = con.execute(
                sa.select(audit.c.action, audit.c.layer)
                .distinct()
                .where(audit.c.version > since_version)
            ).all()
        if any(action == "replace_all" for action, _layer in rows):
            return set(layers.REGISTRY)
        return {layer for _action, layer in rows if layer}

    # -- the audit log ---------------------------------------------------------------------

    @staticmethod
    def _audit(
        con: sa.Connection,
        items: Sequence[AuditItem],
        *,
        now: datetime,
        user: str,
        reason: str,
        version: int,
        layer: str | None = None,
    ) -> None:
        """Append one audit entry per (action, feature_id, old, new), in one statement."""
        rows = [
            {
                "at": now,
                "user": user,
                "action": action,
                "layer": layer,
                "feature_id": feature_id,
                "old": old,
                "new": new,
                "reason": reason,
                "version": version,
            }
            for action, feature_id, old, new in items
        ]
        con.execute(sa.insert(j.audit), rows)

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
        audit = j.audit
        query = sa.select(audit).order_by(audit.c.id.desc()).limit(int(limit))
        for column, value in (("layer", layer), ("user", user), ("feature_id", feature_id)):
            if value:
                query = query.where(audit.c[column] == value)
        if since is not None:
            query = query.where(audit.c.at >= since)
        with self._reading() as con:
            rows = con.execute(query).all()
        return [AuditEntry(**row._mapping) for row in rows]

    # -- layers ----------------------------------------------------------------------------

    def read_layer(
        self, name: str, *, bbox: tuple[float, float, float, float] | None = None
    ) -> gpd.GeoDataFrame:
        """Layer `name` in EPSG:4326, optionally only features meeting `bbox` (W, S, E, N)."""
        spec = layers.get(name)
        return layers.conform(self._read_frame(spec, bbox), spec)

    def feature_counts(self, *, public_only: bool = False) -> dict[str, int]:
        """Feature count of every layer; `public_only`: only what a public page may show."""
        counts = {}
        names = self.layer_names()
        with self._reading() as con:
            for name in names:
                spec = layers.REGISTRY.get(name)
                if spec is None or (public_only and spec.sensitive):
                    continue
                counts[name] = feature_rows.count(con, spec, public_only=public_only)
        return counts

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
        """Apply edits to several layers (`(layer, edits)` pairs) in one transaction.

        A feed writes an event's zones and its incident together: both or neither.
        """
        specs = [(layers.get(layer), edits) for layer, edits in sets]
        reason = required_reason(reason)
        with self._writing() as con:
            version = self._bump(con, now, [spec.name for spec, _edits in specs])
            for spec, edits in specs:
                fit = self._prepare_layer(con, spec)
                for edit in edits:
                    current = feature_rows.fetch(con, spec, edit.feature_id)
                    row, old, new = prepare_edit(
                        spec,
                        edit,
                        current,
                        last_change=lambda s=spec, fid=edit.feature_id: _last_change(con, s, fid),
                        protection=protection,
                    )
                    feature_rows.write(con, spec, edit.op, row, current, fit=fit)
                    action = PROTECTION_ACTION if protection else edit.op
                    self._audit(
                        con,
                        [(action, edit.feature_id, old, new)],
                        now=now,
                        user=user,
                        reason=reason,
                        version=version,
                        layer=spec.name,
                    )
        return version

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
        with self._writing() as con:
            version = self._bump(con, now, [name])  # first: later writers queue behind it
            fit = self._prepare_layer(con, spec)
            stored = feature_rows.fetch_all(con, spec)
            plan = plan_import(spec, rows, stored, mode=mode)
            if mode == "replace":
                # Every row is new: no lookups, and rows sharing an id (context layers) all stay.
                feature_rows.delete_all(con, spec)
                self._insert_rows(con, spec, plan.inserts, fit)
            else:
                for record, current in plan.upserts:
                    op = "update" if current else "insert"
                    feature_rows.write(con, spec, op, record, current, fit=fit)
            old, new = plan.summary(len(stored))
            new["rows"] = feature_rows.count(con, spec)
            items: list[AuditItem] = [(c.op, c.feature_id, c.old, c.new) for c in plan.changes]
            items.append(("import", None, old, new))
            self._audit(con, items, now=now, user=user, reason=reason, version=version, layer=name)
        return version

    def _audit_rebuild(
        self,
        con: sa.Connection,
        names: Sequence[str],
        *,
        version: int,
        now: datetime,
        user: str,
        reason: str,
    ) -> None:
        """The audit entry of `replace_all` (the backend rebuilds the layers its own way)."""
        self._audit(
            con,
            [("replace_all", None, None, {"layers": list(names)})],
            now=now,
            user=user,
            reason=reason,
            version=version,
        )

    # -- users -----------------------------------------------------------------------------

    def add_user(
        self, name: str, *, role: str, password_hash: str, now: datetime, by: str = SYSTEM_USER
    ) -> None:
        users = j.users
        with self._writing() as con:
            version = self._bump(con, now)
            if con.execute(sa.select(users.c.name).where(users.c.name == name)).first():
                raise EocError(_("user '{name}' already exists").format(name=name))
            con.execute(
                sa.insert(users).values(
                    name=name, role=role, password_hash=password_hash, created_at=now
                )
            )
            self._audit(
                con,
                [("user_add", name, None, {"role": role})],
                now=now,
                user=by,
                reason="new user account",
                version=version,
            )

    def set_user_language(self, name: str, lang: str) -> None:
        """Remember the language a user chose: a preference, so no version and no audit."""
        accounts.set_user_language(self.sql, name, lang)

    def get_user(self, name: str) -> UserRecord | None:
        users = j.users
        with self._reading() as con:
            row = con.execute(sa.select(users).where(users.c.name == name)).first()
        return None if row is None else UserRecord(**row._mapping)

    def list_users(self) -> list[UserRecord]:
        users = j.users
        with self._reading() as con:
            rows = con.execute(sa.select(users).order_by(users.c.name)).all()
        return [UserRecord(**row._mapping) for row in rows]

    # -- published situation reports (eoc.reports.archive): immutable rows -------------------

    def next_report_number(self) -> int:
        """The number the next published report will get (1 for the first)."""
        with self._reading() as con:
            return _last_report_number(con) + 1

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
        with self._writing() as con:
            new_version = self._bump(con, now)
            check_report_number(number, _last_report_number(con))
            con.execute(
                sa.insert(j.reports).values(
                    number=number,
                    lang=lang,
                    version=version,
                    as_of=as_of,
                    published_at=now,
                    published_by=user,
                    title=title,
                    html=html,
                    markdown=markdown,
                    pdf=bytes(pdf),
                )
            )
            new = {"number": number, "lang": lang, "data_version": version, "title": title}
            self._audit(
                con,
                [("report_publish", str(number), None, new)],
                now=now,
                user=user,
                reason=f"situation report {number} published",
                version=new_version,
            )
        return new_version

    def list_reports(self) -> list[dict]:
        """Published reports, newest first, without their contents (times as ISO text)."""
        reports = j.reports
        columns = [reports.c[name] for name in j.REPORT_LISTING]
        with self._reading() as con:
            rows = con.execute(sa.select(*columns).order_by(reports.c.number.desc())).all()
        listed = [dict(row._mapping) for row in rows]
        for report in listed:
            for key in ("as_of", "published_at"):
                report[key] = report[key].isoformat()
        return listed

    def report_content(self, number: int, fmt: str) -> bytes | str | None:
        """The html, markdown or pdf of report `number`; None if there is no such report."""
        reports = j.reports
        column = reports.c[{"html": "html", "md": "markdown", "pdf": "pdf"}[fmt]]
        with self._reading() as con:
            row = con.execute(sa.select(column).where(reports.c.number == int(number))).first()
        if row is None:
            return None
        return bytes(row[0]) if fmt == "pdf" else row[0]


def _last_report_number(con: sa.Connection) -> int:
    return int(con.execute(sa.select(sa.func.max(j.reports.c.number))).scalar_one() or 0)


def _last_change(
    con: sa.Connection, spec: layers.LayerSpec, feature_id: str
) -> tuple[str, str] | None:
    """Who last changed the feature, and when (from the audit log)."""
    audit = j.audit
    row = con.execute(
        sa.select(audit.c.user, audit.c.at)
        .where(audit.c.layer == spec.name, audit.c.feature_id == feature_id)
        .order_by(audit.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1].isoformat())
