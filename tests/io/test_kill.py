"""A killed import leaves the store as it was: one transaction, rolled back on the next open."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from eoc.config import PROJECT_DIR
from eoc.store import GeoPackageStore

SITES = 50_000
JOURNAL_WAIT_S = 180  # validation of 50k rows comes first (~15 s on 2 cores)


def _big_file(seed_sites, path: Path) -> Path:
    rows = seed_sites.iloc[np.arange(SITES) % len(seed_sites)].reset_index(drop=True)
    rows["site_id"] = [f"TJ-GEN-{i:06d}" for i in range(SITES)]
    rows.to_file(path, engine="pyogrio")
    return path


def _killed_mid_import(store: GeoPackageStore, source: Path) -> None:
    """Start `eoc import` of `source`, wait until it is writing, SIGKILL it."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    command = [sys.executable, "-m", "eoc.cli", "import", "displacement_sites", str(source)]
    process = subprocess.Popen(
        [*command, "--store", str(store.path)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    journal = Path(f"{store.path}-journal")
    try:
        deadline = time.monotonic() + JOURNAL_WAIT_S
        while not journal.exists():
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.05)
        # Wait until pages of the unfinished transaction reach the file itself (a cache
        # spill): killing then is the hard case, where only the journal can undo it.
        written = store.path.stat()
        while _unchanged(store.path, written):
            assert process.poll() is None, "the import finished before it could be killed"
            assert time.monotonic() < deadline, "the import never wrote into the file"
            time.sleep(0.05)
        assert process.poll() is None, "the import finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert journal.exists()  # the crash left a hot journal: the write was mid-way


def _unchanged(path: Path, seen: os.stat_result) -> bool:
    now = path.stat()
    return (now.st_size, now.st_mtime_ns) == (seen.st_size, seen.st_mtime_ns)


@pytest.fixture(scope="module")
def crashed(seed_frames, tmp_path_factory, seed_store):
    """A store copy (and its hot journal) whose import of 50k sites was killed mid-write."""
    folder = tmp_path_factory.mktemp("kill")
    store = GeoPackageStore(folder / "eoc.gpkg")
    shutil.copyfile(seed_store.path, store.path)
    before = (store.version(), len(store.read_layer("displacement_sites")))
    source = _big_file(seed_frames["displacement_sites"].copy(), folder / "sites_50k.geojson")
    _killed_mid_import(store, source)
    return store, before


@pytest.fixture
def killed(crashed, tmp_path):
    """A private copy of the crashed store, journal included, for one test."""
    store, before = crashed
    copy = GeoPackageStore(tmp_path / "eoc.gpkg")
    for suffix in ("", "-journal"):
        shutil.copyfile(f"{store.path}{suffix}", f"{copy.path}{suffix}")
    return copy, before


def test_killing_an_import_leaves_the_store_version_and_rows_unchanged(killed):
    store, (version, rows) = killed
    # The next writer (any store write, or QGIS) rolls the hot journal back on open.
    with closing(sqlite3.connect(store.path)) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        count = con.execute("SELECT count(*) FROM displacement_sites").fetchone()[0]
        stored = con.execute("SELECT value FROM eoc_meta WHERE key = 'version'").fetchone()[0]
    assert (int(stored), count) == (version, rows)
    assert store.version() == version
    assert len(store.read_layer("displacement_sites")) == rows
    assert store.audit_log(limit=1)[0].action != "import"


def test_the_store_is_readable_right_after_a_crash(killed):
    store, (version, _rows) = killed
    assert store.version() == version
