"""`eoc exercise …` end to end: the starter scenario played at high speed, reported, archived."""

from __future__ import annotations

from eoc.cli import main
from eoc.exercise.injects import inject_states
from eoc.exercise.sandbox import read_exercise
from eoc.store import GeoPackageStore
from tests.exercise.conftest import STARTER, sha256_of


def test_run_plays_the_starter_scenario_into_a_new_sandbox(live_store, tmp_path, capsys):
    before, version = sha256_of(live_store.path), live_store.version()
    sandbox = tmp_path / "exercise.gpkg"
    common = ["--sandbox", str(sandbox), "--store", str(live_store.path)]
    assert main(["exercise", "run", str(STARTER), "--speed", "3600", *common]) == 0
    out = capsys.readouterr()
    assert "marked EXERCISE" in out.err and out.out.count(" applied: ") == 7
    assert len(inject_states(GeoPackageStore(sandbox))) == 7
    # Run again: nothing is applied twice.
    assert main(["exercise", "run", str(STARTER), "--speed", "3600", *common]) == 0
    assert " applied: " not in capsys.readouterr().out
    assert main(["exercise", "status", *common]) == 0
    assert "✓ T+0:50 I07" in capsys.readouterr().out
    assert (
        main(["exercise", "report", "--out", str(tmp_path / "aar.pdf"), "--lang", "ru", *common])
        == 0
    )
    assert (tmp_path / "aar.pdf").read_bytes().startswith(b"%PDF")
    assert main(["exercise", "stop", *common]) == 0
    assert "archived at" in capsys.readouterr().err and not sandbox.exists()
    [archive] = tmp_path.glob("exercise.exercise-*.gpkg")
    assert read_exercise(GeoPackageStore(archive)).ended
    assert (sha256_of(live_store.path), live_store.version()) == (before, version)


def test_step_and_a_user_who_is_not_an_admin(sandbox, capsys):
    common = ["--sandbox", str(sandbox.path)]
    assert main(["exercise", "step", *common, "--user", "duty1"]) == 1
    assert "only an admin" in capsys.readouterr().err
    assert main(["exercise", "step", *common, "--user", "admin1"]) == 0
    assert "I01 feed_usgs applied" in capsys.readouterr().out
    assert main(["exercise", "pause", *common]) == 0


def test_commands_refuse_a_live_store_as_the_sandbox(live_store, capsys):
    assert main(["exercise", "step", "--sandbox", str(live_store.path)]) == 1
    assert "not an exercise sandbox" in capsys.readouterr().err
