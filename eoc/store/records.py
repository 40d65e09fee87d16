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

    @property
    def target(self) -> str:
        return "/".join(part for part in (self.layer, self.feature_id) if part) or "-"

    def changes(self) -> str:
        """'individuals: 420 → 455; status: open → closing', or the new values."""
        old, new = self.old or {}, self.new or {}
        if self.action == "update":
            return "; ".join(f"{k}: {_short(old.get(k))} → {_short(new.get(k))}" for k in new)
        if self.action == "delete":
            return "deleted"
        return "; ".join(f"{k}: {_short(v)}" for k, v in new.items())


# A password hash starting with this marks a disabled account (as `passwd -l` does in
# /etc/shadow): no password matches it, and enabling removes the mark, keeping the password.
DISABLED_MARK = "!"


@dataclass(frozen=True)
class UserRecord:
    """A user account. The password is only ever kept as a slow salted hash."""

    name: str
    role: str
    password_hash: str
    created_at: datetime
    lang: str | None = None

    @property
    def disabled(self) -> bool:
        return self.password_hash.startswith(DISABLED_MARK)


def _short(value: object, limit: int = 60) -> str:
    text = "—" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
