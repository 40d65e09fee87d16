"""Injects the controller adds live (/exercise): checked, kept and applied like the scenario's.

The controller's form gives an inject's scenario columns (eoc/exercise/scenario.py): its
kind, the T+ minute (empty: now on the exercise clock), the site or checkpoint and the value,
an incident's type, severity, people and place, the texts. `add_inject` checks them with the
scenario's own parser — a bad value is named by its field on the form — and that the site or
checkpoint is in the sandbox, then keeps the inject in `eoc_exercise_added_injects` with an
audit entry, in one transaction. From then on it is one of the sandbox's injects
(`ExerciseRecord.scenario`): on the timeline, played by the runner or by "Apply the next
inject now", applied exactly once through eoc/exercise/injects.py (a restart included), and
in the after-action report as added live by whoever added it. One that is due already (the
clock started and at or past its minute) is applied at once.

Feed injects (`feed_usgs`, `feed_gdacs`) are not offered: they need a sample file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

import layers
from eoc.errors import ScenarioError
from eoc.exercise.clock import format_exercise_time
from eoc.exercise.injects import InjectState, apply_inject
from eoc.exercise.player import DUE_SLACK_S
from eoc.exercise.sandbox import ADD_ACTION, require_exercise
from eoc.exercise.scenario import INCIDENT_KINDS, MAX_AT_MIN, Inject, parse_inject
from eoc.i18n import N_, _
from eoc.store import exercise_tables as t
from eoc.store.audit_log import write_audit

LIVE_KINDS = ("message", "incident", "road_blocked", "site_population", "checkpoint_status")
KIND_LABELS = {
    "message": N_("A message to the players"),
    "incident": N_("An incident"),
    "road_blocked": N_("A road blocked"),
    "site_population": N_("A site's people change"),
    "checkpoint_status": N_("A checkpoint's status"),
}
ID_PREFIX = "L"  # L1, L2, …: never an id of the scenario's (checked too)
WHERE = N_("the new inject")
ADDED_LIVE = N_("added live by {user}")  # on the timeline and in the after-action report
# What the form calls the scenario column each field fills (and so what an error names).
FIELD_NAMES = {
    "kind": N_("Kind"),
    "at_min": N_("At T+ minutes"),
    "severity": N_("Severity"),
    "people": N_("People affected"),
    "lat": N_("Latitude"),
    "lon": N_("Longitude"),
    "text": N_("Text (English)"),
    "text_ru": N_("Text (Russian)"),
    "text_tg": N_("Text (Tajik)"),
}
# `target` and `value` are different fields of the form for each kind.
KIND_FIELD_NAMES = {
    "incident": {"value": N_("Incident type")},
    "site_population": {"target": N_("Site"), "value": N_("People: +N arrive, -N leave, or N")},
    "checkpoint_status": {"target": N_("Checkpoint"), "value": N_("Checkpoint status")},
}
TARGET_LAYERS = {"site_population": "displacement_sites", "checkpoint_status": "border_checkpoints"}


@dataclass(frozen=True)
class LiveInjectForm:
    """What the controller entered (text or numbers as the form sends them; None: empty)."""

    kind: str | None = None
    at_min: object = None  # empty: now on the exercise clock
    site: str | None = None
    people_change: str | None = None
    checkpoint: str | None = None
    checkpoint_status: str | None = None
    incident_type: str | None = None
    severity: str | None = None
    people: object = None
    lat: object = None
    lon: object = None
    text: str | None = None
    text_ru: str | None = None
    text_tg: str | None = None


@dataclass(frozen=True)
class AddedInject:
    inject: Inject
    applied: InjectState | None  # applied at once (it was due), else None

    def line(self) -> str:
        when = format_exercise_time(self.inject.at_s)
        if self.applied is not None:
            return _("inject {id} added and applied at once ({time})").format(
                id=self.inject.inject_id, time=when
            )
        return _("inject {id} added for {time}").format(id=self.inject.inject_id, time=when)


def field_names(kind: str | None) -> dict[str, str]:
    """The form's name of each scenario column, for `kind`, in the current language."""
    names = {**FIELD_NAMES, **KIND_FIELD_NAMES.get(kind or "", {})}
    return {column: _(name) for column, name in names.items()}


def scenario_row(form: LiveInjectForm, *, now_min: float) -> dict[str, str]:
    """The form as the scenario columns of one inject (the fields of other kinds left out)."""
    kind = _text(form.kind)
    row = {
        "kind": kind,
        "at_min": _text(form.at_min) or _minute_text(now_min),
        "text": _text(form.text),
        "text_ru": _text(form.text_ru),
        "text_tg": _text(form.text_tg),
    }
    if kind in INCIDENT_KINDS:
        row.update(
            value=_text(form.incident_type) if kind == "incident" else "",
            severity=_text(form.severity),
            people=_text(form.people),
            lat=_text(form.lat),
            lon=_text(form.lon),
        )
    elif kind == "site_population":
        row.update(target=_text(form.site), value=_text(form.people_change))
    elif kind == "checkpoint_status":
        row.update(target=_text(form.checkpoint), value=_text(form.checkpoint_status))
    return row


def add_inject(store, form: LiveInjectForm, *, by: str, now: datetime) -> AddedInject:
    """Check the form's inject, keep it in the sandbox (audited), apply it if it is due."""
    record = require_exercise(store, running=True)
    kind = _text(form.kind)
    names = field_names(kind)
    where = _(WHERE)
    if kind not in LIVE_KINDS:
        raise ScenarioError(
            _("{where}: {field} must be one of {kinds}").format(
                where=where,
                field=names["kind"],
                kinds=", ".join(_(KIND_LABELS[k]) for k in LIVE_KINDS),
            )
        )
    now_min = record.clock.elapsed_s(now) / 60
    if not _text(form.at_min) and now_min > MAX_AT_MIN:
        raise ScenarioError(
            _(
                "{where}: {field}: the exercise clock ({time}) is past the last minute an inject "
                "may have ({limit})"
            ).format(
                where=where,
                field=names["at_min"],
                time=format_exercise_time(now_min * 60),
                limit=format_exercise_time(MAX_AT_MIN * 60),
            )
        )
    row = scenario_row(form, now_min=now_min)
    # Checked by the scenario's parser (an id of its own comes in the transaction).
    checked = parse_inject(row, inject_id=ID_PREFIX, where=where, names=names)
    _check_target(store, checked, where=where, names=names)
    with store.sql.transaction() as con:
        version = store.sql.bump_version(con)  # first: two controllers adding queue here
        inject_id = _next_id(con, {i.inject_id for i in record.scenario.injects})
        con.execute(
            sa.insert(t.added_injects).values(
                inject_id=inject_id,
                exercise_id=record.exercise_id,
                kind=kind,
                at_min=checked.at_min,
                fields=row,
                added_by=by,
                added_at=now,
                version=version,
            )
        )
        write_audit(
            con,
            action=ADD_ACTION,
            by=by,
            now=now,
            version=version,
            feature_id=inject_id,
            new={"inject_id": inject_id, **row},
            # Never the inject's tag: that marks the inject's own writes.
            reason=f"inject {inject_id} ({kind}, {format_exercise_time(checked.at_s)}) "
            f"added live by {by}",
        )
    record = require_exercise(store, running=True)
    inject, clock = record.scenario.inject(inject_id), record.clock
    elapsed = clock.elapsed_s(now)
    applied = None
    if clock.started and inject.at_s <= elapsed + DUE_SLACK_S:
        applied = apply_inject(store, inject, exercise_s=elapsed, now=now)
    return AddedInject(inject, applied)


def _check_target(store, inject: Inject, *, where: str, names: Mapping[str, str]) -> None:
    """The site or checkpoint must be in the sandbox (a scenario's is found when applied)."""
    layer = TARGET_LAYERS.get(inject.kind)
    if layer is None:
        return
    spec = layers.get(layer)
    held = set(store.read_layer(layer)[spec.id_field].astype(str))
    if inject.target not in held:
        raise ScenarioError(
            _("{where}: {field}: there is no {target} in the sandbox").format(
                where=where, field=names["target"], target=inject.target
            )
        )


def _next_id(con: sa.Connection, taken: set[str]) -> str:
    """L1, L2, …: one more than the highest added so far, and no id of the scenario's."""
    taken = taken | set(con.execute(sa.select(t.added_injects.c.inject_id)).scalars())
    number = 1 + max(
        (int(i[len(ID_PREFIX) :]) for i in taken if re.fullmatch(rf"{ID_PREFIX}\d+", i)),
        default=0,
    )
    return f"{ID_PREFIX}{number}"


def _minute_text(minutes: float) -> str:
    """`minutes` to the hundredth, rounded down: an inject "now" is due now, not just after."""
    return f"{math.floor(max(0.0, minutes) * 100) / 100:.2f}".rstrip("0").rstrip(".")


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()
