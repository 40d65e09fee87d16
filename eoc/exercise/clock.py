"""The exercise clock: real time (×1), accelerated (×N), stepped (×0), and paused.

The clock is a straight line through one anchor: at the real time `anchor_at` it read
`anchor_s` exercise seconds, and it runs `speed` exercise seconds per real second unless
paused. Every change (pause, resume, a new speed, a jump to an inject) re-anchors it at the
moment of the change, so what the clock read before is never rewritten. "Now" is always an
argument: the clock reads no clock of its own, and a test drives it second by second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from eoc.errors import EocError
from eoc.i18n import _

MAX_SPEED = 3600.0  # an hour of exercise a second: a 6-hour scenario plays in 6 s


def check_speed(speed: float) -> float:
    """`speed` if it is 0 (stepped) or from just above 0 to MAX_SPEED; else EocError."""
    value = float(speed)
    if not (math.isfinite(value) and 0 <= value <= MAX_SPEED):
        raise EocError(
            _("the exercise speed must be 0 (stepped) to {limit}").format(limit=int(MAX_SPEED))
        )
    return value


@dataclass(frozen=True)
class ExerciseClock:
    """What the clock was last set to (see the module docstring)."""

    speed: float = 1.0
    paused: bool = False
    anchor_at: datetime | None = None  # None: not started; it reads anchor_s until started
    anchor_s: float = 0.0

    @property
    def started(self) -> bool:
        return self.anchor_at is not None

    @property
    def stepped(self) -> bool:
        return self.speed == 0

    @property
    def running(self) -> bool:
        return self.started and not self.paused and not self.stepped

    def elapsed_s(self, now: datetime) -> float:
        """Exercise seconds since T+0 at the real time `now`."""
        if not self.running:
            return self.anchor_s
        return self.anchor_s + max(0.0, (now - self.anchor_at).total_seconds()) * self.speed

    def started_at(self, now: datetime, *, speed: float | None = None) -> ExerciseClock:
        """The clock started (or, if it was, kept) at `now`, at `speed` if given."""
        clock = self if self.started else replace(self, anchor_at=now)
        if speed is None or float(speed) == clock.speed:
            return clock
        return clock.with_speed(speed, now)

    def with_speed(self, speed: float, now: datetime) -> ExerciseClock:
        return replace(self._anchored(now), speed=check_speed(speed))

    def paused_at(self, now: datetime) -> ExerciseClock:
        return replace(self._anchored(now), paused=True)

    def resumed_at(self, now: datetime) -> ExerciseClock:
        return replace(self._anchored(now), paused=False)

    def jumped_to(self, exercise_s: float, now: datetime) -> ExerciseClock:
        """The clock set forward to `exercise_s` (never back: the injects before stay before)."""
        anchored = self._anchored(now)
        return replace(anchored, anchor_s=max(anchored.anchor_s, float(exercise_s)))

    def real_seconds_until(self, exercise_s: float, now: datetime) -> float:
        """Real seconds until the clock reads `exercise_s` (inf if it is not running)."""
        left = float(exercise_s) - self.elapsed_s(now)
        if left <= 0:
            return 0.0
        return left / self.speed if self.running else math.inf

    def real_time_of(self, exercise_s: float) -> datetime | None:
        """When (real time) the clock, as set now, reads `exercise_s`; None if it does not run."""
        if not self.running:
            return None
        return self.anchor_at + timedelta(seconds=(float(exercise_s) - self.anchor_s) / self.speed)

    def _anchored(self, now: datetime) -> ExerciseClock:
        if not self.started:
            return replace(self, anchor_at=now)
        return replace(self, anchor_at=now, anchor_s=self.elapsed_s(now))


def format_exercise_time(seconds: float) -> str:
    """T+h:mm ("T+0:05", "T+1:30"); exercise minutes, not a time of day."""
    minutes = int(max(0.0, float(seconds)) // 60)
    return f"T+{minutes // 60}:{minutes % 60:02d}"
