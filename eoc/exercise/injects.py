"""One inject applied to the sandbox through the store's own audited writes, exactly once.

Each inject is written as the exercise controller (`CONTROLLER`, acting with an admin's
rights, checked against eoc/permissions.py like any user): incidents, site figures and
checkpoint status through `Store.apply_edits`, feed events through the feed ingest code
(eoc/feeds: the same planning, zones and audit as a live poll, user `feed:usgs`/`feed:gdacs`),
a message to the players as an audited row of its own. Every write's reason starts with the
inject's tag (`[exercise inject I03]`), so the audit log says which inject wrote what.

Exactly once, across a stopped and restarted runner and a second process:

1. `claim_inject` takes the inject's row in `eoc_exercise_injects` (its id is the key) as
   "applying" — or finds it applied (nothing to do), or being applied by someone else now;
2. `write_inject` makes its writes (each one transaction, tagged);
3. `finish_inject` marks the row "applied" with an `exercise_inject` audit entry, in one
   transaction.

A runner stopped between 2 and 3 left tagged audit entries: the next claim sees them and
only finishes the row. Stopped between 1 and 2, nothing was written: after CLAIM_TIMEOUT_S
the claim is taken over and the inject written then.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from shapely.geometry import Point

from eoc.errors import ExerciseError
from eoc.exercise.sandbox import ExerciseRecord, require_exercise
from eoc.exercise.scenario import FEED_KINDS, INCIDENT_KINDS, Inject
from eoc.i18n import _
from eoc.permissions import Role, is_allowed, layer_edit_action
from eoc.store import account_tables as accounts
from eoc.store import exercise_tables as t
from eoc.store.audit_log import write_audit
from eoc.store.edits import Edit

CONTROLLER = "exercise:controller"
CONTROLLER_ROLE = Role.ADMIN
INJECT_ACTION = "exercise_inject"
CLAIM_TIMEOUT_S = 120.0  # longer than any one inject's writes take
APPLYING, APPLIED = "applying", "applied"


@dataclass(frozen=True)
class InjectState:
    """An inject's row in `eoc_exercise_injects`."""

    inject_id: str
    kind: str
    state: str
    claimed_at: datetime
    applied_at: datetime | None
    exercise_s: float | None
    store_version: int | None
    detail: dict

    @property
    def applied(self) -> bool:
        return self.state == APPLIED


def inject_tag(inject_id: str) -> str:
    """What every write of the inject starts its audit reason with."""
    return f"[exercise inject {inject_id}]"


def inject_states(store) -> dict[str, InjectState]:
    """Every inject taken up so far, by id."""
    with store.sql.reading() as con:
        rows = con.execute(sa.select(t.injects).order_by(t.injects.c.claimed_at)).all()
    return {row.inject_id: _state(row._mapping) for row in rows}


def apply_inject(store, inject: Inject, *, exercise_s: float, now: datetime) -> InjectState | None:
    """Apply `inject` unless it was (or is being) applied; its state, or None if skipped."""
    record = require_exercise(store, running=True)
    if not claim_inject(store, record, inject, now=now):
        return None
    detail, version = write_inject(store, inject, now=now)
    return finish_inject(
        store, record, inject, exercise_s=exercise_s, now=now, detail=detail, version=version
    )


def claim_inject(store, record: ExerciseRecord, inject: Inject, *, now: datetime) -> bool:
    """Take the inject for applying; False if it was applied or someone is applying it."""
    with store.sql.transaction() as con:
        row = con.execute(
            sa.select(t.injects).where(t.injects.c.inject_id == inject.inject_id)
        ).first()
        if row is None:
            con.execute(
                sa.insert(t.injects).values(
                    inject_id=inject.inject_id,
                    exercise_id=record.exercise_id,
                    kind=inject.kind,
                    state=APPLYING,
                    claimed_at=now,
                )
            )
            return True
        held = _state(row._mapping)
        if held.applied:
            return False
        if _written(con, inject.inject_id):
            # Written before a stop, never marked: mark it now; write nothing again.
            _finish(
                con,
                store,
                record,
                inject,
                exercise_s=None,
                now=now,
                detail={"recovered": True},
                version=None,
            )
            return False
        if now - held.claimed_at < timedelta(seconds=CLAIM_TIMEOUT_S):
            return False  # another process is applying it at this moment
        con.execute(
            sa.update(t.injects)
            .where(t.injects.c.inject_id == inject.inject_id)
            .values(claimed_at=now)
        )
        return True


def finish_inject(
    store,
    record: ExerciseRecord,
    inject: Inject,
    *,
    exercise_s: float | None,
    now: datetime,
    detail: dict,
    version: int | None,
) -> InjectState:
    with store.sql.transaction() as con:
        _finish(
            con,
            store,
            record,
            inject,
            exercise_s=exercise_s,
            now=now,
            detail=detail,
            version=version,
        )
    return inject_states(store)[inject.inject_id]


def write_inject(store, inject: Inject, *, now: datetime) -> tuple[dict, int | None]:
    """Make the inject's writes; what was written and the store version after them."""
    reason = f"{inject_tag(inject.inject_id)} {inject.text('en')}".strip()[:500]
    if inject.kind in FEED_KINDS:
        return _feed(store, inject, reason=reason, now=now)
    if inject.kind in INCIDENT_KINDS:
        return _incident(store, inject, reason=reason, now=now)
    if inject.kind == "site_population":
        return _site_population(store, inject, reason=reason, now=now)
    if inject.kind == "checkpoint_status":
        return _checkpoint(store, inject, reason=reason, now=now)
    return {"texts": dict(inject.texts)}, None  # a message: finish_inject records it


# -- the kinds ----------------------------------------------------------------------------


def _edit(store, layer: str, edits: list[Edit], *, reason: str, now: datetime) -> int:
    if not is_allowed(CONTROLLER_ROLE, layer_edit_action(layer)):
        raise ExerciseError(_("the exercise controller may not change {layer}").format(layer=layer))
    return store.apply_edits(layer, edits, user=CONTROLLER, reason=reason, now=now)


def _incident(store, inject: Inject, *, reason: str, now: datetime) -> tuple[dict, int]:
    from eoc.incident_log import where_is  # late: it reads the boundary layers

    incident_id = f"EX-{inject.inject_id}"
    adm1, adm2 = where_is(inject.lon, inject.lat, store)
    row = {
        "time_utc": now.astimezone(UTC).isoformat(),
        "incident_type": inject.value,
        "severity": inject.severity,
        "status": "reported",
        "people_affected": inject.people,
        "description": inject.text("en") or None,
        "reporter": CONTROLLER,
        "adm1_iso": adm1,
        "adm2_name": adm2,
        "source": "exercise inject",
        "geometry": Point(inject.lon, inject.lat),
    }
    version = _edit(
        store, "incidents", [Edit(incident_id, row, op="insert")], reason=reason, now=now
    )
    return {"incidents": [incident_id]}, version


def _site_population(store, inject: Inject, *, reason: str, now: datetime) -> tuple[dict, int]:
    sites = store.read_layer("displacement_sites")
    found = sites[sites["site_id"].astype(str) == inject.target]
    if found.empty:
        raise ExerciseError(
            _("inject {id}: there is no site {site}").format(
                id=inject.inject_id, site=inject.target
            )
        )
    before = found.iloc[0]["individuals"]
    base = 0 if pd.isna(before) else int(before)
    change = inject.value
    after = base + int(change) if change[:1] in "+-" else int(change)
    after = max(0, after)
    edit = Edit(
        inject.target,
        {"individuals": after},
        expected={"individuals": None if pd.isna(before) else base},
    )
    version = _edit(store, "displacement_sites", [edit], reason=reason, now=now)
    return {"site": inject.target, "individuals": [base, after]}, version


def _checkpoint(store, inject: Inject, *, reason: str, now: datetime) -> tuple[dict, int | None]:
    points = store.read_layer("border_checkpoints")
    found = points[points["checkpoint_id"].astype(str) == inject.target]
    if found.empty:
        raise ExerciseError(
            _("inject {id}: there is no checkpoint {point}").format(
                id=inject.inject_id, point=inject.target
            )
        )
    before = str(found.iloc[0]["status"])
    if before == inject.value:
        return {"checkpoint": inject.target, "status": [before, before]}, None
    edit = Edit(inject.target, {"status": inject.value}, expected={"status": before})
    version = _edit(store, "border_checkpoints", [edit], reason=reason, now=now)
    return {"checkpoint": inject.target, "status": [before, inject.value]}, version


def _feed(store, inject: Inject, *, reason: str, now: datetime) -> tuple[dict, int | None]:
    from eoc.exercise.sandbox import read_exercise
    from eoc.feeds.gdacs_ingest import apply_gdacs  # late: the feed code is only for feeds
    from eoc.feeds.ingest import apply_usgs

    sample = read_exercise(store).scenario_files.get(inject.target)
    if sample is None:
        raise ExerciseError(
            _("inject {id}: the sandbox lacks its sample {name}").format(
                id=inject.inject_id, name=inject.target
            )
        )
    feed = json.loads(sample)
    if inject.kind == "feed_usgs":
        result = apply_usgs(store, shift_usgs(feed, now), source=reason, now=now)
    else:
        result = apply_gdacs(store, shift_gdacs(feed, now), source=reason, now=now)
    detail = {
        "incidents": [*result.new_incidents, *result.updated_incidents],
        "zones_added": result.zones_added,
    }
    return detail, result.version


def shift_usgs(feed: dict, now: datetime) -> dict:
    """The USGS sample with its events moved so that the first happens at `now`."""
    features = feed.get("features") or []
    times = [f["properties"]["time"] for f in features if f.get("properties", {}).get("time")]
    if not times:
        return feed
    delta = int(now.timestamp() * 1000) - min(times)
    shifted = []
    for feature in features:
        props = dict(feature.get("properties") or {})
        for key in ("time", "updated"):
            if props.get(key) is not None:
                props[key] = int(props[key]) + delta
        shifted.append({**feature, "properties": props})
    return {**feed, "features": shifted}


def shift_gdacs(feed: dict, now: datetime) -> dict:
    """The GDACS sample with its events moved so that the first starts at `now`."""
    features = feed.get("features") or []
    starts = [pd.Timestamp(f["properties"]["fromdate"], tz="UTC") for f in features]
    if not starts:
        return feed
    delta = pd.Timestamp(now).tz_convert("UTC") - min(starts)
    shifted = []
    for feature in features:
        props = dict(feature["properties"])
        for key in ("fromdate", "todate", "datemodified"):
            if props.get(key):
                moved = pd.Timestamp(props[key], tz="UTC") + delta
                props[key] = moved.strftime("%Y-%m-%dT%H:%M:%S")
        shifted.append({**feature, "properties": props})
    return {**feed, "features": shifted}


# -- the rows -----------------------------------------------------------------------------


def _written(con: sa.Connection, inject_id: str) -> bool:
    """Whether the audit log holds a write of the inject (other than its own mark)."""
    audit = accounts.audit
    found = con.execute(
        sa.select(audit.c.id)
        .where(audit.c.reason.contains(inject_tag(inject_id), autoescape=True))
        .where(audit.c.action != INJECT_ACTION)
        .limit(1)
    ).first()
    return found is not None


def _finish(con, store, record, inject, *, exercise_s, now, detail, version) -> None:
    mark_version = store.sql.bump_version(con)
    con.execute(
        sa.update(t.injects)
        .where(t.injects.c.inject_id == inject.inject_id)
        .values(
            state=APPLIED,
            applied_at=now,
            exercise_s=exercise_s,
            store_version=version,
            detail=detail,
        )
    )
    new = {"kind": inject.kind, "at_min": inject.at_min, "exercise_s": exercise_s, **detail}
    write_audit(
        con,
        action=INJECT_ACTION,
        by=CONTROLLER,
        now=now,
        version=mark_version,
        feature_id=inject.inject_id,
        new=new,
        reason=f"{inject_tag(inject.inject_id)} {inject.text('en')}".strip()[:500],
    )


def _state(m) -> InjectState:
    return InjectState(
        inject_id=m["inject_id"],
        kind=m["kind"],
        state=m["state"],
        claimed_at=m["claimed_at"],
        applied_at=m["applied_at"],
        exercise_s=m["exercise_s"],
        store_version=m["store_version"],
        detail=dict(m["detail"] or {}),
    )


def player_messages(store, *, limit: int = 3) -> list[InjectState]:
    """The latest messages to the players (applied message injects), newest first."""
    with store.sql.reading() as con:
        rows = con.execute(
            sa.select(t.injects)
            .where(t.injects.c.kind == "message", t.injects.c.state == APPLIED)
            .order_by(t.injects.c.applied_at.desc())
            .limit(int(limit))
        ).all()
    return [_state(row._mapping) for row in rows]
