"""Two writers race on one site's `individuals`: optimistic concurrency loses no update.

Each writer reads the row, adds one and writes with the value it read as `expected`,
retrying on ConflictError. Whatever the interleaving, 2 × N increments must end at exactly
start + 2N with 2N audit entries: a lost update would show as a smaller total.
"""

from __future__ import annotations

import multiprocessing
import shutil
import sqlite3
import threading
import time
from datetime import UTC, datetime

import pytest

from eoc.errors import ConflictError
from eoc.store import GeoPackageStore
from eoc.store.edits import Edit

SITE = "TJ-DS-0001"
INCREMENTS = 50  # per writer
LAYER = "displacement_sites"


@pytest.fixture
def store(seed_store, tmp_path) -> GeoPackageStore:
    copy = GeoPackageStore(tmp_path / "race.gpkg")
    shutil.copyfile(seed_store.path, copy.path)
    return copy


def individuals(store: GeoPackageStore) -> int:
    """The site's people as stored now (a plain SQLite read that waits out a writer's lock).

    Not `read_layer`: GDAL opens the file without waiting on a lock, so under a stream of
    writes it fails (see `test_reading_a_layer_while_another_writer_commits`).
    """
    with sqlite3.connect(f"file:{store.path}?mode=ro", uri=True, timeout=30) as con:
        row = con.execute(
            f'SELECT individuals FROM "{LAYER}" WHERE site_id = ?', (SITE,)
        ).fetchone()
    return int(row[0])


def add_one_n_times(location: str, writer: str, times: int) -> int:
    """Read-modify-write `times` increments; return how many conflicts it retried."""
    store = GeoPackageStore(location)
    conflicts = 0
    done = 0
    while done < times:
        seen = individuals(store)
        edit = Edit(SITE, {"individuals": seen + 1}, expected={"individuals": seen})
        try:
            store.apply_edits(LAYER, [edit], user=writer, reason="race test", now=datetime.now(UTC))
        except ConflictError:
            conflicts += 1
            continue
        done += 1
    return conflicts


def _process_writer(location: str, writer: str, times: int, results) -> None:
    results.put((writer, add_one_n_times(location, writer, times)))


def check_no_lost_update(store: GeoPackageStore, start: int, entries_before: int) -> None:
    assert individuals(store) == start + 2 * INCREMENTS
    entries = store.audit_log(layer=LAYER, feature_id=SITE, limit=10_000)
    assert len(entries) - entries_before == 2 * INCREMENTS
    # Each entry moved the count by exactly one, from the value the previous one left.
    steps = sorted((e.old["individuals"], e.new["individuals"]) for e in entries[: 2 * INCREMENTS])
    assert steps == [(start + i, start + i + 1) for i in range(2 * INCREMENTS)]


def test_two_threads_lose_no_update(store):
    start = individuals(store)
    before = len(store.audit_log(layer=LAYER, feature_id=SITE, limit=10_000))
    conflicts: dict[str, int] = {}

    def run(writer: str) -> None:
        conflicts[writer] = add_one_n_times(store.location, writer, INCREMENTS)

    threads = [threading.Thread(target=run, args=(name,)) for name in ("cccm1", "cccm2")]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - began
    assert set(conflicts) == {"cccm1", "cccm2"}, "a writer thread failed"
    check_no_lost_update(store, start, before)
    print(f"threads: {2 * INCREMENTS} increments, {sum(conflicts.values())} conflicts retried, "
          f"{elapsed:.2f} s")  # fmt: skip


def test_two_processes_lose_no_update(store):
    start = individuals(store)
    before = len(store.audit_log(layer=LAYER, feature_id=SITE, limit=10_000))
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [
        context.Process(target=_process_writer, args=(store.location, name, INCREMENTS, results))
        for name in ("cccm1", "cccm2")
    ]
    began = time.perf_counter()
    for process in processes:
        process.start()
    conflicts = dict(results.get(timeout=180) for _ in processes)
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    elapsed = time.perf_counter() - began
    assert set(conflicts) == {"cccm1", "cccm2"}
    check_no_lost_update(store, start, before)
    print(f"processes: {2 * INCREMENTS} increments, {sum(conflicts.values())} conflicts retried, "
          f"{elapsed:.2f} s")  # fmt: skip


def test_a_stale_write_is_refused_and_changes_nothing(store):
    seen = individuals(store)
    store.apply_edits(
        LAYER,
        [Edit(SITE, {"individuals": seen + 5}, expected={"individuals": seen})],
        user="cccm2",
        reason="headcount",
        now=datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
    )
    version = store.version()
    with pytest.raises(ConflictError) as refused:
        store.apply_edits(
            LAYER,
            [Edit(SITE, {"individuals": seen + 1}, expected={"individuals": seen})],
            user="cccm1",
            reason="late",
            now=datetime(2026, 11, 22, 9, 1, tzinfo=UTC),
        )
    assert (refused.value.theirs, refused.value.changed_by) == (seen + 5, "cccm2")
    assert refused.value.changed_at.startswith("2026-11-22T09:00")
    assert individuals(store) == seen + 5 and store.version() == version


def test_reading_a_layer_while_another_writer_commits(store):
    stop = threading.Event()

    def write() -> None:
        count = 0
        while not stop.is_set():
            store.apply_edits(
                LAYER,
                [Edit("TJ-DS-0002", {"households": count % 50})],
                user="cccm2",
                reason="load",
                now=datetime.now(UTC),
            )
            count += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        for _ in range(30):
            store.read_layer(LAYER)
    finally:
        stop.set()
        writer.join()
