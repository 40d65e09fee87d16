"""The sandbox: a marked copy of the live store; nothing of an exercise reaches the live store."""

from __future__ import annotations

import shutil

import pytest

from eoc.errors import ExerciseError
from eoc.exercise.injects import apply_inject
from eoc.exercise.sandbox import read_exercise, start_exercise, stop_exercise
from eoc.store import GeoPackageStore
from tests.exercise.conftest import sha256_of


def test_no_byte_of_the_live_store_changes_in_a_full_exercise(played):
    assert played.sha_after == played.sha_before
    assert played.version_after == played.version_before
    assert played.checksums_after == played.checksums_before
    # ...while the sandbox took every inject and every player's action.
    ids = set(played.archive.read_layer("incidents")["incident_id"])
    assert {"EX-I03", "EX-I07", "USGS-usexgbao72", played.incident} <= ids
    assert not {"EX-I03", played.incident} & set(played.live.read_layer("incidents")["incident_id"])


def test_the_sandbox_is_a_marked_copy_and_the_live_store_is_not_marked(played):
    record = read_exercise(played.archive)
    assert record.source_version == played.version_before
    assert record.source_store == str(played.live.path)
    assert record.scenario_name == "gbao-earthquake.csv" and record.ended
    assert read_exercise(played.live) is None
    assert {u.name for u in played.archive.list_users()} == {
        u.name for u in played.live.list_users()
    }  # players sign in to the sandbox with their own accounts


def test_stop_archives_the_sandbox_beside_it(played):
    assert not played.sandbox_path.exists()
    assert played.archive.path.parent == played.sandbox_path.parent
    assert played.archive.path.name.startswith("sandbox.exercise-")
    record = read_exercise(played.archive)
    assert record.ended_by == "admin1"
    with pytest.raises(ExerciseError, match="ended"):
        apply_inject(played.archive, record.scenario.injects[0], exercise_s=0, now=played.end)
    with pytest.raises(ExerciseError, match="ended"):
        stop_exercise(played.archive, by="admin1", now=played.end)


def test_start_refuses_an_existing_sandbox_and_the_live_store_itself(
    live_store, starter, clock, tmp_path
):
    with pytest.raises(ExerciseError, match="another place"):
        start_exercise(
            live_store, GeoPackageStore(live_store.path), starter, by="a", now=clock.now()
        )
    taken = GeoPackageStore(tmp_path / "taken.gpkg")
    shutil.copyfile(live_store.path, taken.path)
    with pytest.raises(ExerciseError, match="exists already"):
        start_exercise(live_store, taken, starter, by="a", now=clock.now())
    assert read_exercise(taken) is None


def test_a_sandbox_is_not_copied_into_another(sandbox, starter, clock, tmp_path):
    before = sha256_of(sandbox.path)
    second = GeoPackageStore(tmp_path / "second.gpkg")
    with pytest.raises(ExerciseError, match="itself the sandbox"):
        start_exercise(sandbox, second, starter, by="a", now=clock.now())
    assert not second.path.exists()
    assert sha256_of(sandbox.path) == before
