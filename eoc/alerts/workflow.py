"""The two-person workflow: one duty officer drafts, another approves, then it is published.

Every step is one transaction that moves the store version and appends to the audit log
(layer "alerts", the CAP identifier as the feature). A draft is checked (CAP rules and the
OASIS schema) when it is saved and again when it is approved, against the time of approval.
Nobody approves their own draft, an admin included. A published alert is never changed: each
UPDATE names the state it expects in its WHERE clause, so a published row is refused by the
statement itself, in both backends; a correction is a new Update or Cancel that references it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

import sqlalchemy as sa

from eoc.alerts.cap_xml import build_cap_xml, check_cap_xml, parse_cap_xml
from eoc.alerts.model import Alert, AlertError, check_alert
from eoc.errors import EocError, NotFoundError
from eoc.i18n import N_, _
from eoc.store.alert_tables import alerts as table
from eoc.store.audit_log import write_audit
from eoc.store.sql_engine import SqlBackend

LAYER = "alerts"
DRAFT, APPROVED, PUBLISHED = "draft", "approved", "published"
_ACTIONS = {APPROVED: "alert_approve", PUBLISHED: "alert_publish"}
STATE_LABELS = (N_("draft"), N_("approved"), N_("published"))  # shown with _(row.state)


class AlertStateError(EocError):
    """The alert is not in the state this step needs (or was changed meanwhile)."""


@dataclass(frozen=True)
class AlertRow:
    """An alert as the store keeps it."""

    alert_id: str
    state: str
    scope: str
    msg_type: str
    expires_at: datetime
    cap_xml: bytes
    source: str
    drafted_by: str
    drafted_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    published_by: str | None
    published_at: datetime | None

    @cached_property
    def alert(self) -> Alert:
        """The CAP document read back (once per row: a row kept per version is read once)."""
        return parse_cap_xml(self.cap_xml)


def save_draft(
    backend: SqlBackend, alert: Alert, *, by: str, now: datetime, source: str = ""
) -> AlertRow:
    """Check `alert` and store it as a draft by `by`; AlertError names a bad field.

    On an exercise store the alert is an exercise alert, whatever the form said.
    """
    from eoc.exercise.marking import exercise_alert, exercise_title  # late: a small module

    if exercise_title(backend) is not None:
        alert = exercise_alert(alert)
    check_alert(alert, now=now)
    document = build_cap_xml(alert)
    check_cap_xml(document)
    with backend.transaction() as con:
        exists = con.execute(
            sa.select(table.c.alert_id).where(table.c.alert_id == alert.identifier)
        )
        if exists.first() is not None:
            raise AlertStateError(
                _("alert {id} already exists: each alert needs a new identifier").format(
                    id=alert.identifier
                )
            )
        version = backend.bump_version(con)
        con.execute(
            sa.insert(table).values(
                alert_id=alert.identifier,
                state=DRAFT,
                scope=alert.scope,
                msg_type=alert.msg_type,
                expires_at=_latest_expiry(alert),
                cap_xml=document,
                source=source,
                drafted_by=by,
                drafted_at=now,
            )
        )
        summary = {"state": DRAFT, "scope": alert.scope, "msgType": alert.msg_type}
        _audit(con, "alert_draft", alert.identifier, by=by, now=now, version=version,
               old=None, new=summary)  # fmt: skip
    return get_alert(backend, alert.identifier)


def approve_alert(backend: SqlBackend, alert_id: str, *, by: str, now: datetime) -> AlertRow:
    """Approve a draft: by someone other than its drafter, still valid CAP, not expired."""
    row = get_alert(backend, alert_id)
    if row.drafted_by == by:
        raise AlertStateError(
            _("{user} drafted alert {id}: a different duty officer or an admin must approve it")
            .format(user=by, id=alert_id)
        )  # fmt: skip
    check_cap_xml(row.cap_xml)
    check_alert(row.alert, now=now)
    _move(backend, row, DRAFT, APPROVED, by=by, now=now, who="approved_by", when="approved_at")
    return get_alert(backend, alert_id)


def publish_alert(backend: SqlBackend, alert_id: str, *, by: str, now: datetime) -> AlertRow:
    """Publish an approved alert; from then on it is immutable."""
    row = get_alert(backend, alert_id)
    if row.expires_at <= now:
        raise AlertError("expires", _("the expiry is in the past"))
    _move(
        backend, row, APPROVED, PUBLISHED, by=by, now=now, who="published_by", when="published_at"
    )
    return get_alert(backend, alert_id)


def _move(
    backend: SqlBackend, row: AlertRow, old: str, new: str, *, by: str, now: datetime,
    who: str, when: str,
) -> None:  # fmt: skip
    if row.state != old:
        raise AlertStateError(_state_message(row.alert_id, row.state, old))
    with backend.transaction() as con:
        version = backend.bump_version(con)
        done = con.execute(
            sa.update(table)
            .where(table.c.alert_id == row.alert_id)
            .where(table.c.state == old)  # a published (or raced) row is never matched
            .values(state=new, **{who: by, when: now})
        )
        if done.rowcount != 1:
            raise AlertStateError(_state_message(row.alert_id, "?", old))
        _audit(con, _ACTIONS[new], row.alert_id, by=by,
               now=now, version=version, old={"state": old}, new={"state": new})  # fmt: skip


def _state_message(alert_id: str, state: str, needed: str) -> str:
    return _("alert {id} is {state}, not {needed}: reload the page").format(
        id=alert_id, state=_(state), needed=_(needed)
    )


def refuse_change(backend: SqlBackend, alert_id: str) -> None:
    """Raise AlertStateError if `alert_id` is published (for any caller about to change it)."""
    if get_alert(backend, alert_id).state == PUBLISHED:
        raise AlertStateError(
            _("alert {id} is published and cannot be changed").format(id=alert_id)
        )


def get_alert(backend: SqlBackend, alert_id: str) -> AlertRow:
    with backend.reading() as con:
        row = con.execute(sa.select(table).where(table.c.alert_id == alert_id)).first()
    if row is None:
        raise NotFoundError(_("alert {id} does not exist").format(id=alert_id))
    return _row(row)


def list_alerts(
    backend: SqlBackend, *, states: tuple[str, ...] = (DRAFT, APPROVED, PUBLISHED),
    scope: str | None = None, limit: int = 200,
) -> list[AlertRow]:  # fmt: skip
    """Alerts in `states` (and `scope`), newest draft first."""
    query = sa.select(table).where(table.c.state.in_(states))
    if scope is not None:
        query = query.where(table.c.scope == scope)
    with backend.reading() as con:
        rows = con.execute(query.order_by(table.c.drafted_at.desc()).limit(limit)).all()
    return [_row(r) for r in rows]


def current_alerts(
    backend: SqlBackend, *, now: datetime, scope: str | None = None
) -> list[AlertRow]:
    """Published alerts in force at `now`: not expired, not replaced by a later Update/Cancel.

    A Cancel stays listed until it expires itself, so receivers learn of the cancellation.
    """
    return in_force(published_alerts(backend), now=now, scope=scope)


def published_alerts(backend: SqlBackend) -> list[AlertRow]:
    """Every published alert, in force or not (what `in_force` chooses from)."""
    return list_alerts(backend, states=(PUBLISHED,), limit=10_000)


def in_force(
    published: Sequence[AlertRow], *, now: datetime, scope: str | None = None
) -> list[AlertRow]:
    """Of `published`, those out by `now`, not expired and not replaced by one out by then
    (of `scope`, if given: a replacement of any scope counts)."""
    out = [r for r in published if r.published_at is not None and r.published_at <= now]
    replaced = {ref.split(",")[1] for row in out for ref in row.alert.references}
    return [
        r
        for r in out
        if r.expires_at > now and r.alert_id not in replaced and scope in (None, r.scope)
    ]


def _latest_expiry(alert: Alert) -> datetime:
    return max(i.expires for i in alert.infos if i.expires is not None)


def _audit(con, action, alert_id, *, by, now, version, old, new) -> None:
    write_audit(
        con, action=action, by=by, now=now, version=version, reason="alert workflow",
        layer=LAYER, feature_id=alert_id, old=old, new=new,
    )  # fmt: skip


def as_time(value: object) -> datetime | None:
    """A time read from either backend (ISO text in SQLite, a datetime in PostgreSQL)."""
    if value is None:
        return None
    stamp = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return stamp.astimezone(UTC)


def _row(row: sa.Row) -> AlertRow:
    m = row._mapping
    return AlertRow(
        alert_id=m["alert_id"], state=m["state"], scope=m["scope"], msg_type=m["msg_type"],
        expires_at=as_time(m["expires_at"]), cap_xml=bytes(m["cap_xml"]), source=m["source"],
        drafted_by=m["drafted_by"], drafted_at=as_time(m["drafted_at"]),
        approved_by=m["approved_by"], approved_at=as_time(m["approved_at"]),
        published_by=m["published_by"], published_at=as_time(m["published_at"]),
    )  # fmt: skip


def insert_seed_alert(
    backend: SqlBackend, alert: Alert, *, drafted_by: str, approved_by: str, now: datetime,
    source: str,
) -> bool:  # fmt: skip
    """Store a seed scenario's alert as published at its `sent` time (built with the store: no
    version, no audit entry of its own); False if the store holds it already (a rebuild keeps
    the tables). `now` is when the store is built: the alert must not have expired by then."""
    check_alert(alert, now=now)
    document = build_cap_xml(alert)
    check_cap_xml(document)
    with backend.transaction() as con:
        found = con.execute(sa.select(table.c.alert_id).where(table.c.alert_id == alert.identifier))
        if found.first() is not None:
            return False
        con.execute(
            sa.insert(table).values(
                alert_id=alert.identifier, state=PUBLISHED, scope=alert.scope,
                msg_type=alert.msg_type, expires_at=_latest_expiry(alert), cap_xml=document,
                source=source, drafted_by=drafted_by, drafted_at=alert.sent,
                approved_by=approved_by, approved_at=alert.sent, published_by=approved_by,
                published_at=alert.sent,
            )
        )  # fmt: skip
    return True
