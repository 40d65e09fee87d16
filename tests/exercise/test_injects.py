"""Each inject is applied once: through the audited writes, across a stop and a restart."""

from __future__ import annotations

from collections import Counter

import pytest

from eoc.errors import ExerciseError
from eoc.exercise import player
from eoc.exercise.injects import (
    CLAIM_TIMEOUT_S,
    CONTROLLER,
    apply_inject,
    claim_inject,
    inject_states,
    write_inject,
)
from eoc.exercise.sandbox import read_exercise
from eoc.store import GeoPackageStore


def tag_counts(store) -> Counter:
    """How many writes (not marks) each inject's tag has in the audit log."""
    counts: Counter = Counter()
    for entry in store.audit_log(limit=10**6):
        if "[exercise inject " in entry.reason and entry.action != "exercise_inject":
            counts[entry.reason.split("[exercise inject ", 1)[1].split("]")[0]] += 1
    return counts


def people_at(store, site_id: str) -> int:
    sites = store.read_layer("displacement_sites")
    return int(sites.loc[sites["site_id"] == site_id, "individuals"].iloc[0])


def test_every_kind_is_written_through_the_audited_store(sandbox, clock, live_store):
    before = people_at(sandbox, "TJ-DS-0025")
    player.play(sandbox, speed=600, now=clock.now, sleep=clock.sleep)
    incidents = sandbox.read_layer("incidents").set_index("incident_id")
    assert incidents.loc["EX-I03", "incident_type"] == "road_blocked"
    assert incidents.loc["EX-I03", "adm1_iso"] == "TJ-GB"  # placed like a logged incident
    assert incidents.loc["EX-I07", "people_affected"] == 60
    quake = incidents.loc["USGS-usexgbao72"]  # through the USGS feed code: zones drawn
    assert quake["magnitude"] == pytest.approx(7.2)
    zones = sandbox.read_layer("hazard_zones")
    assert zones["zone_id"].str.startswith("USGS-usexgbao72").sum() >= 2
    assert people_at(sandbox, "TJ-DS-0025") == before + 450
    checkpoints = sandbox.read_layer("border_checkpoints").set_index("checkpoint_id")
    assert checkpoints.loc["TJ-BCP-09", "status"] == "closed"
    writers = {e.user for e in sandbox.audit_log(limit=1000) if "[exercise inject" in e.reason}
    assert writers == {CONTROLLER, "feed:usgs"}
    messages = [s for s in inject_states(sandbox).values() if s.kind == "message"]
    assert {tuple(sorted(s.detail["texts"])) for s in messages} == {("en", "ru", "tg")}


def test_each_inject_is_applied_once_across_a_restart(sandbox, clock):
    before = people_at(sandbox, "TJ-DS-0025")
    player.play(sandbox, speed=60, now=clock.now, sleep=clock.sleep, until_s=32 * 60)
    assert set(inject_states(sandbox)) == {"I01", "I02", "I03", "I04"}
    # The runner is stopped; another process (a new store object) plays on and again.
    again = GeoPackageStore(sandbox.path)
    clock.advance(minutes=3)
    assert player.play(again, speed=60, now=clock.now, sleep=clock.sleep) == 3
    assert player.play(again, speed=60, now=clock.now, sleep=clock.sleep) == 0
    marks = Counter(
        e.feature_id for e in again.audit_log(limit=10**6) if e.action == "exercise_inject"
    )
    assert marks == {f"I0{n}": 1 for n in range(1, 8)}
    assert tag_counts(again) == {"I01": 3, "I03": 1, "I04": 1, "I06": 1, "I07": 1}
    assert people_at(again, "TJ-DS-0025") == before + 450  # not +900


def test_a_runner_stopped_after_the_write_is_not_written_again(sandbox, clock):
    record = read_exercise(sandbox)
    inject = record.scenario.inject("I04")
    before = people_at(sandbox, "TJ-DS-0025")
    assert claim_inject(sandbox, record, inject, now=clock.now())
    write_inject(sandbox, inject, now=clock.now())  # ...and the process is killed here
    clock.advance(seconds=5)
    assert apply_inject(sandbox, inject, exercise_s=1800, now=clock.now()) is None
    state = inject_states(sandbox)["I04"]
    assert state.applied and state.detail == {"recovered": True}
    assert people_at(sandbox, "TJ-DS-0025") == before + 450
    assert tag_counts(sandbox)["I04"] == 1


def test_a_runner_stopped_before_the_write_is_taken_over_after_the_timeout(sandbox, clock):
    record = read_exercise(sandbox)
    inject = record.scenario.inject("I06")
    assert claim_inject(sandbox, record, inject, now=clock.now())  # ...killed here
    # Meanwhile the claim may still be someone's write in progress: left alone.
    assert apply_inject(sandbox, inject, exercise_s=2700, now=clock.advance(seconds=5)) is None
    assert not inject_states(sandbox)["I06"].applied
    later = clock.advance(seconds=CLAIM_TIMEOUT_S)
    assert apply_inject(sandbox, inject, exercise_s=2700, now=later).applied
    assert tag_counts(sandbox)["I06"] == 1


def test_injects_never_go_into_a_live_store(live_store, starter, clock):
    with pytest.raises(ExerciseError, match="not an exercise sandbox"):
        apply_inject(live_store, starter.injects[0], exercise_s=0, now=clock.now())
    with pytest.raises(ExerciseError):
        player.play(live_store, speed=60, now=clock.now, sleep=clock.sleep)


def test_apply_next_applies_the_next_one_and_says_when_all_are_done(sandbox, clock):
    for _n in range(7):
        player.apply_next(sandbox, by="admin1", now=clock.advance(seconds=1))
    with pytest.raises(ExerciseError, match="every inject"):
        player.apply_next(sandbox, by="admin1", now=clock.now())
    assert all(s.applied for s in inject_states(sandbox).values())
    last = inject_states(sandbox)["I07"]
    assert last.exercise_s == pytest.approx(50 * 60, abs=10)
