"""Display tokens for wall screens: one table and its SQL, once for both store backends.

A display token lets one kiosk show the wall (optionally one saved view) without a user
account. Only the token's SHA-256 is kept, so a copy of the table opens no screen; issuing
and revoking are audited writes (they move the version, so open admin pages redraw). Each
request of the screen looks its token up here: a revoked token is refused at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from eoc.errors import NotFoundError
from eoc.i18n import _
from eoc.store.accounts import _audit as audit
from eoc.store.schema import METADATA, IsoTime
from eoc.store.sql_engine import SqlBackend

displays = sa.Table(
    "eoc_display_tokens",
    METADATA,
    sa.Column("id", sa.String(16), primary_key=True),  # short, shown in lists and audit
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("view", sa.Text),  # None: every saved view of the wall
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", IsoTime, nullable=False),
    sa.Column("revoked_at", IsoTime),
)


@dataclass(frozen=True)
class DisplayRecord:
    id: str
    label: str
    view: str | None
    created_by: str
    created_at: str
    revoked_at: str | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_display(
    backend: SqlBackend, *, label: str, view: str | None, by: str, now: datetime, reason: str
) -> tuple[str, str]:
    """A new display token; returns (id, token). The token itself is never stored."""
    token = "d_" + secrets.token_urlsafe(32)
    display_id = "disp-" + secrets.token_hex(4)
    with backend.transaction() as con:
        version = backend.bump_version(con)
        con.execute(
            sa.insert(displays).values(
                id=display_id,
                token_sha256=token_digest(token),
                label=label,
                view=view,
                created_by=by,
                created_at=now,
                revoked_at=None,
            )
        )
        new = {"label": label, "view": view}
        audit(con, "display_issue", display_id, None, new, by, now, reason, version)
    return display_id, token


def revoke_display(
    backend: SqlBackend, display_id: str, *, by: str, now: datetime, reason: str
) -> int:
    """Revoke a display token (its screen blanks at its next request); the new version."""
    with backend.transaction() as con:
        version = backend.bump_version(con)
        done = con.execute(
            sa.update(displays)
            .where(displays.c.id == display_id, displays.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        if done.rowcount == 0:
            raise NotFoundError(
                _("display '{id}' does not exist or is already revoked").format(id=display_id)
            )
        audit(con, "display_revoke", display_id, None, {"revoked": True}, by, now, reason, version)
    return version


def find_display(backend: SqlBackend, token: str) -> DisplayRecord | None:
    """The display `token` opens, revoked or not (None: no such token)."""
    with backend.reading() as con:
        row = con.execute(_select().where(displays.c.token_sha256 == token_digest(token))).first()
    return None if row is None else _record(row)


def list_displays(backend: SqlBackend) -> list[DisplayRecord]:
    with backend.reading() as con:
        rows = con.execute(_select().order_by(displays.c.created_at, displays.c.id)).all()
    return [_record(row) for row in rows]


def _select() -> sa.Select:
    c = displays.c
    return sa.select(c.id, c.label, c.view, c.created_by, c.created_at, c.revoked_at)


def _record(row: sa.Row) -> DisplayRecord:
    def stamp(value: object) -> str | None:
        return None if value is None else (value if isinstance(value, str) else value.isoformat())

    return DisplayRecord(row[0], row[1], row[2], row[3], stamp(row[4]), stamp(row[5]))
