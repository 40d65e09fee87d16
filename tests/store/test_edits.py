"""Edits: one transaction each, validated, audited, and never overwriting a newer change."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from shapely.geometry import Point

from eoc.errors import ConflictError, EocError, NotFoundError, ValidationError
from eoc.store import GeoPackageStore
from eoc.store.edits import Edit
from eoc.store.seed import build_from_seed
from tests.conftest import SEED_DIR

T0 = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
T2 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
SITE = "TJ-DS-0001"


@pytest.fixture
def store(tmp_path) -> GeoPackageStore:
    store = GeoPackageStore(tmp_path / "eoc.gpkg")
    build_from_seed(store, SEED_DIR, now=T0)
    return store


def site(store: GeoPackageStore, site_id: str = SITE):
    sites = store.read_layer("displacement_sites")
    return sites[sites["site_id"] == site_id].iloc[0]


def test_an_update_changes_the_row_bumps_the_version_and_is_audited(store):
    before = site(store)
    version = store.apply_edits(
        "displacement_sites",
        [Edit(SITE, {"individuals": 455, "status": "closing"})],
        user="cccm1",
        reason="headcount 22 Nov",
        now=T1,
    )
    assert version == 2 == store.version()
    assert store.data_time() == T1
    after = site(store)
    assert (after["individuals"], after["status"]) == (455, "closing")
    assert after["name"] == before["name"]
    [entry] = store.audit_log(layer="displacement_sites")
    assert (entry.user, entry.action, entry.feature_id, entry.reason) == (
        "cccm1",
        "update",
        SITE,
        "headcount 22 Nov",
    )
    assert entry.old == {"individuals": int(before["individuals"]), "status": before["status"]}
    assert entry.new == {"individuals": 455, "status": "closing"}
    assert entry.at == T1


def test_a_stale_edit_is_refused_with_their_value_and_nothing_is_written(store):
    seen = int(site(store)["individuals"])
    store.apply_edits(
        "displacement_sites",
        [Edit(SITE, {"individuals": seen + 10}, expected={"individuals": seen})],
        user="alice",
        reason="count",
        now=T1,
    )
    with pytest.raises(ConflictError) as caught:
        store.apply_edits(
            "displacement_sites",
            [Edit(SITE, {"individuals": seen + 99}, expected={"individuals": seen})],
            user="bob",
            reason="count",
            now=T2,
        )
    error = caught.value
    assert (error.theirs, error.yours, error.changed_by) == (seen + 10, seen, "alice")
    assert "nothing was saved" in str(error)
    assert int(site(store)["individuals"]) == seen + 10
    assert store.version() == 2


def test_an_invalid_edit_names_the_field_and_writes_nothing(store):
    status_before = site(store, "TJ-DS-0002")["status"]
    assert status_before != "closed"
    with pytest.raises(ValidationError, match=f"site {SITE}: individuals -5 is below 0"):
        store.apply_edits(
            "displacement_sites",
            [Edit("TJ-DS-0002", {"status": "closed"}), Edit(SITE, {"individuals": -5})],
            user="cccm1",
            reason="typo",
            now=T1,
        )
    assert store.version() == 1
    assert site(store, "TJ-DS-0002")["status"] == status_before
    assert store.audit_log(layer="displacement_sites") == []


def test_a_reason_is_required(store):
    with pytest.raises(EocError, match="a reason is required"):
        store.apply_edits(
            "displacement_sites",
            [Edit(SITE, {"status": "open"})],
            user="cccm1",
            reason="  ",
            now=T1,
        )


def test_insert_move_and_delete_keep_the_spatial_index_right(store):
    new = {
        "name": "Test camp",
        "site_type": "planned_site",
        "adm1_iso": "TJ-GB",
        "adm2_name": "Shughnon District",
        "individuals": 0,
        "capacity": 300,
        "status": "planned",
        "sensitive": False,
        "geometry": Point(71.6, 37.5),
    }
    store.apply_edits(
        "displacement_sites",
        [Edit("TJ-DS-9001", new, op="insert")],
        user="cccm1",
        reason="new planned site",
        now=T1,
    )
    near_khorog = (71.55, 37.45, 71.65, 37.55)
    found = store.read_layer("displacement_sites", bbox=near_khorog)
    assert "TJ-DS-9001" in set(found["site_id"])
    store.apply_edits(
        "displacement_sites",
        [Edit("TJ-DS-9001", {"geometry": Point(69.0, 38.0)})],
        user="cccm1",
        reason="moved",
        now=T1,
    )
    assert "TJ-DS-9001" not in set(
        store.read_layer("displacement_sites", bbox=near_khorog)["site_id"]
    )
    store.apply_edits(
        "displacement_sites",
        [Edit("TJ-DS-9001", op="delete")],
        user="cccm1",
        reason="cancelled",
        now=T2,
    )
    assert "TJ-DS-9001" not in set(store.read_layer("displacement_sites")["site_id"])
    actions = [e.action for e in store.audit_log(feature_id="TJ-DS-9001")]
    assert actions == ["delete", "update", "insert"]


def test_editing_a_missing_feature_is_named(store):
    with pytest.raises(NotFoundError, match="site TJ-DS-7777 does not exist"):
        store.apply_edits(
            "displacement_sites",
            [Edit("TJ-DS-7777", {"status": "open"})],
            user="cccm1",
            reason="x",
            now=T1,
        )


def test_the_audit_log_is_append_only(store):
    with (
        sqlite3.connect(store.path) as con,
        pytest.raises(sqlite3.IntegrityError, match="append-only"),
    ):
        con.execute("DELETE FROM eoc_audit")


def test_a_rebuild_keeps_users_and_the_audit_log(store):
    store.add_user("duty1", role="duty_officer", password_hash="scrypt:x", now=T1)
    store.apply_edits(
        "displacement_sites",
        [Edit(SITE, {"status": "closing"})],
        user="cccm1",
        reason="closing",
        now=T1,
    )
    build_from_seed(store, SEED_DIR, now=T2)
    assert [u.name for u in store.list_users()] == ["duty1"]
    actions = [e.action for e in store.audit_log()]
    assert actions == ["replace_all", "update", "user_add", "replace_all"]
    assert store.version() == 4


def test_an_import_replaces_the_layer_in_one_audited_step(store):
    sites = store.read_layer("displacement_sites")
    fewer = sites.iloc[:10].copy()
    fewer.loc[fewer.index[0], "individuals"] = 999
    version = store.import_layer(
        "displacement_sites", fewer, mode="replace", user="cccm1", reason="DTM round 12", now=T1
    )
    after = store.read_layer("displacement_sites")
    # The two protection shelters are not in the file: a replace keeps them, sensitive.
    kept = after[after["sensitive"]]
    assert len(after) == 12 and len(kept) == 2 and int(after.loc[0, "individuals"]) == 999
    entries = store.audit_log(layer="displacement_sites")
    summary = next(e for e in entries if e.action == "import")
    assert (summary.version, summary.new["rows"], summary.new["mode"]) == (version, 12, "replace")
    assert (summary.new["changed"], summary.new["removed"], summary.new["kept_protected"]) == (
        1,
        len(sites) - 12,
        2,
    )


def test_an_upsert_keeps_other_rows_and_replaces_same_ids(store):
    sites = store.read_layer("displacement_sites")
    one = sites.iloc[[0]].copy()
    one["individuals"] = 1234
    store.import_layer(
        "displacement_sites", one, mode="upsert", user="cccm1", reason="correction", now=T1
    )
    after = store.read_layer("displacement_sites")
    assert len(after) == len(sites)
    assert int(after.set_index("site_id").loc[one.iloc[0]["site_id"], "individuals"]) == 1234


def test_an_import_with_one_bad_row_writes_nothing(store):
    sites = store.read_layer("displacement_sites")
    bad = sites.copy()
    bad.loc[bad.index[5], "capacity"] = -3
    with pytest.raises(ValidationError, match="capacity -3 is below 0"):
        store.import_layer("displacement_sites", bad, user="cccm1", reason="x", now=T1)
    assert store.version() == 1
    assert len(store.read_layer("displacement_sites")) == len(sites)


def test_account_changes_do_not_make_old_data_look_fresh(store):
    store.add_user("duty9", role="duty_officer", password_hash="scrypt:x", now=T2)
    store.set_user_language("duty9", "ru")  # a preference: no version
    assert store.data_time() == T0
    assert store.version() == 2
