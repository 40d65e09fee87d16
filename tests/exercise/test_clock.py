"""The exercise clock: real time, accelerated, stepped, paused; and the runner that follows it."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from eoc.errors import EocError
from eoc.exercise import player
from eoc.exercise.clock import ExerciseClock, format_exercise_time
from eoc.exercise.injects import inject_states
from eoc.exercise.sandbox import read_exercise
from tests.exercise.conftest import START


def at(seconds: float):
    return START + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("speed", "real_s", "exercise_s"),
    [(1, 90, 90), (60, 90, 5400), (0.5, 90, 45), (0, 90, 0)],
)
def test_the_clock_runs_at_its_speed(speed, real_s, exercise_s):
    clock = ExerciseClock().started_at(START, speed=speed)
    assert clock.elapsed_s(at(real_s)) == pytest.approx(exercise_s)


def test_a_paused_clock_stands_still_and_resumes_where_it_stood():
    clock = ExerciseClock().started_at(START, speed=60)
    paused = clock.paused_at(at(10))  # T+10 min
    assert paused.elapsed_s(at(500)) == pytest.approx(600)
    resumed = paused.resumed_at(at(500))
    assert resumed.elapsed_s(at(510)) == pytest.approx(1200)
    assert paused.real_seconds_until(1200, at(500)) == math.inf


def test_a_new_speed_keeps_what_the_clock_read():
    clock = ExerciseClock().started_at(START, speed=60).with_speed(1, at(60))
    assert clock.elapsed_s(at(60)) == pytest.approx(3600)
    assert clock.elapsed_s(at(120)) == pytest.approx(3660)
    assert clock.real_seconds_until(3700, at(120)) == pytest.approx(40)


def test_a_jump_goes_forward_only():
    clock = ExerciseClock().started_at(START, speed=0)
    assert clock.jumped_to(1800, at(5)).elapsed_s(at(99)) == 1800
    assert clock.jumped_to(1800, at(5)).jumped_to(60, at(6)).elapsed_s(at(99)) == 1800


def test_the_clock_refuses_a_silly_speed():
    with pytest.raises(EocError):
        ExerciseClock().started_at(START, speed=-1)
    with pytest.raises(EocError):
        ExerciseClock().started_at(START, speed=float("nan"))


def test_exercise_times_read_as_t_plus():
    assert [format_exercise_time(s) for s in (0, 59, 300, 5400)] == [
        "T+0:00",
        "T+0:00",
        "T+0:05",
        "T+1:30",
    ]


def test_at_speed_60_each_inject_lands_at_its_minute(sandbox, clock):
    applied = player.play(sandbox, speed=60, now=clock.now, sleep=clock.sleep)
    assert applied == 7
    states = inject_states(sandbox)
    scenario = read_exercise(sandbox).scenario
    for inject in scenario.injects:
        real_s = (states[inject.inject_id].applied_at - START).total_seconds()
        # T+50 min at ×60 is 50 real seconds: each inject within the runner's poll of its time.
        assert inject.at_min <= real_s <= inject.at_min + player.POLL_S + 0.001
    assert clock.slept == pytest.approx(50, abs=1)


def test_a_pause_holds_the_injects_back_until_resumed(sandbox, clock):
    player.play(sandbox, speed=60, now=clock.now, sleep=clock.sleep, until_s=10 * 60)
    assert set(inject_states(sandbox)) == {"I01", "I02"}
    player.pause(sandbox, by="admin1", now=clock.now())
    clock.advance(hours=5)
    assert player.pending_injects(sandbox)[0].inject_id == "I03"
    assert read_exercise(sandbox).clock.elapsed_s(clock.now()) == pytest.approx(600)
    player.resume(sandbox, by="admin1", now=clock.now())
    player.play(sandbox, now=clock.now, sleep=clock.sleep)
    resumed_at = clock.now() - timedelta(seconds=40)  # T+10 → T+50 at ×60
    assert inject_states(sandbox)["I07"].applied_at >= resumed_at


def test_a_stepped_clock_moves_only_when_the_controller_steps(sandbox, clock):
    player.start_clock(sandbox, speed=0, now=clock.now(), by="admin1")
    clock.advance(hours=2)
    assert player.pending_injects(sandbox)[0].inject_id == "I01"
    first = player.apply_next(sandbox, by="admin1", now=clock.now())
    second = player.apply_next(sandbox, by="admin1", now=clock.advance(seconds=3))
    assert (first.inject.inject_id, second.inject.inject_id) == ("I01", "I02")
    assert read_exercise(sandbox).clock.elapsed_s(clock.advance(hours=1)) == 5 * 60
