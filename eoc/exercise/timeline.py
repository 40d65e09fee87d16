"""The exercise read back from the sandbox's audit log: who did what, at what exercise time.

Everything comes from the audit log after the exercise's start (and the scenario kept in
the sandbox): each entry is an inject's write, a controller's command, or a player's action;
its exercise time comes from the clock as the `exercise_clock` entries set it at that moment.
Measures: time to the first incident logged, situation report, CAP alert; relocation
decisions; edits per role; and each expected action met in time, late, or not taken.

A relocation decision is a player's transaction that changes the people of two or more
sites at once (the relocation planner's Apply; a grid edit changes one site).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from eoc.exercise.clock import ExerciseClock
from eoc.exercise.injects import InjectState, inject_states
from eoc.exercise.sandbox import (
    ADD_ACTION,
    CLOCK_ACTION,
    START_ACTION,
    STOP_ACTION,
    ExerciseRecord,
    clock_from_values,
    require_exercise,
)
from eoc.exercise.scenario import Expectation, Inject
from eoc.store.records import AuditEntry

INJECT, CONTROL, PLAYER, SYSTEM = "inject", "control", "player", "system"
TAG = "[exercise inject "
SITES = "displacement_sites"
# Which player entries are which expected action (eoc.exercise.scenario.EXPECTED_ACTIONS).
MATCHES = {
    "incident_logged": lambda e: e.action == "insert" and e.layer == "incidents",
    "incident_updated": lambda e: e.action == "update" and e.layer == "incidents",
    "sitrep_published": lambda e: e.action == "report_publish",
    "alert_drafted": lambda e: e.action == "alert_draft",
    "alert_published": lambda e: e.action == "alert_publish",
    "site_updated": lambda e: e.action == "update" and e.layer == SITES,
    "checkpoint_updated": lambda e: e.action == "update" and e.layer == "border_checkpoints",
}


@dataclass(frozen=True)
class Step:
    """One audit entry of the exercise, placed on its clock."""

    entry: AuditEntry
    exercise_s: float
    source: str  # INJECT, CONTROL, PLAYER or SYSTEM
    role: str  # of the user, from the sandbox's accounts ("" for controller and feeds)
    inject_id: str | None = None


@dataclass(frozen=True)
class Outcome:
    """How an expected action went."""

    expectation: Expectation
    start_s: float | None  # when the inject it answers was applied (None: never)
    deadline_s: float | None
    done: Step | None  # the first player action that answers it

    @property
    def state(self) -> str:
        if self.start_s is None:
            return "inject_not_applied"
        if self.done is None:
            return "not_taken"
        return "met" if self.done.exercise_s <= self.deadline_s else "late"


@dataclass(frozen=True)
class AfterAction:
    exercise: ExerciseRecord
    steps: tuple[Step, ...]  # every audit entry since the start, oldest first
    injects: tuple[tuple[Inject, InjectState | None], ...]
    outcomes: tuple[Outcome, ...]
    relocations: tuple[tuple[Step, ...], ...]  # one tuple of site changes per decision
    edits_by_role: dict[str, int]
    end_s: float

    def first(self, action: str) -> Step | None:
        """The first player action of kind `action` (an EXPECTED_ACTIONS name)."""
        if action == "relocation_applied":
            return self.relocations[0][0] if self.relocations else None
        return next((s for s in self.players if MATCHES[action](s.entry)), None)

    @property
    def players(self) -> list[Step]:
        return [s for s in self.steps if s.source == PLAYER]


def read_after_action(store, *, now: datetime) -> AfterAction:
    """The after-action picture of the sandbox `store` (ended or still running at `now`)."""
    record = require_exercise(store)
    roles = {user.name: user.role for user in store.list_users()}
    entries = [
        e for e in reversed(store.audit_log(limit=10**9)) if e.version >= record.start_version
    ]
    steps = place_on_clock(entries, roles)
    states = inject_states(store)
    injects = tuple((i, states.get(i.inject_id)) for i in record.scenario.injects)
    applied_s = _applied_times(steps)
    relocations = _relocations(steps)
    outcomes = tuple(
        _outcome(e, steps, applied_s, relocations) for e in record.scenario.expectations
    )
    end = record.ended_at or now
    end_s = _clock_at(entries, end)
    edits = Counter(s.role or s.entry.user for s in steps if s.source == PLAYER)
    return AfterAction(record, tuple(steps), injects, outcomes, relocations, dict(edits), end_s)


def place_on_clock(entries: list[AuditEntry], roles: dict[str, str]) -> list[Step]:
    """Each entry with its exercise time and who it was from (entries oldest first)."""
    clock = ExerciseClock()
    steps = []
    for entry in entries:
        if entry.action == CLOCK_ACTION and entry.new:
            clock = clock_from_values(dict(entry.new))
        source, inject_id = _source(entry)
        steps.append(
            Step(entry, clock.elapsed_s(entry.at), source, roles.get(entry.user, ""), inject_id)
        )
    return steps


def _clock_at(entries: list[AuditEntry], moment: datetime) -> float:
    clock = ExerciseClock()
    for entry in entries:
        if entry.action == CLOCK_ACTION and entry.new and entry.at <= moment:
            clock = clock_from_values(dict(entry.new))
    return clock.elapsed_s(moment)


def _source(entry: AuditEntry) -> tuple[str, str | None]:
    if entry.action in (START_ACTION, STOP_ACTION, CLOCK_ACTION, ADD_ACTION):
        return CONTROL, None
    reason = entry.reason or ""
    if TAG in reason:
        return INJECT, reason.split(TAG, 1)[1].split("]", 1)[0]
    if entry.user.startswith("feed:") or entry.user in ("system", "seed"):
        return SYSTEM, None
    return PLAYER, None


def _applied_times(steps: list[Step]) -> dict[str, float]:
    """When each inject was applied: its first write (or its mark, for one that writes none)."""
    found: dict[str, float] = {}
    for step in steps:
        if step.inject_id and step.inject_id not in found:
            found[step.inject_id] = step.exercise_s
    return found


def _relocations(steps: list[Step]) -> tuple[tuple[Step, ...], ...]:
    by_version: dict[int, list[Step]] = {}
    for step in steps:
        entry = step.entry
        people = "individuals" in (entry.new or {})
        if step.source == PLAYER and entry.layer == SITES and entry.action == "update" and people:
            by_version.setdefault(entry.version, []).append(step)
    return tuple(tuple(group) for _v, group in sorted(by_version.items()) if len(group) >= 2)


def _outcome(expectation: Expectation, steps, applied_s, relocations) -> Outcome:
    start = applied_s.get(expectation.after) if expectation.after else 0.0
    if start is None:
        return Outcome(expectation, None, None, None)
    deadline = start + expectation.within_min * 60
    if expectation.action == "relocation_applied":
        candidates = [group[0] for group in relocations]
    else:
        match = MATCHES[expectation.action]
        candidates = [s for s in steps if s.source == PLAYER and match(s.entry)]
    done = next((s for s in candidates if s.exercise_s >= start), None)
    return Outcome(expectation, start, deadline, done)
