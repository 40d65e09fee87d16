"""Users, passwords and sign-in: accounts live in the store, passwords only as scrypt hashes."""

from __future__ import annotations

import math
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from eoc.errors import EocError
from eoc.i18n import _
from eoc.permissions import USER_ROLES
from eoc.store import Store

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


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise EocError(
            _("the password must have at least {count} characters").format(
                count=MIN_PASSWORD_LENGTH
            )
        )
    return generate_password_hash(password, method=PASSWORD_METHOD)


def create_user(
    store: Store, name: str, *, role: str, password: str, now: datetime, by: str = "system"
) -> None:
    """Add a user account; the password is kept only as a hash."""
    if not USERNAME_PATTERN.match(name):
        raise EocError(
            _(
                "user name '{name}': use 2-32 lower-case letters, digits, '.', '_' or '-', "
                "starting with a letter"
            ).format(name=name)
        )
    if role not in USER_ROLES:
        raise EocError(
            _("role '{role}' is not one of: {roles}").format(role=role, roles=", ".join(USER_ROLES))
        )
    store.add_user(name, role=role, password_hash=hash_password(password), now=now, by=by)


def load_user(store: Store, name: str) -> User | None:
    record = store.get_user(name)
    return None if record is None else User(record.name, record.role, record.lang)


class LoginThrottle:
    """Refuses sign-in for a while after repeated failures for the same name or address."""

    def __init__(
        self,
        *,
        max_failures: int = 5,
        window_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures, self.window_s, self.clock = max_failures, window_s, clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str) -> list[float]:
        cutoff = self.clock() - self.window_s
        recent = [t for t in self._failures.get(key, []) if t > cutoff]
        self._failures[key] = recent
        return recent

    def wait_s(self, *keys: str) -> float:
        """Seconds until sign-in may be tried again for any of `keys` (0 = now)."""
        with self._lock:
            waits = [
                recent[0] + self.window_s - self.clock()
                for key in keys
                if len(recent := self._recent(key)) >= self.max_failures
            ]
        return max(waits, default=0.0)

    def fail(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._recent(key).append(self.clock())

    def clear(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


def authenticate(
    store: Store, name: str, password: str, *, throttle: LoginThrottle, address: str
) -> User:
    """The user if `password` is right; AuthError otherwise (also while throttled)."""
    keys = (f"user:{name.strip().lower()}", f"addr:{address}")
    wait = throttle.wait_s(*keys)
    if wait > 0:
        raise AuthError(
            _("too many failed sign-ins; try again in {minutes} min").format(
                minutes=math.ceil(wait / 60)
            ),
            throttled=True,
        )
    record = store.get_user(name.strip().lower())
    valid = check_password_hash(record.password_hash if record else _DUMMY_HASH, password)
    if record is None or not valid:
        throttle.fail(*keys)
        raise AuthError(_("wrong user name or password"))
    throttle.clear(*keys)
    return User(record.name, record.role, record.lang)


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
