"""Exercise sandboxes with PostGIS: a PostGIS schema as the sandbox, a PostGIS live store."""

from __future__ import annotations

import secrets

import pytest

from eoc.exercise import player
from eoc.exercise.injects import inject_states
from eoc.exercise.live_injects import LiveInjectForm, add_inject
from eoc.exercise.sandbox import read_exercise, start_exercise, stop_exercise
from eoc.store import GeoPackageStore, open_store
from eoc.store.backup import content_checksums
from tests.conftest import SEED_TIME
from tests.exercise.conftest import sha256_of


@pytest.fixture(scope="module")
def database(pg_database) -> str:
    """The run's throwaway PostgreSQL database (tests/conftest.py)."""
    return pg_database


def test_a_postgis_schema_as_the_sandbox_of_a_geopackage(database, live_store, starter, clock):
    before = sha256_of(live_store.path)
    sandbox = open_store(f"{database}?schema=ex_{secrets.token_hex(3)}")
    start_exercise(live_store, sandbox, starter, by="admin1", now=clock.now())
    assert read_exercise(sandbox).source_version == live_store.version()
    for _n in range(4):  # the USGS feed, a message, the Barsem road, the Panji Poyon influx
        player.apply_next(sandbox, by="admin1", now=clock.advance(seconds=2))
    assert len([s for s in inject_states(sandbox).values() if s.applied]) == 4
    assert "EX-I03" in set(sandbox.read_layer("incidents")["incident_id"])
    form = LiveInjectForm(
        kind="checkpoint_status", checkpoint="TJ-BCP-09", checkpoint_status="restricted"
    )
    added = add_inject(sandbox, form, by="admin1", now=clock.advance(seconds=1))
    assert (
        added.applied is not None and read_exercise(sandbox).added_injects[0].added_by == "admin1"
    )
    points = sandbox.read_layer("border_checkpoints").set_index("checkpoint_id")
    assert points.loc["TJ-BCP-09", "status"] == "restricted"
    archive = open_store(stop_exercise(sandbox, by="admin1", now=clock.advance(seconds=1)))
    assert "_exercise_" in archive.schema and read_exercise(archive).ended
    assert not sandbox.exists()
    assert sha256_of(live_store.path) == before


def test_a_geopackage_sandbox_of_a_postgis_live_store(
    database, seed_frames, starter, clock, tmp_path
):
    live = open_store(f"{database}?schema=live_{secrets.token_hex(3)}")
    live.replace_all(seed_frames, now=SEED_TIME)
    before = content_checksums(live)
    sandbox = GeoPackageStore(tmp_path / "sandbox.gpkg")
    start_exercise(live, sandbox, starter, by="admin1", now=clock.now())
    player.play(sandbox, speed=3600, now=clock.now, sleep=clock.sleep)
    assert all(s.applied for s in inject_states(sandbox).values())
    assert content_checksums(live) == before
    assert read_exercise(live) is None
