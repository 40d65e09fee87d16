"""The thin per-database part under the shared SQLAlchemy Core modules.

Each store backend hands out one `SqlBackend`: an engine on its database, how a write
transaction begins there, how the version counter and the data time are kept. Everything
above it (eoc/store/sql_store.py, eoc/store/accounts.py, eoc/store/login_throttle.py) is one
body of SQL for both.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import QueuePool

from eoc.errors import StoreError, StoreNotInitialisedError
from eoc.i18n import _
from eoc.store import gpkg_binary
from eoc.store import journal_tables as j
from eoc.store.schema import shared_metadata

CONNECT_TIMEOUT_S = 30
_RETRIES = 5
_READING = "eoc_reading"  # an execution option: the connection only reads
POOLED_FILE_CONNECTIONS = 4  # idle connections kept per process and store file
GPKG_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.000Z"  # GeoPackage 1.2, Req 15 (gpkg_contents)


class SqlBackend:
    """An engine on one database and what differs between SQLite and PostgreSQL here.

    A subclass says how to connect, how a write transaction begins, how the version counter
    moves and the data time is kept; the SQL above it (eoc/store/sql_store.py,
    eoc/store/accounts.py, eoc/store/login_throttle.py) is the same for both.
    """

    def __init__(self, location: str) -> None:
        self.location = location
        self._engine: sa.Engine | None = None
        self._pid = 0
        self._ready = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"

    # -- the per-database part -------------------------------------------------------------

    def make_engine(self) -> sa.Engine:
        raise NotImplementedError

    def bump_version(self, con: sa.Connection) -> int:
        """Add one to the version and return it; the first statement of every store write."""
        raise NotImplementedError

    def read_meta(self, con: sa.Connection) -> tuple[int, datetime | None]:
        """The version and the data time."""
        raise NotImplementedError

    def mark_written(self, con: sa.Connection, stamp: datetime, names: Sequence[str]) -> None:
        """Move the data time, and the last change of the layers `names`, to `stamp`."""
        raise NotImplementedError

    def is_retired(self, con: sa.Connection) -> bool:
        return False

    def create_own_tables(self, con: sa.Connection) -> None:
        """Tables of the backend's own schema that a store built before them lacks."""

    # -- shared ----------------------------------------------------------------------------

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
                    self.create_own_tables(con)
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
        """A connection for reads: one snapshot for the block, taking no write lock."""
        self.ensure_tables()
        with self.engine.connect() as con:
            con.execution_options(**{_READING: True})
            yield con


class _FileConnection(sqlite3.Connection):
    inode: int | None = None  # of the file when it was opened


class GeoPackageSql(SqlBackend):
    """The store's tables inside a GeoPackage file (SQLite)."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path

    def _inode(self) -> int | None:
        try:
            return os.stat(self.path).st_ino
        except FileNotFoundError:
            return None

    def _connect(self) -> sqlite3.Connection:
        inode = self._inode()  # before opening: a swap in between only costs a reconnect
        try:
            # mode=rw: never create an empty file where the store should be.
            con = sqlite3.connect(
                f"file:{self.path}?mode=rw",
                uri=True,
                timeout=CONNECT_TIMEOUT_S,
                isolation_level=None,
                check_same_thread=False,
                factory=_FileConnection,
            )
        except sqlite3.OperationalError as exc:
            raise StoreNotInitialisedError(str(self.path)) from exc
        con.inode = inode
        # GDAL's R-tree triggers call ST_MinX & co. on every write of a geometry.
        gpkg_binary.register_functions(con)
        return con

    def make_engine(self) -> sa.Engine:
        # Pooled: opening a GeoPackage parses its whole schema, several times the cost of a
        # poll. A pooled connection to a file that replace_all has since swapped out (another
        # inode at the path) is dropped at checkout, so no one reads a retired file.
        engine = sa.create_engine(
            "sqlite://",
            creator=self._connect,
            poolclass=QueuePool,
            pool_size=POOLED_FILE_CONNECTIONS,
            max_overflow=-1,
        )

        @sa.event.listens_for(engine, "checkout")
        def _checkout(dbapi_con: _FileConnection, _record: object, _proxy: object) -> None:
            if dbapi_con.inode != self._inode():
                raise sa.exc.DisconnectionError("the store file was replaced")

        @sa.event.listens_for(engine, "begin")
        def _begin(con: sa.Connection) -> None:
            # A write takes the lock at once: the check of a count and the write that follows
            # it cannot interleave with another process. A read takes none.
            read = con.get_execution_options().get(_READING, False)
            con.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")

        return engine

    def bump_version(self, con: sa.Connection) -> int:
        meta = j.gpkg_meta
        con.execute(
            sa.update(meta)
            .where(meta.c.key == "version")
            .values(value=sa.cast(meta.c.value, sa.Integer) + 1)
        )
        value = con.execute(sa.select(meta.c.value).where(meta.c.key == "version")).scalar_one()
        return int(value)

    def read_meta(self, con: sa.Connection) -> tuple[int, datetime | None]:
        meta = j.gpkg_meta
        rows = dict(con.execute(sa.select(meta.c.key, meta.c.value)).all())
        data_time = rows.get("data_time")
        return int(rows.get("version") or 0), (
            datetime.fromisoformat(data_time) if data_time else None
        )

    def mark_written(self, con: sa.Connection, stamp: datetime, names: Sequence[str]) -> None:
        meta, contents = j.gpkg_meta, j.gpkg_contents
        stamp = stamp.astimezone(UTC)
        con.execute(
            sa.update(meta).where(meta.c.key == "data_time").values(value=stamp.isoformat())
        )
        con.execute(
            sa.update(contents)
            .where(contents.c.table_name.in_(list(names)))
            .values(last_change=stamp.strftime(GPKG_TIME_FORMAT))
        )

    def is_retired(self, con: sa.Connection) -> bool:
        meta = j.gpkg_meta
        found = con.execute(sa.select(meta.c.value).where(meta.c.key == "retired")).first()
        return found is not None

    def create_own_tables(self, con: sa.Connection) -> None:
        from eoc.store.gpkg_tables import create_reports  # the GeoPackage's own DDL

        create_reports(con)


class PostgisSql(SqlBackend):
    """The store's tables in one schema of a PostgreSQL database with PostGIS."""

    def __init__(self, conninfo: str, schema: str, *, label: str) -> None:
        super().__init__(label)
        self.conninfo, self.schema = conninfo, schema

    def _connect(self):
        import psycopg

        try:
            return psycopg.connect(self.conninfo, connect_timeout=10)
        except psycopg.OperationalError as exc:
            raise StoreError(
                _("cannot read {store}: {error}").format(store=self.location, error=exc)
            ) from exc

    def make_engine(self) -> sa.Engine:
        engine = sa.create_engine(
            "postgresql+psycopg://", creator=self._connect, pool_size=2, pool_pre_ping=True
        )
        return engine.execution_options(schema_translate_map={None: self.schema})

    def bump_version(self, con: sa.Connection) -> int:
        # Locks the one meta row, where every writer of the store queues: each one then sees
        # what the previous one committed.
        meta = j.pg_meta
        return con.execute(
            sa.update(meta)
            .where(meta.c.id == 1)
            .values(version=meta.c.version + 1)
            .returning(meta.c.version)
        ).scalar_one()

    def read_meta(self, con: sa.Connection) -> tuple[int, datetime | None]:
        meta = j.pg_meta
        row = con.execute(sa.select(meta.c.version, meta.c.data_time)).first()
        return (0, None) if row is None else (int(row[0]), row[1])

    def mark_written(self, con: sa.Connection, stamp: datetime, names: Sequence[str]) -> None:
        meta, catalogue = j.pg_meta, j.pg_layers
        con.execute(sa.update(meta).where(meta.c.id == 1).values(data_time=stamp))
        con.execute(
            sa.update(catalogue).where(catalogue.c.name.in_(list(names))).values(last_change=stamp)
        )


def geopackage_backend(path: Path) -> SqlBackend:
    """The shared tables inside a GeoPackage file."""
    return GeoPackageSql(Path(path))


def postgis_backend(conninfo: str, schema: str, *, label: str) -> SqlBackend:
    """The shared tables in the store's schema of a PostgreSQL database."""
    return PostgisSql(conninfo, schema, label=label)
