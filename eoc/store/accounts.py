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
from eoc.store.audit_log import write_audit
from eoc.store.records import DISABLED_MARK
from eoc.store.sql_engine import SqlBackend

ADMIN = "admin"  # the role that manages accounts (eoc.permissions.Role.ADMIN)


def credential_digest(password_hash: str) -> str:
    """What a session remembers of the password: changes when it or the disable mark does."""
    return hashlib.sha256(password_hash.encode()).hexdigest()


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- account changes (audited) ---------------------------------------------------------------


def create_account(
    backend: SqlBackend,
    name: str,
    *,
    role: str,
    password_hash: str,
    by: str,
    now: datetime,
    one_time: bool = False,
    reason: str = "new user account",
) -> int:
    """Add a user in one audited transaction; returns the new store version.

    With `one_time` the password must be changed at the first sign-in.
    """
    users = t.users
    with backend.transaction() as con:
        version = backend.bump_version(con)
        if con.execute(sa.select(users.c.name).where(users.c.name == name)).first():
            raise EocError(_("user '{name}' already exists").format(name=name))
        con.execute(
            sa.insert(users).values(
                name=name, role=role, password_hash=password_hash, created_at=now, lang=None
            )
        )
        _set_state(con, name, must_change_password=one_time)
        _audit(con, "user_add", name, None, {"role": role}, by, now, reason, version)
    return version


def audit_note(
    backend: SqlBackend, *, action: str, name: str, new: dict, by: str, now: datetime, reason: str
) -> int:
    """An audited account event that changes no account row (an unlock); the new version."""
    with backend.transaction() as con:
        version = backend.bump_version(con)
        _audit(con, action, name, None, new, by, now, reason, version)
    return version


def _audit(con, action, name, old, new, by, now, reason, version) -> None:
    write_audit(
        con, action=action, by=by, now=now, version=version, reason=reason,
        feature_id=name, old=old, new=new,
    )  # fmt: skip


def update_account(
    backend: SqlBackend,
    name: str,
    *,
    by: str,
    now: datetime,
    role: str | None = None,
    password_hash: str | None = None,
    disabled: bool | None = None,
    one_time: bool = False,
    reason: str = "account changed",
) -> int:
    """Change a user's role, password or disabled state; return the new store version.

    A new password set with `one_time` must be changed by its user at the next sign-in;
    any other new password clears that. The last active admin cannot be disabled or given
    another role (LastAdminError), checked inside the transaction that holds the version
    lock, so two admins demoting each other at once cannot both succeed.

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
        was_admin = old_role == ADMIN and not was_disabled
        if was_admin and (now_disabled or values.get("role", ADMIN) != ADMIN):
            _refuse_last_admin(con, name)
        stored = (DISABLED_MARK if now_disabled else "") + plain_hash
        if stored != old_hash:
            values["password_hash"] = stored
        con.execute(sa.update(users).where(users.c.name == name).values(**values))
        if password_hash is not None:
            _set_state(con, name, must_change_password=one_time)
            if one_time:
                new["password"] = "one-time"
        con.execute(sa.delete(t.sessions).where(t.sessions.c.user_name == name))
        _audit(con, _action(new), name, old, new, by, now, reason, version)
    return version


class LastAdminError(EocError):
    """The change would leave the store without an active admin."""


def _refuse_last_admin(con: sa.Connection, name: str) -> None:
    users = t.users
    others = con.execute(
        sa.select(sa.func.count())
        .select_from(users)
        .where(users.c.role == ADMIN, users.c.name != name)
        .where(sa.not_(users.c.password_hash.startswith(DISABLED_MARK, autoescape=True)))
    ).scalar_one()
    if not others:
        raise LastAdminError(
            _("refused: {name} is the last active admin; make another user admin first").format(
                name=name
            )
        )


def _set_state(con: sa.Connection, name: str, **values: object) -> None:
    """Upsert the user's account-state row (one statement on both databases)."""
    st = t.account_state
    done = con.execute(sa.update(st).where(st.c.user_name == name).values(**values))
    if done.rowcount == 0:
        defaults = {"last_sign_in_at": None, "must_change_password": False}
        con.execute(sa.insert(st).values(user_name=name, **{**defaults, **values}))


@dataclass(frozen=True)
class AccountState:
    last_sign_in_at: float | None = None
    must_change_password: bool = False


def account_states(backend: SqlBackend) -> dict[str, AccountState]:
    """Every user's last sign-in and one-time-password flag (users without a row: defaults)."""
    st = t.account_state
    with backend.reading() as con:
        rows = con.execute(
            sa.select(st.c.user_name, st.c.last_sign_in_at, st.c.must_change_password)
        ).all()
    return {name: AccountState(last, bool(must)) for name, last, must in rows}


def account_state(backend: SqlBackend, name: str) -> AccountState:
    st = t.account_state
    with backend.reading() as con:
        row = con.execute(
            sa.select(st.c.last_sign_in_at, st.c.must_change_password).where(st.c.user_name == name)
        ).first()
    return AccountState() if row is None else AccountState(row[0], bool(row[1]))


def record_sign_in(backend: SqlBackend, name: str, *, now: float) -> None:
    """Remember when `name` last signed in (a record, not data: no version, no audit)."""
    with backend.transaction() as con:
        _set_state(con, name, last_sign_in_at=now)


def _action(new: dict[str, object]) -> str:
    if "disabled" in new:
        return "user_disable" if new["disabled"] else "user_enable"
    if "password" in new:
        return "user_password_reset" if new["password"] == "one-time" else "user_password"
    return "user_role"


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
