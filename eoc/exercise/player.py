"""Playing a scenario on its sandbox: the headless runner and the controller's commands.

`play` runs the exercise clock and applies each inject when the clock reaches it, printing
progress; it can be stopped at any moment and started again (the clock and the applied
injects are in the sandbox; eoc/exercise/injects.py applies each inject once). `apply_next`
is the controller's "next inject now": the clock jumps to that inject's time and it is
applied. `pause`, `resume` and `set_speed` set the clock. Real time enters only as the
`now` and `sleep` arguments, so a test plays an hour-long scenario in no time at all.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from eoc.errors import ExerciseError
from eoc.exercise.clock import ExerciseClock, format_exercise_time
from eoc.exercise.injects import CONTROLLER, apply_inject, inject_states
from eoc.exercise.sandbox import require_exercise, save_clock
from eoc.exercise.scenario import Inject
from eoc.i18n import _

POLL_S = 1.0  # how often a waiting runner looks whether the controller paused or stepped
MIN_SLEEP_S = 0.01  # a wait shorter than this is rounded up: time always moves on
DUE_SLACK_S = 0.001  # exercise seconds: an inject this close to due is due


def _real_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Progress:
    """What `play` reports after each inject."""

    inject: Inject
    exercise_s: float
    applied: bool  # False: someone else had applied it meanwhile
    done: int
    total: int

    def line(self) -> str:
        what = self.inject.text("en") or self.inject.target or self.inject.value
        state = _("applied") if self.applied else _("already applied")
        return f"{format_exercise_time(self.exercise_s)}  [{self.done}/{self.total}]  " + _(
            "{id} {kind} {state}: {what}"
        ).format(id=self.inject.inject_id, kind=self.inject.kind, state=state, what=what)


def pending_injects(store) -> list[Inject]:
    """The scenario's injects not applied yet, in time order."""
    record = require_exercise(store)
    applied = {i for i, s in inject_states(store).items() if s.applied}
    return [i for i in record.scenario.injects if i.inject_id not in applied]


def start_clock(store, *, speed: float | None, now: datetime, by: str) -> ExerciseClock:
    """Start the exercise clock (or keep it), at `speed` if given."""
    clock = require_exercise(store, running=True).clock
    wanted = clock.started_at(now, speed=speed)
    if wanted == clock:
        return clock
    reason = _("exercise clock at ×{speed}").format(speed=_speed_text(wanted.speed))
    return save_clock(store, wanted, by=by, now=now, reason=reason)


def play(
    store,
    *,
    speed: float | None = None,
    by: str = CONTROLLER,
    now: Callable[[], datetime] = _real_now,
    sleep: Callable[[float], None] = time.sleep,
    report: Callable[[Progress], None] = lambda progress: None,
    until_s: float | None = None,
) -> int:
    """Play the sandbox's scenario until every inject is applied (or the clock passes
    `until_s`); the number of injects this call applied."""
    start_clock(store, speed=speed, now=now(), by=by)
    count = 0
    while True:
        record = require_exercise(store, running=True)
        total = len(record.scenario.injects)  # the controller may add injects meanwhile
        waiting = pending_injects(store)
        if not waiting:
            return count
        moment = now()
        elapsed = record.clock.elapsed_s(moment)
        if until_s is not None and elapsed >= until_s and waiting[0].at_s > until_s:
            return count
        due = waiting[0]
        if due.at_s <= elapsed + DUE_SLACK_S:
            state = apply_inject(store, due, exercise_s=elapsed, now=moment)
            if state is None and due.inject_id in _waiting_ids(store):
                sleep(POLL_S)  # another process is applying it right now
                continue
            count += state is not None
            report(Progress(due, elapsed, state is not None, total - len(waiting) + 1, total))
            continue
        target = due.at_s if until_s is None else min(due.at_s, until_s)
        wait = record.clock.real_seconds_until(target, moment)
        sleep(max(MIN_SLEEP_S, min(wait, POLL_S)) if math.isfinite(wait) else POLL_S)


def _waiting_ids(store) -> set[str]:
    return {inject.inject_id for inject in pending_injects(store)}


def apply_next(store, *, by: str, now: datetime) -> Progress:
    """The controller's "next inject now": the clock jumps to it and it is applied."""
    record = require_exercise(store, running=True)
    waiting = pending_injects(store)
    if not waiting:
        raise ExerciseError(_("every inject of the scenario has been applied"))
    inject = waiting[0]
    clock = record.clock.started_at(now)
    if clock.elapsed_s(now) < inject.at_s:
        reason = _("exercise clock moved to {time} by the controller").format(
            time=format_exercise_time(inject.at_s)
        )
        clock = save_clock(store, clock.jumped_to(inject.at_s, now), by=by, now=now, reason=reason)
    elif not record.clock.started:
        clock = save_clock(store, clock, by=by, now=now, reason=_("exercise clock started"))
    elapsed = clock.elapsed_s(now)
    state = apply_inject(store, inject, exercise_s=elapsed, now=now)
    total = len(record.scenario.injects)
    return Progress(inject, elapsed, state is not None, total - len(waiting) + 1, total)


def pause(store, *, by: str, now: datetime) -> ExerciseClock:
    clock = require_exercise(store, running=True).clock
    return save_clock(
        store, clock.paused_at(now), by=by, now=now, reason=_("exercise clock paused")
    )


def resume(store, *, by: str, now: datetime) -> ExerciseClock:
    clock = require_exercise(store, running=True).clock.started_at(now)
    return save_clock(
        store, clock.resumed_at(now), by=by, now=now, reason=_("exercise clock resumed")
    )


def set_speed(store, speed: float, *, by: str, now: datetime) -> ExerciseClock:
    clock = require_exercise(store, running=True).clock.started_at(now)
    return save_clock(
        store,
        clock.with_speed(speed, now),
        by=by,
        now=now,
        reason=_("exercise clock at ×{speed}").format(speed=_speed_text(speed)),
    )


def _speed_text(speed: float) -> str:
    return f"{speed:g}"
