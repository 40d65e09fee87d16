"""Write tokens: the server's signed proof that a write answers a form it issued, once, fresh.

Every form or grid row that can write carries a token the server issued with it: what the
write is for (`purpose`), who may send it, the store version the form was drawn from, and the
state it showed (the ids and values the user saw). A write is refused, with a message, when
its token is missing, altered, expired, someone else's or for another purpose; the write then
uses the state *from the token*, never values the browser claims. A token is redeemed once:
the same token (a double-clicked Save) is recognised and not applied twice. Signed with the
session key (itsdangerous), so no token table is needed; the redeemed nonces are kept per
process for the token's lifetime, and each write also checks the store itself (the feature's
last audited version, an incident id derived from the nonce), so a replay to another server
process is refused too.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

import layers
from eoc.errors import ConflictError, EocError
from eoc.i18n import _

SALT = "eoc-write-token"
# A form left open longer than a 12-hour shift is reloaded before it writes.
MAX_AGE_S = 12 * 3600


class WriteRefusedError(EocError):
    """A write without a valid, fresh token of its own; nothing was written."""


class ReplayedWriteError(EocError):
    """A write whose token was already used (sent twice); nothing was written again."""


@dataclass(frozen=True)
class WriteToken:
    """What the server issued a form with."""

    purpose: str
    user: str
    version: int  # the store version the form was drawn from
    nonce: str
    issued: datetime
    state: Mapping[str, object] = field(default_factory=dict)


class WriteTokens:
    """Issues and redeems write tokens signed with `secret`."""

    def __init__(self, secret: str | bytes, *, max_age_s: int = MAX_AGE_S) -> None:
        if not secret:
            raise EocError(_("no session key is set: write tokens cannot be signed"))
        self._serializer = URLSafeTimedSerializer(secret, salt=SALT)
        self._max_age_s = max_age_s
        self._used: dict[str, float] = {}  # replay key -> when it was redeemed
        self._pending: set[str] = set()
        self._lock = threading.Lock()

    def issue(
        self,
        purpose: str,
        *,
        user: str,
        version: int,
        state: Mapping[str, object] | None = None,
    ) -> str:
        """A token for one write of `purpose` by `user` from a form drawn at `version`."""
        payload = {
            "p": purpose,
            "u": user,
            "v": int(version),
            "n": secrets.token_hex(8),
            "s": dict(state or {}),
        }
        return self._serializer.dumps(payload)

    def read(self, token: object, *, purpose: str, user: str) -> WriteToken:
        """The token's content; raises WriteRefusedError unless it is valid for this write."""
        if not isinstance(token, str) or not token:
            raise WriteRefusedError(
                _("this form has no write token (it is out of date): reload the page and try again")
            )
        try:
            payload, signed_at = self._serializer.loads(
                token, max_age=self._max_age_s, return_timestamp=True
            )
        except SignatureExpired:
            raise WriteRefusedError(
                _("this form is older than 12 hours: reload the page and make the change again")
            ) from None
        except BadSignature:
            raise WriteRefusedError(
                _("this form's write token is not valid: reload the page and try again")
            ) from None
        if payload.get("p") != purpose or payload.get("u") != user:
            raise WriteRefusedError(
                _("this form was issued for another change or user: reload the page")
            )
        return WriteToken(
            purpose=payload["p"],
            user=payload["u"],
            version=int(payload["v"]),
            nonce=str(payload["n"]),
            issued=signed_at.astimezone(UTC),
            state=payload.get("s") or {},
        )

    @contextmanager
    def redeem(
        self, token: object, *, purpose: str, user: str, key: str = ""
    ) -> Iterator[WriteToken]:
        """Hold the token (and `key`, e.g. the cell a row token changes) for one write.

        Raises ReplayedWriteError if it is being or has been used; a write that fails (raises)
        releases it, so the user can correct the form and send it again.
        """
        read = self.read(token, purpose=purpose, user=user)
        replay = f"{read.nonce}:{key}"
        with self._lock:
            self._forget_expired()
            if replay in self._used or replay in self._pending:
                raise ReplayedWriteError(
                    _("this change was already sent (the form was sent twice); it was saved once")
                )
            self._pending.add(replay)
        try:
            yield read
        except BaseException:
            with self._lock:
                self._pending.discard(replay)
            raise
        with self._lock:
            self._pending.discard(replay)
            self._used[replay] = time.monotonic()

    def _forget_expired(self) -> None:
        oldest = time.monotonic() - self._max_age_s
        for replay in [k for k, at in self._used.items() if at < oldest]:
            del self._used[replay]


def require_unchanged_since(store, layer: str, feature_id: str, *, version: int) -> None:
    """Refuse (ConflictError) if the feature was changed after the form's store `version`.

    The feature's last audited change says who changed what: a change back to the value the
    user saw (A → B → A) is still a change they did not see.
    """
    entries = store.audit_log(layer=layer, feature_id=str(feature_id), limit=1)
    if not entries or entries[0].version <= version:
        return
    last = entries[0]
    old, new = dict(last.old or {}), dict(last.new or {})
    name = next(iter(new or old), "?")
    spec = layers.get(layer)
    raise ConflictError(
        _("{item} {id}").format(item=_(spec.item_label), id=feature_id),
        name,
        yours=old.get(name),
        theirs=new.get(name),
        changed_by=last.user,
        changed_at=last.at.isoformat(),
    )
