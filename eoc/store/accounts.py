"""Account changes, preferences and server-side sessions: one body of SQL for both backends.

Account changes (password, role, disable, enable) are writes like any other: one
transaction that moves the version and appends to the audit log. A preference (the
language) is not data: it moves neither. Sessions are records the cookie points at by a
random token; only the token's SHA-256 is kept, so a copy of the table opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from eoc.errors import EocError, NotFoundError
from eoc.i18n import _
from eoc.store import account_tables as t
from eoc.store.records import DISABLED_MARK
from eoc.store.sql_engine import SqlBackend


def credential_digest(password_hash: str) -> str:
    """What a session remembers of the password: changes when it or the disable mark does."""
    return hashlib.sha256(password_hash.encode()).hexdigest()


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- account changes (audited) ---------------------------------------------------------------


def update_account(
    backend: SqlBackend,
    name: str,
    *,
    by: str,
    now: datetime,
    role: str | None = None,
    password_hash: str | None = None,
    disabled: bool | None = None,
) -> int:
    """Change a user's role, password or disabled state; return the new store version.

    The user's sessions end in the same transaction; each request also compares its
    session with the account (eoc.auth.session_user), so a change made any other way ends
    them at their next request too.
    """
    users = t.users
    with backend.transaction() as con:
        version = backend.bump_version(con)
        row = con.execute(
            sa.select(users.c.role, users.c.password_hash).where(users.c.name == name)
        ).first()
        if row is None:
            raise NotFoundError(_("user '{name}' does not exist").format(name=name))
        old_role, old_hash = row
        values: dict[str, str] = {}
        old: dict[str, object] = {}
        new: dict[str, object] = {}
        was_disabled = old_hash.startswith(DISABLED_MARK)
        plain_hash = old_hash.removeprefix(DISABLED_MARK)
        if role is not None and role != old_role:
            values["role"], old["role"], new["role"] = role, old_role, role
        if password_hash is not None:
            plain_hash = password_hash
            old["password"], new["password"] = "…", "changed"  # never the hash itself
        now_disabled = was_disabled if disabled is None else disabled
        if now_disabled != was_disabled:
            old["disabled"], new["disabled"] = was_disabled, now_disabled
        if not new:
            raise EocError(_("user '{name}': nothing to change").format(name=name))
        stored = (DISABLED_MARK if now_disabled else "") + plain_hash
        if stored != old_hash:
            values["password_hash"] = stored
        con.execute(sa.update(users).where(users.c.name == name).values(**values))
        con.execute(sa.delete(t.sessions).where(t.sessions.c.user_name == name))
        con.execute(
            sa.insert(t.audit).values(
                at=now,
                user=by,
                action=_action(new),
                layer=None,
                feature_id=name,
                old=old,
                new=new,
                reason="account changed",
                version=version,
            )
        )
    return version


def _action(new: dict[str, object]) -> str:
    if "disabled" in new:
        return "user_disable" if new["disabled"] else "user_enable"
    return "user_password" if "password" in new else "user_role"


def set_user_language(backend: SqlBackend, name: str, lang: str) -> None:
    """Remember a user's language: a preference, so neither the version nor the audit moves."""
    users = t.users
    with backend.transaction() as con:
        done = con.execute(sa.update(users).where(users.c.name == name).values(lang=lang))
        if done.rowcount == 0:
            raise NotFoundError(_("user '{name}' does not exist").format(name=name))


# -- sessions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRecord:
    user: str
    role: str
    credential: str
    created_at: float
    expires_at: float


def create_session(
    backend: SqlBackend, *, user: str, role: str, credential: str, now: float, max_age_s: float
) -> str:
    """A new session; returns the token for the cookie (kept here only as its digest)."""
    token = secrets.token_urlsafe(32)
    s = t.sessions
    with backend.transaction() as con:
        con.execute(sa.delete(s).where(s.c.expires_at <= now))
        con.execute(
            sa.insert(s).values(
                id=_token_id(token),
                user_name=user,
                role=role,
                credential=credential,
                created_at=now,
                expires_at=now + max_age_s,
            )
        )
    return token


def find_session(backend: SqlBackend, token: str, *, now: float) -> SessionRecord | None:
    """The live session `token` opens, if any (a read: checking a session writes nothing)."""
    s = t.sessions
    with backend.reading() as con:
        row = con.execute(
            sa.select(s.c.user_name, s.c.role, s.c.credential, s.c.created_at, s.c.expires_at)
            .where(s.c.id == _token_id(token))
            .where(s.c.expires_at > now)
        ).first()
    return None if row is None else SessionRecord(*row)


def end_session(backend: SqlBackend, token: str) -> None:
    s = t.sessions
    with backend.transaction() as con:
        con.execute(sa.delete(s).where(s.c.id == _token_id(token)))


def end_sessions_of(backend: SqlBackend, user: str) -> int:
    """End every session of `user` now; returns how many there were."""
    s = t.sessions
    with backend.transaction() as con:
        return con.execute(sa.delete(s).where(s.c.user_name == user)).rowcount
