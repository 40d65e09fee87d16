"""Backups and restores: identical content on both backends, consistent under a write storm."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from eoc.config import DEFAULT_SEED_DIR
from eoc.errors import EocError
from eoc.store import migrations, open_store
from eoc.store.backup import (
    backup_into_folder,
    backup_store,
    content_checksums,
    restore_store,
)
from eoc.store.edits import Edit
from tests.store.old_stores import database, old_geopackage, old_postgis  # noqa: F401

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LAYER = "displacement_sites"


@pytest.fixture(params=["geopackage", "postgis"])
def store(request, tmp_path):
    """An upgraded store with the old release's edits, users and report, on each backend."""
    built = (
        old_geopackage(tmp_path)
        if request.param == "geopackage"
        else old_postgis(request.getfixturevalue("database"))
    )
    migrations.upgrade(built, now=NOW, seed_dir=DEFAULT_SEED_DIR)
    return built


def test_a_backup_restores_with_identical_content(store, tmp_path):
    sums = content_checksums(store)
    copy = backup_store(store, tmp_path / "backup.gpkg")
    assert content_checksums(open_store(str(copy))) == sums

    restored = open_store(str(tmp_path / "laptop.gpkg"))
    restore_store(copy, restored, force=False, now=NOW)
    assert content_checksums(restored) == sums
    assert migrations.schema_version(restored) == migrations.CURRENT_VERSION


def test_a_postgis_backup_goes_to_a_geopackage_and_back(database, tmp_path):  # noqa: F811
    source = old_postgis(database)
    migrations.upgrade(source, now=NOW, seed_dir=DEFAULT_SEED_DIR)
    sums = content_checksums(source)
    laptop = open_store(str(tmp_path / "laptop.gpkg"))
    restore_store(backup_store(source, tmp_path / "b.gpkg"), laptop, force=False, now=NOW)
    back = old_postgis(database)  # an existing store, replaced by the laptop copy
    replaced_sums = content_checksums(back)

    with pytest.raises(EocError, match="--force"):
        restore_store(backup_store(laptop, tmp_path / "l.gpkg"), back, force=False, now=NOW)
    kept = restore_store(tmp_path / "l.gpkg", back, force=True, now=NOW)

    assert content_checksums(back) == sums
    migrations.check_servable(back)
    kept_store = open_store(f"{database}?schema={kept}")
    assert content_checksums(kept_store) == replaced_sums


def test_restore_refuses_to_overwrite_without_force_and_keeps_the_old_store(tmp_path):
    old = old_geopackage(tmp_path)
    migrations.upgrade(old, now=NOW, seed_dir=DEFAULT_SEED_DIR)
    backup = backup_store(old, tmp_path / "b.gpkg")
    target = open_store(str(tmp_path / "target.gpkg"))
    restore_store(backup, target, force=False, now=NOW)
    site = target.read_layer(LAYER).iloc[0]
    target.apply_edits(
        LAYER,
        [Edit(site["site_id"], {"individuals": 1}, expected={"individuals": site["individuals"]})],
        user="chief",
        reason="after the backup",
        now=NOW,
    )
    edited = content_checksums(target)

    with pytest.raises(EocError, match="--force"):
        restore_store(backup, target, force=False, now=NOW)
    assert content_checksums(target) == edited
    kept = restore_store(backup, target, force=True, now=NOW)

    assert content_checksums(target) == content_checksums(old)
    assert content_checksums(open_store(str(kept))) == edited


def test_retention_keeps_the_newest_backups(tmp_path):
    store = old_geopackage(tmp_path)
    folder = tmp_path / "backups"
    made = [
        backup_into_folder(store, folder, keep=2, now=NOW + timedelta(minutes=i)) for i in range(4)
    ]
    assert sorted(folder.iterdir()) == made[-2:]


def test_a_backup_during_a_write_storm_is_one_consistent_version(store, tmp_path):
    site = store.read_layer(LAYER).iloc[0]
    site_id, start = str(site["site_id"]), int(site["individuals"])
    stop, errors, written = threading.Event(), [], []

    def storm() -> None:
        value = start
        try:
            while not stop.is_set() and len(written) < 400:
                store.apply_edits(
                    LAYER,
                    [Edit(site_id, {"individuals": value + 1}, expected={"individuals": value})],
                    user="chief",
                    reason="storm",
                    now=NOW,
                )
                value += 1
                written.append(value)
        except Exception as exc:  # pragma: no cover - a failure is reported below
            errors.append(exc)

    writer = threading.Thread(target=storm)
    writer.start()
    try:
        while len(written) < 5 and writer.is_alive():
            time.sleep(0.005)
        copy = backup_store(store, tmp_path / "storm.gpkg")
    finally:
        stop.set()
        writer.join()
    assert not errors
    snapshot = open_store(str(copy))
    storm_entries = [e for e in snapshot.audit_log(limit=10**6) if e.reason == "storm"]
    assert 0 < len(storm_entries) < len(written) + 1
    # The version counter, the audit log and the row all describe the same instant.
    assert snapshot.version() == max(e.version for e in snapshot.audit_log(limit=10**6))
    row = snapshot.read_layer(LAYER).set_index("site_id").loc[site_id]
    assert int(row["individuals"]) == start + len(storm_entries)


def test_eoc_backup_and_restore_commands(tmp_path, capsys):
    from eoc.cli import main

    store = old_geopackage(tmp_path)
    folder = tmp_path / "backups"
    folder.mkdir()
    assert main(["backup", "--store", str(store.path), "--out", str(folder), "--keep", "1"]) == 0
    assert main(["backup", "--store", str(store.path), "--out", str(folder), "--keep", "1"]) == 0
    (backup,) = folder.iterdir()
    assert main(["restore", str(backup), "--store", str(store.path)]) == 1
    assert "--force" in capsys.readouterr().err
    assert main(["restore", str(backup), "--store", str(store.path), "--force"]) == 0
    assert "kept as" in capsys.readouterr().err


def test_a_backup_carries_the_grid_files_and_a_restore_puts_them_back(store, tmp_path):
    """Exposure counts people from the grid file: a restored store must still have it."""
    from eoc.io.raster import grid_folder, grid_path

    grids = store.read_layer("population_grids")
    assert len(grids) >= 1 and all(grid_path(store, row) for _, row in grids.iterrows())
    backup = backup_store(store, tmp_path / "backups" / "b.gpkg")
    carried = sorted(p.name for p in (tmp_path / "backups" / "b.rasters").iterdir())
    assert carried == sorted(p.name for p in grid_folder(store).iterdir())
    laptop = open_store(str(tmp_path / "laptop" / "eoc.gpkg"))
    restore_store(backup, laptop, force=False, now=NOW)
    for _, row in laptop.read_layer("population_grids").iterrows():
        found = grid_path(laptop, row)  # the managed folder only, no seed fallback
        assert found is not None and found.parent == tmp_path / "laptop" / "eoc.rasters"


def test_retention_removes_the_grid_files_of_the_backups_it_deletes(store, tmp_path):
    folder = tmp_path / "backups"
    made = [
        backup_into_folder(store, folder, keep=1, now=NOW + timedelta(minutes=i)) for i in range(3)
    ]
    assert sorted(folder.iterdir()) == [made[-1], made[-1].with_suffix(".rasters")]
