"""The flow-monitoring registry in the store: one body of SQL for both backends, audited.

Every write is one transaction that moves the store version and appends to the audit log
(action `flows_import`, `flows_entry` or `flows_seed`; the layer is empty because the
registry is a table, not a map layer). A count for a key already held replaces the old one,
and the audit keeps the old count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import sqlalchemy as sa

from eoc.errors import EocError
from eoc.flows.values import FIELDS, FlowCount
from eoc.i18n import _
from eoc.store.audit_log import write_audit
from eoc.store.flow_tables import KEY_COLUMNS, flow_counts
from eoc.store.sql_engine import SqlBackend
from eoc.write_tokens import ReplayedWriteError, WriteToken

SEED_SOURCE = "seed"
FORM_SOURCE = "form"
_CHUNK = 500


@dataclass(frozen=True)
class WriteSummary:
    version: int
    added: int
    changed: int
    unchanged: int


def read_counts(backend: SqlBackend) -> pd.DataFrame:
    """Every count, oldest day first: the registry's columns plus `source`."""
    t = flow_counts
    columns = [t.c[name] for name in (*FIELDS, "source")]
    with backend.reading() as con:
        rows = con.execute(sa.select(*columns).order_by(t.c.day, t.c.point_id)).all()
    frame = pd.DataFrame(rows, columns=[*FIELDS, "source"])
    frame["day"] = pd.to_datetime(frame["day"])
    frame["count"] = frame["count"].astype("int64")
    return frame


def import_counts(
    backend: SqlBackend,
    counts: Sequence[FlowCount],
    *,
    source: str,
    by: str,
    now: datetime,
    reason: str = "",
) -> WriteSummary:
    """Add or replace `counts` in one audited transaction (one audit entry for the file)."""
    if not counts:
        raise EocError(_("there are no counts to write; nothing was written"))
    with backend.transaction() as con:
        version = backend.bump_version(con)
        held = _held(con, counts)
        added, changed, unchanged = _write(con, counts, held, source=source, by=by, now=now)
        write_audit(
            con, action="flows_import", by=by, now=now, version=version, feature_id=source,
            old={"changed": [{"row": c.label, "count": held[c.key][1]} for c in changed]},
            new={"rows": len(counts), "added": added, "changed": len(changed)},
            reason=reason or "flow monitoring import",
        )  # fmt: skip
    return WriteSummary(version, added, len(changed), unchanged)


def enter_count(
    backend: SqlBackend, count: FlowCount, *, token: WriteToken, by: str, now: datetime
) -> WriteSummary:
    """One count from the duty officers' form, once per form (its token's nonce is kept)."""
    t = flow_counts
    with backend.transaction() as con:
        if con.execute(sa.select(t.c.id).where(t.c.entry_ref == token.nonce)).first():
            raise ReplayedWriteError(
                _("this change was already sent (the form was sent twice); it was saved once")
            )
        version = backend.bump_version(con)
        held = _held(con, [count])
        old = held.get(count.key)
        added, changed, unchanged = _write(
            con, [count], held, source=FORM_SOURCE, by=by, now=now, entry_ref=token.nonce
        )
        write_audit(
            con, action="flows_entry", by=by, now=now, version=version, feature_id=count.label,
            old={"count": old[1]} if old else {}, new={"count": count.count},
            reason="flow monitoring form",
        )  # fmt: skip
    return WriteSummary(version, added, len(changed), unchanged)


def replace_seed_counts(
    backend: SqlBackend, counts: Sequence[FlowCount], *, now: datetime
) -> WriteSummary:
    """The seed's counts in place of the previous seed's; counts staff wrote are kept."""
    t = flow_counts
    with backend.transaction() as con:
        version = backend.bump_version(con)
        removed = con.execute(sa.delete(t).where(t.c.source == SEED_SOURCE)).rowcount
        held = _held(con, counts)
        fresh = [c for c in counts if c.key not in held]
        added, _changed, _same = _write(con, fresh, {}, source=SEED_SOURCE, by="seed", now=now)
        write_audit(
            con, action="flows_seed", by="seed", now=now, version=version, feature_id=SEED_SOURCE,
            old={"rows": removed}, new={"rows": added, "kept_staff_rows": len(counts) - added},
            reason="illustrative seed registry",
        )  # fmt: skip
    return WriteSummary(version, added, 0, len(counts) - added)


def _held(con: sa.Connection, counts: Iterable[FlowCount]) -> dict[tuple, tuple[int, int]]:
    """key -> (row id, count) of the rows already held for the days and points of `counts`."""
    t = flow_counts
    counts = list(counts)
    if not counts:
        return {}
    days = [c.day for c in counts]
    points = sorted({c.point_id for c in counts})
    held: dict[tuple, tuple[int, int]] = {}
    for start in range(0, len(points), _CHUNK):
        query = (
            sa.select(t.c.id, t.c["count"], *[t.c[k] for k in KEY_COLUMNS])
            .where(t.c.day.between(min(days), max(days)))
            .where(t.c.point_id.in_(points[start : start + _CHUNK]))
        )
        for row in con.execute(query):
            held[tuple(row[2:])] = (row[0], row[1])
    return held


def _write(
    con: sa.Connection,
    counts: Sequence[FlowCount],
    held: dict[tuple, tuple[int, int]],
    *,
    source: str,
    by: str,
    now: datetime,
    entry_ref: str | None = None,
) -> tuple[int, list[FlowCount], int]:
    t = flow_counts
    new_rows, changed, unchanged = [], [], 0
    for c in counts:
        found = held.get(c.key)
        if found is None:
            new_rows.append(
                {**dict(zip(KEY_COLUMNS, c.key, strict=True)), "count": c.count,
                 "source": source, "entry_ref": entry_ref, "updated_at": now, "updated_by": by}
            )  # fmt: skip
        elif found[1] != c.count:
            changed.append(c)
            con.execute(
                sa.update(t).where(t.c.id == found[0]).values(
                    count=c.count, source=source, entry_ref=entry_ref, updated_at=now,
                    updated_by=by,
                )
            )  # fmt: skip
        else:
            unchanged += 1
    if new_rows:
        con.execute(sa.insert(t), new_rows)
    return len(new_rows), changed, unchanged


def hxl_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The registry as an HXL table: a header row, a row of tags, then the counts."""
    tags = {
        "day": "#date", "point_id": "#loc+code", "direction": "#indicator+direction",
        "category": "#population+type", "sex": "#indicator+sex", "age_band": "#indicator+age",
        "count": "#reached+ind",
    }  # fmt: skip
    body = frame[list(FIELDS)].copy()
    body["day"] = pd.to_datetime(body["day"]).dt.strftime("%Y-%m-%d")
    body = body.astype(str)
    return pd.concat([pd.DataFrame([tags]), body], ignore_index=True)
