"""Users, passwords and sign-in: accounts live in the store, passwords only as scrypt hashes."""

from __future__ import annotations

import functools
import gzip
import math
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from eoc.config import PROJECT_DIR
from eoc.errors import EocError
from eoc.i18n import _
from eoc.permissions import USER_ROLES
from eoc.store import Store, accounts, login_throttle

MIN_PASSWORD_LENGTH = 10
USERNAME_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]{1,31}$")
# scrypt (RFC 7914) through werkzeug: salted, memory-hard, the default of a maintained library.
PASSWORD_METHOD = "scrypt"
# Checked against when the user does not exist, so a wrong name costs the same time.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16), method=PASSWORD_METHOD)


class AuthError(EocError):
    """Sign-in refused. The message never says whether the name or the password was wrong."""

    def __init__(self, message: str, *, throttled: bool = False) -> None:
        super().__init__(message)
        self.throttled = throttled


@dataclass(frozen=True)
class User(UserMixin):
    """The signed-in user, as Flask-Login sees it."""

    name: str
    role: str
    lang: str | None = None

    def get_id(self) -> str:
        return self.name


# 19,640 common passwords (lower-cased), as Django ships them: data/seed/SOURCES.md.
COMMON_PASSWORDS_FILE = PROJECT_DIR / "data" / "common-passwords.txt.gz"
ONE_TIME_PASSWORD_BYTES = 12  # 16 URL-safe characters, ~96 bits


@functools.cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def check_password(password: str) -> None:
    """Refuse (EocError) a password that is too short or on the list of common passwords."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise EocError(
            _("the password must have at least {count} characters").format(
                count=MIN_PASSWORD_LENGTH
            )
        )
    if password.strip().lower() in common_passwords():
        raise EocError(_("this password is too common (attackers try it first); choose another"))


def hash_password(password: str) -> str:
    check_password(password)
    return generate_password_hash(password, method=PASSWORD_METHOD)


def new_one_time_password() -> str:
    return secrets.token_urlsafe(ONE_TIME_PASSWORD_BYTES)


def create_user(
    store: Store, name: str, *, role: str, password: str, now: datetime, by: str = "system"
) -> None:
    """Add a user account; the password is kept only as a hash."""
    _check_name(name)
    _check_role(role)
    accounts.create_account(
        store.sql, name, role=role, password_hash=hash_password(password), by=by, now=now
    )


def _check_name(name: str) -> None:
    if not USERNAME_PATTERN.match(name):
        raise EocError(
            _(
                "user name '{name}': use 2-32 lower-case letters, digits, '.', '_' or '-', "
                "starting with a letter"
            ).format(name=name)
        )


def load_user(store: Store, name: str) -> User | None:
    record = store.get_user(name)
    if record is None or record.disabled:
        return None
    return User(record.name, record.role, record.lang)


# -- account changes (audited; each ends the user's sessions) -------------------------------


def change_password(store: Store, name: str, password: str, *, by: str, now: datetime) -> int:
    return accounts.update_account(
        store.sql, name, by=by, now=now, password_hash=hash_password(password)
    )


def set_role(
    store: Store, name: str, role: str, *, by: str, now: datetime, reason: str = "account changed"
) -> int:
    """Give `name` another role (refused for the last active admin)."""
    _check_role(role)
    return accounts.update_account(store.sql, name, by=by, now=now, role=role, reason=reason)


def set_disabled(
    store: Store,
    name: str,
    disabled: bool,
    *,
    by: str,
    now: datetime,
    reason: str = "account changed",
) -> int:
    """Disable an account (its password stops working) or enable it again.

    The last active admin cannot be disabled.
    """
    return accounts.update_account(
        store.sql, name, by=by, now=now, disabled=disabled, reason=reason
    )


def reset_password(store: Store, name: str, *, by: str, now: datetime, reason: str) -> str:
    """Give `name` a random one-time password (returned, to be shown once, never stored).

    Its user must choose a new password at the next sign-in before anything else.
    """
    password = new_one_time_password()
    accounts.update_account(
        store.sql,
        name,
        by=by,
        now=now,
        password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
        one_time=True,
        reason=reason,
    )
    return password


def add_user_with_one_time_password(
    store: Store, name: str, *, role: str, by: str, now: datetime, reason: str
) -> str:
    """Add an account with a one-time password (returned once): the admin never picks it."""
    password = new_one_time_password()
    _check_name(name)
    _check_role(role)
    accounts.create_account(
        store.sql,
        name,
        role=role,
        password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
        by=by,
        now=now,
        one_time=True,
        reason=reason,
    )
    return password


def change_own_password(store: Store, name: str, *, current: str, new: str, now: datetime) -> int:
    """The user's own change: the current password is required (a left-open session cannot)."""
    record = store.get_user(name)
    if record is None or record.disabled or not check_password_hash(record.password_hash, current):
        raise AuthError(_("the current password is not right"))
    if new == current:
        raise EocError(_("the new password must differ from the current one"))
    return accounts.update_account(
        store.sql,
        name,
        by=name,
        now=now,
        password_hash=hash_password(new),
        reason="own password changed",
    )


def must_change_password(store: Store, name: str) -> bool:
    return accounts.account_state(store.sql, name).must_change_password


def unlock_name(store: Store, name: str, *, by: str, now: datetime, reason: str) -> int:
    """Clear a name's failed sign-ins from every address (audited); returns the counts cleared."""
    name = name.strip().lower()[:64]
    if store.get_user(name) is None:
        raise EocError(_("user '{name}' does not exist").format(name=name))
    cleared = login_throttle.forget_name(store.sql, pair_suffix=f" {name}", name_key=f"name:{name}")
    accounts.audit_note(
        store.sql,
        action="user_unlock",
        name=name,
        new={"cleared": cleared},
        by=by,
        now=now,
        reason=reason,
    )
    return cleared


def _check_role(role: str) -> None:
    if role not in USER_ROLES:
        raise EocError(
            _("role '{role}' is not one of: {roles}").format(role=role, roles=", ".join(USER_ROLES))
        )


# -- the sign-in throttle ---------------------------------------------------------------------


class LoginThrottle:
    """Limits on failed sign-ins, counted in the store so they hold across worker processes.

    Three counts over one window (`window_s`):
    - a name from one address (the pair): after `max_failures` the pair is refused until the
      window ends, even with the right password. A stranger elsewhere cannot lock it;
    - an address over every name: after `address_max_failures` it is refused (spraying);
    - a name over every address: past `max_failures` each answer is delayed (doubling up to
      `max_delay_s`) but never refused, so nobody can lock a user out of the right password.
    A success clears its own pair only, and takes itself off the other two counts.
    """

    def __init__(
        self,
        store: Store,
        *,
        max_failures: int = 5,
        address_max_failures: int = 10,
        window_s: float = 900.0,
        first_delay_s: float = 0.25,
        max_delay_s: float = 4.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.max_failures, self.address_max_failures = max_failures, address_max_failures
        self.window_s, self.first_delay_s, self.max_delay_s = window_s, first_delay_s, max_delay_s
        self.clock, self.sleep = clock, sleep

    @staticmethod
    def _keys(name: str, address: str) -> tuple[str, str, str]:
        name = name[:64]
        return f"pair:{address} {name}", f"addr:{address}", f"name:{name}"

    def begin(self, name: str, address: str) -> None:
        """Count an attempt before its password is checked; AuthError if it may not be tried."""
        pair, addr, by_name = self._keys(name, address)
        limits = {pair: self.max_failures, addr: self.address_max_failures, by_name: 0}
        try:
            counts = login_throttle.record_attempt(
                self.store.sql, limits, now=self.clock(), window_s=self.window_s
            )
        except login_throttle.Refused as refused:
            raise AuthError(
                _("too many failed sign-ins; try again in {minutes} min").format(
                    minutes=max(1, math.ceil(refused.wait_s / 60))
                ),
                throttled=True,
            ) from None
        earlier = counts[by_name] - 1 - self.max_failures
        if earlier >= 0:
            self.sleep(min(self.max_delay_s, self.first_delay_s * 2**earlier))

    def succeeded(self, name: str, address: str) -> None:
        pair, addr, by_name = self._keys(name, address)
        login_throttle.forget_attempt(self.store.sql, clear=pair, uncount=(addr, by_name))
        login_throttle.forget_stale(self.store.sql, now=self.clock(), window_s=self.window_s)


def authenticate(
    store: Store, name: str, password: str, *, throttle: LoginThrottle, address: str
) -> User:
    """The user if `password` is right; AuthError otherwise (also while throttled).

    The attempt is counted before the password is checked, so parallel guesses cannot all
    pass the throttle.
    """
    name = name.strip().lower()
    throttle.begin(name, address)
    record = store.get_user(name)
    usable = record is not None and not record.disabled
    # A missing or disabled account costs the same time as a wrong password.
    valid = check_password_hash(record.password_hash if usable else _DUMMY_HASH, password)
    if not (usable and valid):
        raise AuthError(_("wrong user name or password"))
    throttle.succeeded(name, address)
    return User(record.name, record.role, record.lang)


# -- server-side sessions ---------------------------------------------------------------------


def start_session(store: Store, user: User, *, now: float, max_age_s: float) -> str:
    """Record a session for `user`; returns the random token the cookie carries."""
    record = store.get_user(user.name)
    if record is None or record.disabled:
        raise AuthError(_("wrong user name or password"))
    accounts.record_sign_in(store.sql, record.name, now=now)
    return accounts.create_session(
        store.sql,
        user=record.name,
        role=record.role,
        credential=accounts.credential_digest(record.password_hash),
        now=now,
        max_age_s=max_age_s,
    )


def session_user(store: Store, token: str, *, now: float) -> User | None:
    """The user whose live session `token` opens; None once it was ended or went stale.

    A session ends when it is signed out or expires, and also when its account changed
    since sign-in: another password, another role, disabled or removed.
    """
    found = accounts.find_session(store.sql, token, now=now)
    if found is None:
        return None
    record = store.get_user(found.user)
    if (
        record is None
        or record.disabled
        or record.role != found.role
        or accounts.credential_digest(record.password_hash) != found.credential
    ):
        return None
    return User(record.name, record.role, record.lang)


def end_session(store: Store, token: str) -> None:
    accounts.end_session(store.sql, token)


def load_or_create_secret_key(path: Path) -> str:
    """The session-signing key kept in `path`, created (readable by the owner only) if missing."""
    if path.is_file():
        key = path.read_text().strip()
        if len(key) >= 32:
            return key
        raise EocError(
            _("the secret key in {path} is too short; delete the file to make a new one").format(
                path=path
            )
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
