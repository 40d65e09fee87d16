"""The thin per-database part under the shared SQLAlchemy Core modules.

Each store backend hands out one `SqlBackend`: an engine on its database, how a write
transaction begins there, and how the version counter moves. Everything above it
(eoc/store/accounts.py, eoc/store/login_throttle.py) is one body of SQL for both.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from eoc.errors import StoreError, StoreNotInitialisedError
from eoc.i18n import _
from eoc.store import account_tables as t
from eoc.store.schema import shared_metadata

CONNECT_TIMEOUT_S = 30
_RETRIES = 5


@dataclass
class SqlBackend:
    """An engine and the two things that differ between SQLite and PostgreSQL here."""

    location: str
    make_engine: Callable[[], sa.Engine]
    bump_version: Callable[[sa.Connection], int]
    is_retired: Callable[[sa.Connection], bool] = lambda _con: False
    _engine: sa.Engine | None = field(default=None, repr=False)
    _pid: int = field(default=0, repr=False)
    _ready: bool = field(default=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def engine(self) -> sa.Engine:
        # Pooled connections must not cross a fork (gunicorn workers): one engine a process.
        with self._lock:
            if self._engine is None or self._pid != os.getpid():
                self._engine, self._pid, self._ready = self.make_engine(), os.getpid(), False
            return self._engine

    def ensure_tables(self) -> None:
        """Create the shared tables if this database lacks them (a store built before them)."""
        if self._ready:
            return
        for attempt in range(_RETRIES):
            try:
                with self.engine.begin() as con:
                    shared_metadata().create_all(con, checkfirst=True)
                break
            except sa.exc.DBAPIError:
                # Another process created them between the check and the CREATE.
                if attempt == _RETRIES - 1:
                    raise
        self._ready = True

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """One write transaction (on a GeoPackage: on the current file, retried if swapped)."""
        self.ensure_tables()
        for _attempt in range(_RETRIES):
            with self.engine.connect() as con:
                trans = con.begin()
                try:
                    if self.is_retired(con):
                        trans.rollback()
                        # A rebuilt file has the tables already; a new engine connects to it.
                        continue
                    yield con
                except BaseException:
                    if trans.is_active:
                        trans.rollback()
                    raise
                trans.commit()
                return
        raise StoreError(_("{store} kept being replaced; try again").format(store=self.location))

    @contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        self.ensure_tables()
        with self.engine.connect() as con:
            yield con


def geopackage_backend(path: Path) -> SqlBackend:
    """The shared tables inside a GeoPackage file."""

    def connect() -> sqlite3.Connection:
        try:
            # mode=rw: never create an empty file where the store should be.
            return sqlite3.connect(
                f"file:{path}?mode=rw",
                uri=True,
                timeout=CONNECT_TIMEOUT_S,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.OperationalError as exc:
            raise StoreNotInitialisedError(str(path)) from exc

    def make_engine() -> sa.Engine:
        # NullPool: no idle connection keeps the old file open after replace_all swaps it.
        engine = sa.create_engine("sqlite://", creator=connect, poolclass=NullPool)

        @sa.event.listens_for(engine, "begin")
        def _begin(con: sa.Connection) -> None:
            # Take the write lock at once, as the GeoPackage store does: the check of a count
            # and the write that follows it cannot interleave with another process.
            con.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    def bump(con: sa.Connection) -> int:
        meta = t.gpkg_meta
        con.execute(
            sa.update(meta)
            .where(meta.c.key == "version")
            .values(value=sa.cast(meta.c.value, sa.Integer) + 1)
        )
        value = con.execute(sa.select(meta.c.value).where(meta.c.key == "version")).scalar_one()
        return int(value)

    def retired(con: sa.Connection) -> bool:
        meta = t.gpkg_meta
        found = con.execute(sa.select(meta.c.value).where(meta.c.key == "retired")).first()
        return found is not None

    return SqlBackend(str(path), make_engine, bump, retired)


def postgis_backend(conninfo: str, schema: str, *, label: str) -> SqlBackend:
    """The shared tables in the store's schema of a PostgreSQL database."""
    import psycopg

    def connect() -> psycopg.Connection:
        try:
            return psycopg.connect(conninfo, connect_timeout=10)
        except psycopg.OperationalError as exc:
            raise StoreError(
                _("cannot read {store}: {error}").format(store=label, error=exc)
            ) from exc

    def make_engine() -> sa.Engine:
        engine = sa.create_engine(
            "postgresql+psycopg://", creator=connect, pool_size=2, pool_pre_ping=True
        )
        return engine.execution_options(schema_translate_map={None: schema})

    def bump(con: sa.Connection) -> int:
        # Locks the one meta row, where every writer of the store queues.
        meta = t.pg_meta
        return con.execute(
            sa.update(meta)
            .where(meta.c.id == 1)
            .values(version=meta.c.version + 1)
            .returning(meta.c.version)
        ).scalar_one()

    return SqlBackend(label, make_engine, bump)
