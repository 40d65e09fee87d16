"""Records the store keeps beside the layers: the audit log and user accounts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AuditEntry:
    """One line of the append-only audit log."""

    id: int
    at: datetime
    user: str
    action: str
    layer: str | None
    feature_id: str | None
    old: Mapping[str, object] | None
    new: Mapping[str, object] | None
    reason: str
    version: int


@dataclass(frozen=True)
class UserRecord:
    """A user account. The password is only ever kept as a slow salted hash."""

    name: str
    role: str
    password_hash: str
    created_at: datetime
    lang: str | None = None
