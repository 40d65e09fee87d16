"""Upgrading stores built by the release before schema versions: nothing is lost, twice is once."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

import layers
from eoc.config import DEFAULT_SEED_DIR
from eoc.errors import StoreError
from eoc.store import migrations
from eoc.store.backup import content_checksums
from eoc.store.migrations import Operation, Step, add_field, rename_field
from eoc.store.migrations.ddl import ddl_for
from tests.store.old_stores import database, old_geopackage, old_postgis  # noqa: F401

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NEW_LAYERS = ("education_facilities", "population_grids")
NEXT = migrations.CURRENT_VERSION + 1  # the version of a step a test adds after this release's


@pytest.fixture(params=["geopackage", "postgis"])
def old_store(request, tmp_path):
    if request.param == "geopackage":
        return old_geopackage(tmp_path)
    return old_postgis(request.getfixturevalue("database"))


def _file_sha(store) -> str | None:
    path = getattr(store, "path", None)
    return None if path is None else hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _columns(store, table: str) -> list[str]:
    with store.sql.engine.connect() as con:
        return ddl_for(store).column_names(con, table)


def test_the_old_fixture_is_version_1_and_may_not_be_served(old_store):
    assert migrations.schema_version(old_store) == 1
    with pytest.raises(StoreError, match="eoc upgrade"):
        migrations.check_servable(old_store)


def test_an_upgrade_keeps_every_row_audit_entry_user_and_report(old_store):
    before = content_checksums(old_store)
    audit_before = old_store.audit_log(limit=10**6)
    counts_before = old_store.feature_counts()
    assert len(audit_before) >= 5 and len(old_store.list_users()) == 2
    assert len(old_store.list_reports()) == 1

    result = migrations.upgrade(old_store, now=NOW, seed_dir=DEFAULT_SEED_DIR)

    assert (result.from_version, result.to_version) == (1, migrations.CURRENT_VERSION)
    after = content_checksums(old_store)
    for key, digest in before.items():
        if key not in ("version", "audit"):
            assert after[key] == digest, key
    assert {k: v for k, v in old_store.feature_counts().items() if k in counts_before} == (
        counts_before
    )
    audit_after = old_store.audit_log(limit=10**6)
    assert audit_after[1:] == audit_before  # the old log, entry for entry
    assert audit_after[0].action == migrations.UPGRADE_ACTION
    assert old_store.version() == int(before["version"]) + 1
    for name in NEW_LAYERS:
        assert name in old_store.layer_names()
    seed = layers.get("education_facilities").seed_file
    import geopandas as gpd

    assert len(old_store.read_layer("education_facilities")) == len(
        gpd.read_file(DEFAULT_SEED_DIR / seed)
    )
    assert migrations.schema_version(old_store) == migrations.CURRENT_VERSION
    migrations.check_servable(old_store)


CHECKPOINT_NAMES = ("name_tg", "name_ru")
KEPT = ["checkpoint_id", "name", "status", "staff_count", "notes", "geometry"]


def test_checkpoints_gain_their_cyrillic_names_and_keep_their_rows(old_store):
    """From schema 1 through 2 and 3: two empty columns, every row as it was."""
    assert not set(CHECKPOINT_NAMES) & set(_columns(old_store, "border_checkpoints"))
    before = old_store.read_layer("border_checkpoints")[KEPT]

    result = migrations.upgrade(old_store, now=NOW, seed_dir=DEFAULT_SEED_DIR)

    assert {f"field border_checkpoints.{n} added" for n in CHECKPOINT_NAMES} <= set(result.done)
    assert set(CHECKPOINT_NAMES) <= set(_columns(old_store, "border_checkpoints"))
    after = old_store.read_layer("border_checkpoints")
    assert len(before) > 0
    pd.testing.assert_frame_equal(after[KEPT].to_wkt(), before.to_wkt())
    assert after[list(CHECKPOINT_NAMES)].isna().all().all()


def test_a_schema_2_store_gains_the_checkpoint_names_and_nothing_else(old_store):
    to_2 = tuple(step for step in migrations.STEPS if step.version <= 2)
    migrations.upgrade(old_store, now=NOW, seed_dir=DEFAULT_SEED_DIR, steps=to_2)
    assert migrations.schema_version(old_store) == 2
    with pytest.raises(StoreError, match="eoc upgrade"):
        migrations.check_servable(old_store)
    sums = content_checksums(old_store)

    result = migrations.upgrade(old_store, now=NOW, seed_dir=DEFAULT_SEED_DIR)

    assert (result.from_version, result.to_version) == (2, migrations.CURRENT_VERSION)
    assert result.done[:2] == tuple(f"field border_checkpoints.{n} added" for n in CHECKPOINT_NAMES)
    assert set(CHECKPOINT_NAMES) <= set(_columns(old_store, "border_checkpoints"))
    after = content_checksums(old_store)
    assert {k: v for k, v in after.items() if k not in ("version", "audit")} == {
        k: v for k, v in sums.items() if k not in ("version", "audit")
    }
    assert old_store.audit_log(limit=1)[0].new["changes"] == list(result.done)
    migrations.check_servable(old_store)


def test_a_second_upgrade_changes_nothing(old_store):
    migrations.upgrade(old_store, now=NOW, seed_dir=DEFAULT_SEED_DIR)
    sums, file_sha = content_checksums(old_store), _file_sha(old_store)

    again = migrations.upgrade(old_store, now=NOW, seed_dir=DEFAULT_SEED_DIR)

    assert again.done == () and again.store_version is None
    assert content_checksums(old_store) == sums
    assert _file_sha(old_store) == file_sha  # not a byte of the GeoPackage moved


def test_an_upgraded_geopackage_is_valid_with_spatial_indexes(tmp_path):
    store = old_geopackage(tmp_path)
    migrations.upgrade(store, now=NOW, seed_dir=DEFAULT_SEED_DIR)
    info = subprocess.run(
        ["ogrinfo", "-ro", "-q", str(store.path)], capture_output=True, text=True, check=True
    )
    assert "education_facilities (Point)" in info.stdout
    assert "population_grids (Polygon)" in info.stdout
    validator = Path("/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py")
    if validator.is_file():
        checked = subprocess.run(
            ["/usr/bin/python3", str(validator), str(store.path)], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
    with closing(sqlite3.connect(store.path)) as con:
        for name in NEW_LAYERS:
            rows = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            indexed = con.execute(f'SELECT count(*) FROM "rtree_{name}_geom"').fetchone()[0]
            counted = con.execute(
                "SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = ?", (name,)
            ).fetchone()[0]
            assert rows == indexed == counted > 0
    # GDAL's bbox read goes through the new R-tree and finds what a full read finds inside.
    box = (68.7, 38.5, 68.9, 38.6)
    full = store.read_layer("education_facilities")
    inside = full.cx[box[0] : box[2], box[1] : box[3]]
    assert len(store.read_layer("education_facilities", bbox=box)) == len(inside) > 0


def test_a_failing_step_leaves_the_store_as_it_was(old_store):
    sums, file_sha = content_checksums(old_store), _file_sha(old_store)

    def explode(_m):
        raise RuntimeError("disk full")

    boom = Operation("boom", lambda m: True, explode)
    broken = (*migrations.STEPS, Step(migrations.CURRENT_VERSION + 1, "broken", (boom,)))
    with pytest.raises(RuntimeError, match="disk full"):
        migrations.upgrade(old_store, now=NOW, seed_dir=DEFAULT_SEED_DIR, steps=broken)

    assert content_checksums(old_store) == sums
    assert _file_sha(old_store) == file_sha
    assert migrations.schema_version(old_store) == 1
    assert "education_facilities" not in old_store.layer_names()


def test_renamed_and_added_fields_keep_their_values(old_store):
    migrations.upgrade(old_store, now=NOW, seed_dir=DEFAULT_SEED_DIR)
    reporters = old_store.read_layer("incidents")["reporter"].tolist()
    steps = (
        *migrations.STEPS,
        Step(NEXT, "reporter renamed", (rename_field("incidents", "reporter", "reported_by"),)),
        Step(NEXT + 1, "reporter added", (add_field("incidents", "reporter"),)),
    )

    result = migrations.upgrade(old_store, now=NOW, steps=steps)

    assert result.done == (
        "field incidents.reporter renamed to reported_by",
        "field incidents.reporter added",
    )
    columns = _columns(old_store, "incidents")
    assert "reported_by" in columns and "reporter" in columns
    with old_store.sql.engine.connect() as con:
        table = ddl_for(old_store).table(con, "incidents")
        kept = con.exec_driver_sql(f"SELECT reported_by, reporter FROM {table} ORDER BY fid").all()
    assert [row[0] for row in kept] == [None if r is None else r for r in reporters]
    assert all(row[1] is None for row in kept)
    assert migrations.upgrade(old_store, now=NOW, steps=steps).done == ()


def test_a_store_newer_than_the_release_is_refused(old_store):
    migrations.upgrade(old_store, now=NOW, seed_dir=DEFAULT_SEED_DIR)
    with old_store.sql.engine.begin() as con:
        ddl_for(old_store).record_version(con, migrations.CURRENT_VERSION + 1)
    with pytest.raises(StoreError, match="newer"):
        migrations.check_servable(old_store)
    with pytest.raises(StoreError):
        migrations.upgrade(old_store, now=NOW)


def test_a_store_built_by_this_release_is_current_without_an_upgrade(seed_store):
    assert migrations.schema_version(seed_store) == migrations.CURRENT_VERSION
    migrations.check_servable(seed_store)


def test_the_app_refuses_to_start_on_an_old_store(tmp_path, capsys):
    import app

    store = old_geopackage(tmp_path)
    assert app.main(["--store", str(store.path)]) == 1
    assert "eoc upgrade" in capsys.readouterr().err


def test_eoc_upgrade_says_what_it_did(tmp_path, capsys):
    from eoc.cli import main

    store = old_geopackage(tmp_path)
    assert main(["upgrade", "--store", str(store.path)]) == 0
    said = capsys.readouterr().err
    assert "layer education_facilities added" in said
    assert f"to {migrations.CURRENT_VERSION}" in said
    assert main(["upgrade", "--store", str(store.path)]) == 0
    assert "up to date" in capsys.readouterr().err


@pytest.mark.parametrize("backend", ["geopackage", "postgis"])
def test_init_force_upgrades_what_it_keeps_and_records_the_schema(backend, tmp_path, request):
    """A rebuild from the seed keeps users, audit and reports: they get this release's schema
    first, and the rebuilt store is stamped (a later upgrade has nothing to do)."""
    from eoc.cli import main

    if backend == "geopackage":
        store = old_geopackage(tmp_path)
    else:
        store = old_postgis(request.getfixturevalue("database"))
    users, reports = len(store.list_users()), len(store.list_reports())
    assert main(["init", "--force", "--store", str(store.location)]) == 0
    assert (len(store.list_users()), len(store.list_reports())) == (users, reports)
    with store.sql.reading() as con:
        assert ddl_for(store).recorded_version(con) == migrations.CURRENT_VERSION
    version = store.version()
    assert main(["upgrade", "--store", str(store.location)]) == 0
    assert store.version() == version
