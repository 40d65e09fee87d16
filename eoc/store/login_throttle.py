"""Failed sign-ins counted in the store, so every worker process sees the same counts.

One row per key (a name, an address, or a name-and-address pair): how many attempts failed
since the window began. An attempt is counted *before* its password is checked, in the same
transaction that reads the counts: the upsert locks the key's row (PostgreSQL) or the
database (SQLite, BEGIN IMMEDIATE), so parallel guesses queue there and each sees the
previous one's count. A refused attempt rolls back and counts nowhere.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from eoc.store import account_tables as t
from eoc.store.sql_engine import SqlBackend


class Refused(Exception):
    """The attempt is over a limit; it was not counted."""

    def __init__(self, key: str, wait_s: float) -> None:
        super().__init__(key)
        self.key, self.wait_s = key, wait_s


def _upsert(con: sa.Connection, key: str, *, now: float, window_s: float) -> tuple[int, float]:
    tbl = t.throttle
    insert = (postgresql if con.dialect.name == "postgresql" else sqlite).insert
    stale = tbl.c.first_at <= now - window_s
    statement = (
        insert(tbl)
        .values(key=key, failures=1, first_at=now)
        .on_conflict_do_update(
            index_elements=[tbl.c.key],
            set_={
                "failures": sa.case((stale, 1), else_=tbl.c.failures + 1),
                "first_at": sa.case((stale, now), else_=tbl.c.first_at),
            },
        )
        .returning(tbl.c.failures, tbl.c.first_at)
    )
    failures, first_at = con.execute(statement).one()
    return failures, first_at


def record_attempt(
    backend: SqlBackend,
    limits: dict[str, int],
    *,
    now: float,
    window_s: float,
) -> dict[str, int]:
    """Count one attempt against every key of `limits` (key -> most attempts allowed).

    Returns the count of each key including this attempt; raises Refused (counting nothing)
    if any key is over its limit. A limit of 0 means the key is only counted.
    """
    counts: dict[str, int] = {}
    with backend.transaction() as con:  # Refused rolls the whole attempt back
        # Always in the same order, so two transactions never wait on each other's rows.
        for key in sorted(limits):
            failures, first_at = _upsert(con, key, now=now, window_s=window_s)
            counts[key] = failures
            if limits[key] and failures > limits[key]:
                raise Refused(key, first_at + window_s - now)
    return counts


def forget_attempt(backend: SqlBackend, *, clear: str, uncount: Sequence[str]) -> None:
    """After a success: delete the `clear` key's row; take this attempt off `uncount`."""
    tbl = t.throttle
    with backend.transaction() as con:
        keys = sorted({clear, *uncount})
        for key in keys:
            if key == clear:
                con.execute(sa.delete(tbl).where(tbl.c.key == key))
            else:
                con.execute(
                    sa.update(tbl)
                    .where(tbl.c.key == key, tbl.c.failures > 0)
                    .values(failures=tbl.c.failures - 1)
                )


def forget_stale(backend: SqlBackend, *, now: float, window_s: float) -> int:
    """Drop rows whose window has passed (housekeeping; their counts would restart anyway).

    Rows another transaction holds are skipped (PostgreSQL's SKIP LOCKED), so this never
    waits on, or deadlocks with, a sign-in being counted.
    """
    tbl = t.throttle
    stale = (
        sa.select(tbl.c.key)
        .where(tbl.c.first_at <= now - window_s)
        .with_for_update(skip_locked=True)
    )
    with backend.transaction() as con:
        return con.execute(sa.delete(tbl).where(tbl.c.key.in_(stale.scalar_subquery()))).rowcount


def forget_name(backend: SqlBackend, *, pair_suffix: str, name_key: str) -> int:
    """An admin's unlock: drop a name's counts from every address; returns the rows dropped.

    `pair_suffix` ends every name-and-address key of the name; `name_key` is its own count.
    An address's count over all names is left alone (spraying stays limited).
    """
    tbl = t.throttle
    with backend.transaction() as con:
        return con.execute(
            sa.delete(tbl).where(
                sa.or_(
                    tbl.c.key == name_key,
                    sa.and_(
                        tbl.c.key.startswith("pair:"),
                        tbl.c.key.endswith(pair_suffix, autoescape=True),
                    ),
                )
            )
        ).rowcount
