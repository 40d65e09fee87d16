"""Display tokens for wall screens: issue (shown once), list, revoke, and what one opens.

A display token is a read-only key for one kiosk: it opens `/wall` (and, if bound, only one
saved view of it) and nothing else. The store keeps only its hash; revoking it makes the
screen's next request (its next poll) fail, and the page blanks itself.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from eoc.errors import EocError
from eoc.i18n import _
from eoc.store import Store
from eoc.store import displays as table
from eoc.store.displays import DisplayRecord

MAX_LABEL_LENGTH = 80
TOKEN_PARAMETER = "display"  # /wall?display=TOKEN&views=gbao


def issue_display(
    store: Store,
    label: str,
    *,
    view: str | None,
    views: Collection[str],
    by: str,
    now: datetime,
    reason: str,
) -> tuple[str, str]:
    """A new display token for the screen `label` (bound to `view` if given): (id, token)."""
    label = (label or "").strip()
    if not label or len(label) > MAX_LABEL_LENGTH:
        raise EocError(
            _("display name: 1 to {count} characters, e.g. 'EOC wall 1'").format(
                count=MAX_LABEL_LENGTH
            )
        )
    view = (view or "").strip().lower() or None
    if view is not None and view not in views:
        raise EocError(
            _("view '{view}' is not one of: {views}").format(view=view, views=", ".join(views))
        )
    return table.issue_display(
        store.sql, label=label, view=view, by=by, now=now, reason=required_reason(reason)
    )


def revoke_display(store: Store, display_id: str, *, by: str, now: datetime, reason: str) -> int:
    return table.revoke_display(
        store.sql, (display_id or "").strip(), by=by, now=now, reason=required_reason(reason)
    )


def list_displays(store: Store) -> list[DisplayRecord]:
    return table.list_displays(store.sql)


def display_for(store: Store, token: object) -> DisplayRecord | None:
    """The live (not revoked) display `token` opens; None for anything else."""
    if not isinstance(token, str) or not token.startswith("d_") or len(token) > 100:
        return None
    found = table.find_display(store.sql, token)
    return None if found is None or found.revoked else found


def kiosk_url(token: str, view: str | None) -> str:
    """The path the kiosk opens (prefix it with the server's address)."""
    tail = f"&views={view}" if view else ""
    return f"/wall?{TOKEN_PARAMETER}={token}{tail}"


def required_reason(reason: str | None) -> str:
    """The reason an admin gave, trimmed; EocError if there is none."""
    reason = (reason or "").strip()
    if not reason:
        raise EocError(_("say why (the reason is kept in the audit log)"))
    return reason[:500]
