"""Each feed's state and health, and the runner lease, kept in the store (eoc_feed_* tables).

Health lives in the store, not in a process: the dashboard's workers, `eoc feeds status` and
the runner all read the same rows. Writing it does not move the store version (it is not
data), so a poll that found nothing new redraws nothing on open pages.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from eoc.store import feed_tables as t

LEASE = "feeds"


@dataclass(frozen=True)
class FeedState:
    """One feed's health and poll state; times in seconds since the epoch (UTC)."""

    feed: str
    url: str | None = None
    last_attempt: float | None = None
    last_success: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    offline_since: float | None = None
    failures: int = 0
    events_added: int = 0
    last_added_at: float | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_sha256: str | None = None
    next_attempt: float | None = None

    @property
    def offline(self) -> bool:
        """The last attempt failed (the feed is down, or this server is cut off)."""
        return self.failures > 0

    def succeeded(self, now: float, *, next_attempt: float, added: int = 0, **validators):
        """This state after a successful poll at `now` that added or changed `added` events."""
        return replace(
            self,
            last_attempt=now,
            last_success=now,
            offline_since=None,
            failures=0,
            events_added=self.events_added + added,
            last_added_at=now if added else self.last_added_at,
            next_attempt=next_attempt,
            **validators,
        )

    def failed(self, now: float, error: str, *, next_attempt: float):
        """This state after a failed poll at `now`."""
        return replace(
            self,
            last_attempt=now,
            last_error=error[:2000],
            last_error_at=now,
            offline_since=self.offline_since or now,
            failures=self.failures + 1,
            next_attempt=next_attempt,
        )


def read_states(store) -> dict[str, FeedState]:
    """Every feed's state the store holds, by feed name."""
    with store.sql.reading() as con:
        rows = con.execute(sa.select(t.feed_state)).mappings().all()
    return {row["feed"]: FeedState(**dict(row)) for row in rows}


def save_state(store, state: FeedState) -> None:
    """Write one feed's state (insert or replace)."""
    values = asdict(state)
    with store.sql.transaction() as con:
        insert = (postgresql if con.dialect.name == "postgresql" else sqlite).insert
        con.execute(
            insert(t.feed_state)
            .values(**values)
            .on_conflict_do_update(
                index_elements=[t.feed_state.c.feed],
                set_={k: v for k, v in values.items() if k != "feed"},
            )
        )


def acquire_lease(store, holder: str, *, now: float, ttl_s: float, name: str = LEASE) -> bool:
    """Take or renew the runners' lease for `holder`; False while another holds it.

    One transaction reads and writes the row (SQLite: BEGIN IMMEDIATE; PostgreSQL: the row
    locked by the upsert), so two runners asking at once cannot both get it.
    """
    lease = t.feed_lease
    with store.sql.transaction() as con:
        insert = (postgresql if con.dialect.name == "postgresql" else sqlite).insert
        free = (lease.c.holder == holder) | (lease.c.expires_at < now)
        taken = con.execute(
            insert(lease)
            .values(name=name, holder=holder, expires_at=now + ttl_s)
            .on_conflict_do_update(
                index_elements=[lease.c.name],
                set_={"holder": holder, "expires_at": now + ttl_s},
                where=free,
            )
            .returning(lease.c.holder)
        ).first()
    return taken is not None and taken[0] == holder


def release_lease(store, holder: str, *, name: str = LEASE) -> None:
    """Give the lease up (at shutdown) so another runner may take it at once."""
    lease = t.feed_lease
    with store.sql.transaction() as con:
        con.execute(sa.delete(lease).where((lease.c.name == name) & (lease.c.holder == holder)))


def lease_holder(store, *, name: str = LEASE) -> tuple[str, float] | None:
    """(holder, expires_at) of the lease, if anyone holds it."""
    lease = t.feed_lease
    with store.sql.reading() as con:
        row = con.execute(
            sa.select(lease.c.holder, lease.c.expires_at).where(lease.c.name == name)
        ).first()
    return None if row is None else (row[0], row[1])
