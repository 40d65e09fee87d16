"""Grid cell changes and relocation plans turned into validated, expected-value edits."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest

from eoc.errors import ConflictError, EocError
from eoc.site_edits import (
    EDITABLE_FIELDS,
    RELOCATION,
    CellChange,
    apply_relocation,
    cell_edit,
    plan_state,
    relocation_edits,
    save_cell_change,
)
from eoc.store import GeoPackageStore
from eoc.store.edits import Edit
from eoc.write_tokens import WriteTokens

TOKENS = WriteTokens("test-secret-key-" + "0" * 32)

T1 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
ROW = {
    "site_id": "TJ-DS-0001", "name": "Khorog School No. 3", "individuals": 455, "households": 84,
    "capacity": 350, "site_area_m2": 12404.5, "covered_area_m2": 1333.2, "status": "open",
    "latrines": 7, "water_points": 1, "last_assessment": "2026-11-19", "occupancy_pct": 152.7,
}  # fmt: skip


@pytest.fixture
def store(seed_store, tmp_path) -> GeoPackageStore:
    copy = GeoPackageStore(tmp_path / "edits.gpkg")
    shutil.copyfile(seed_store.path, copy.path)
    return copy


def plan_token(store, incoming, before, *, version=None):
    """The token a plan is issued with when it is computed at `version` (default: now)."""
    token = TOKENS.issue(
        RELOCATION,
        user="cccm1",
        version=store.version() if version is None else version,
        state=plan_state(incoming, before),
    )
    return TOKENS.read(token, purpose=RELOCATION, user="cccm1")


def people(store, site_id):
    sites = store.read_layer("displacement_sites")
    return int(sites.loc[sites["site_id"] == site_id, "individuals"].iloc[0])


def test_a_grid_event_becomes_a_change_of_one_field_expecting_the_row_as_loaded():
    event = {"rowId": "TJ-DS-0001", "colId": "individuals", "oldValue": 420, "value": 455,
             "data": ROW}  # fmt: skip
    edit = cell_edit(CellChange.from_grid_event(event))
    assert edit.feature_id == "TJ-DS-0001" and edit.changes == {"individuals": 455}
    assert edit.expected["individuals"] == 420  # the old value, not the typed one
    assert set(edit.expected) == set(EDITABLE_FIELDS)  # computed columns are not expected
    assert edit.expected["capacity"] == 350


def test_a_cleared_cell_is_an_empty_value():
    event = {"rowId": "TJ-DS-0001", "colId": "households", "oldValue": 84, "value": " ",
             "data": ROW}  # fmt: skip
    assert cell_edit(CellChange.from_grid_event(event)).changes == {"households": None}


@pytest.mark.parametrize("event", [{}, {"colId": "individuals"}, {"data": "x", "colId": "a"}])
def test_a_malformed_grid_event_is_refused(event):
    with pytest.raises(EocError, match="reload the page"):
        CellChange.from_grid_event(event)


def test_a_field_outside_the_editable_ones_is_refused():
    change = CellChange("TJ-DS-0001", "sensitive", False, True, {})
    with pytest.raises(EocError, match="cannot be changed here"):
        cell_edit(change)


def test_a_cell_change_needs_a_reason(store):
    change = CellChange("TJ-DS-0001", "individuals", 420, 421, {"individuals": 420})
    with pytest.raises(EocError, match="reason is required"):
        save_cell_change(
            store, change, loaded_at=store.version(), user="cccm1", reason="  ", now=T1
        )
    assert people(store, "TJ-DS-0001") == 420


def test_relocation_edits_add_people_and_expect_the_planned_base():
    edits = relocation_edits({"S2": 30, "S1": 0, "S3": 5}, {"S2": 100, "S1": 7, "S3": None})
    assert edits == [
        Edit("S2", {"individuals": 130}, expected={"individuals": 100}),
        Edit("S3", {"individuals": 5}, expected={"individuals": None}),
    ]


@pytest.mark.parametrize("incoming", [{"S1": -3}, {"S1": 2.5}, {"S1": True}, {"S1": "9"}])
def test_relocation_refuses_what_is_not_a_number_of_people(incoming):
    with pytest.raises(EocError, match="not a number of people"):
        relocation_edits(incoming, {"S1": 10})


def test_relocation_needs_the_planned_base_of_every_site():
    with pytest.raises(EocError, match="does not say how many"):
        relocation_edits({"S1": 3}, {})


def test_a_plan_is_applied_in_one_transaction(store):
    version = store.version()
    new_version = apply_relocation(
        store,
        plan_token(
            store, {"TJ-DS-0003": 100, "TJ-DS-0007": 50}, {"TJ-DS-0003": 980, "TJ-DS-0007": 0}
        ),
        user="cccm1",
        reason="order 12",
        now=T1,
    )
    assert new_version == version + 1
    assert (people(store, "TJ-DS-0003"), people(store, "TJ-DS-0007")) == (1080, 50)
    assert {e.version for e in store.audit_log(layer="displacement_sites")} == {new_version}


def test_one_changed_site_refuses_the_whole_plan(store):
    with pytest.raises(ConflictError):
        apply_relocation(
            store,
            plan_token(
                store,
                {"TJ-DS-0003": 100, "TJ-DS-0007": 50},
                {"TJ-DS-0003": 980, "TJ-DS-0007": 12},  # 0 in the store
            ),
            user="cccm1",
            reason="order 12",
            now=T1,
        )
    assert (people(store, "TJ-DS-0003"), people(store, "TJ-DS-0007")) == (980, 0)


def test_a_plan_placing_nobody_is_not_applied(store):
    with pytest.raises(EocError, match="nothing to apply"):
        token = plan_token(store, {"TJ-DS-0003": 0}, {"TJ-DS-0003": 980})
        apply_relocation(store, token, user="u", reason="r", now=T1)


def test_a_plan_computed_before_a_site_changed_is_refused(store):
    version = store.version()
    store.apply_edits(
        "displacement_sites", [Edit("TJ-DS-0007", {"latrines": 3})], user="u", reason="r", now=T1
    )
    token = plan_token(store, {"TJ-DS-0007": 50}, {"TJ-DS-0007": 0}, version=version)
    with pytest.raises(ConflictError, match="latrines"):
        apply_relocation(store, token, user="cccm1", reason="order 12", now=T1)
    assert people(store, "TJ-DS-0007") == 0
