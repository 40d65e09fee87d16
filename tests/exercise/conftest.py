"""Fixtures of the exercise tests: a live store of their own, the starter scenario, a clock."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from eoc.config import PROJECT_DIR
from eoc.exercise.sandbox import start_exercise
from eoc.exercise.scenario import read_scenario_file
from eoc.store import GeoPackageStore

STARTER = PROJECT_DIR / "data" / "exercises" / "gbao-earthquake.csv"
START = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


class FakeTime:
    """Real time as the runner sees it: `now()` and a `sleep()` that only moves it on."""

    def __init__(self, start: datetime = START) -> None:
        self.moment = start
        self.slept = 0.0

    def now(self) -> datetime:
        return self.moment

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.moment += timedelta(seconds=seconds)

    def advance(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def live_store(staff_store, tmp_path) -> GeoPackageStore:
    """A live store of this test's own: the staff store (seed + one user per role), copied."""
    store = GeoPackageStore(tmp_path / "live" / "eoc.gpkg")
    store.path.parent.mkdir()
    shutil.copyfile(staff_store.path, store.path)
    return store


@pytest.fixture(scope="session")
def starter():
    return read_scenario_file(STARTER)


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


@pytest.fixture
def sandbox(live_store, starter, tmp_path, clock) -> GeoPackageStore:
    """A sandbox of `live_store` playing the starter scenario, not started yet."""
    store = GeoPackageStore(tmp_path / "exercise" / "sandbox.gpkg")
    start_exercise(live_store, store, starter, by="admin1", now=clock.now())
    return store


class Played:
    """A whole exercise, played once for a module's tests to read (never to write)."""

    def __init__(self, staff_store, starter, folder: Path) -> None:
        from eoc.exercise import player
        from eoc.exercise.report import write_after_action
        from eoc.exercise.sandbox import stop_exercise
        from eoc.store import open_store
        from eoc.store.backup import content_checksums
        from tests.exercise import players

        self.live = GeoPackageStore(folder / "live" / "eoc.gpkg")
        self.live.path.parent.mkdir()
        shutil.copyfile(staff_store.path, self.live.path)
        self.sha_before = sha256_of(self.live.path)
        self.version_before = self.live.version()
        self.checksums_before = content_checksums(self.live)
        time = FakeTime()
        sandbox = GeoPackageStore(folder / "exercise" / "sandbox.gpkg")
        self.sandbox_path = sandbox.path
        start_exercise(self.live, sandbox, starter, by="admin1", now=time.now())

        def play_until(minutes: float) -> None:
            player.play(sandbox, speed=60, now=time.now, sleep=time.sleep, until_s=minutes * 60)

        play_until(6)  # I01 the earthquake, I02 the hospital's message
        self.incident = players.log_quake_incident(sandbox, now=time.now())  # T+6: in time
        play_until(40)  # I03 Barsem, I04 Panji Poyon, I05 the site manager
        self.report_number = players.publish_report(sandbox, now=time.now())  # T+40: in time
        play_until(52)  # I06 Kyzyl-Art, I07 the landslide (the last: it returns at T+50)
        players.relocate_from_panji_poyon(sandbox, now=time.now())  # T+50: in time
        self.alert = players.issue_alert(sandbox, now=time.advance(seconds=3))  # T+53: late
        self.end = time.advance(seconds=5)
        self.archive = open_store(stop_exercise(sandbox, by="admin1", now=self.end))
        self.html = write_after_action(self.archive, folder / "aar.html", now=self.end)
        self.sha_after = sha256_of(self.live.path)
        self.version_after = self.live.version()
        self.checksums_after = content_checksums(self.live)


@pytest.fixture(scope="module")
def played(staff_store, starter, tmp_path_factory) -> Played:
    return Played(staff_store, starter, tmp_path_factory.mktemp("played"))
