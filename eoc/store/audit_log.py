"""One entry in the append-only audit log, written inside the caller's transaction.

Every audited write outside the layer edits (accounts, exercises, injects, alerts, feed
drafts, flow counts, schema upgrades) appends its entry here, so the entry's shape is stated
once. The layer edits append theirs in batches (eoc/store/sql_store.py `_audit`).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from eoc.store.journal_tables import audit


def write_audit(
    con: sa.Connection,
    *,
    action: str,
    by: str,
    now: datetime,
    version: int,
    reason: str,
    layer: str | None = None,
    feature_id: str | None = None,
    old: object = None,
    new: object = None,
) -> None:
    """Append one audit entry: who (`by`) did `action` to `feature_id` (of `layer`), when, why."""
    con.execute(
        sa.insert(audit).values(
            at=now,
            user=by,
            action=action,
            layer=layer,
            feature_id=feature_id,
            old=old,
            new=new,
            reason=reason,
            version=version,
        )
    )
