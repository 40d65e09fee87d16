"""Layers rewound to an earlier moment from a real store's audit log."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from shapely.geometry import Point

import layers
from eoc.analysis.history import rewind_layer
from eoc.store import GeoPackageStore
from eoc.store.edits import Edit
from tests.conftest import SEED_TIME

HOUR = timedelta(hours=1)
SITES = layers.get("displacement_sites")
CHECKPOINTS = layers.get("border_checkpoints")
KYZYL_ART = "TJ-BCP-09"
KHOROG = "TJ-DS-0001"


@pytest.fixture
def store(seed_store, tmp_path):
    copy = GeoPackageStore(tmp_path / "history.gpkg")
    shutil.copyfile(seed_store.path, copy.path)
    return copy


def edit(store, layer, *edits, at):
    store.apply_edits(layer, list(edits), user="duty1", reason="test", now=at)


def rewound(store, layer, at):
    return rewind_layer(store.read_layer(layer.name), layer, store.audit_log(limit=10_000), at=at)


def by_id(frame, spec):
    return frame.set_index(spec.id_field)


def test_a_status_change_is_undone_before_it_was_made(store):
    edit(
        store,
        "border_checkpoints",
        Edit(KYZYL_ART, {"status": "closed"}),
        at=SEED_TIME + 240 * HOUR,
    )
    before = rewound(store, CHECKPOINTS, SEED_TIME + 10 * HOUR)
    after = rewound(store, CHECKPOINTS, SEED_TIME + 241 * HOUR)
    assert by_id(before.frame, CHECKPOINTS).loc[KYZYL_ART, "status"] == "restricted"
    assert by_id(after.frame, CHECKPOINTS).loc[KYZYL_ART, "status"] == "closed"
    assert before.known_at(SEED_TIME + 10 * HOUR) and before.undone == 1 and after.undone == 0


def test_site_figures_step_back_through_every_edit(store):
    for hours, people in ((1, 450), (2, 500), (3, 380)):
        edit(
            store,
            "displacement_sites",
            Edit(KHOROG, {"individuals": people}),
            at=SEED_TIME + hours * HOUR,
        )
    seen = [
        int(
            by_id(rewound(store, SITES, SEED_TIME + h * HOUR).frame, SITES).loc[
                KHOROG, "individuals"
            ]
        )
        for h in (0.5, 1.5, 2.5, 3.5)
    ]
    assert seen == [420, 450, 500, 380]


def test_inserts_vanish_and_deletes_come_back(store):
    new_site = {
        "name": "Tent camp", "site_type": "planned_site", "adm1_iso": "TJ-KT",
        "adm2_name": "Jilikul District", "individuals": 0, "capacity": 500, "status": "planned",
        "sensitive": False, "geometry": Point(68.6, 37.3),
    }  # fmt: skip
    seed = by_id(store.read_layer("displacement_sites"), SITES)
    edit(
        store, "displacement_sites", Edit("TJ-DS-0900", new_site, op="insert"), at=SEED_TIME + HOUR
    )
    edit(store, "displacement_sites", Edit("TJ-DS-0002", op="delete"), at=SEED_TIME + 2 * HOUR)
    then = by_id(rewound(store, SITES, SEED_TIME + 0.5 * HOUR).frame, SITES)
    now = by_id(store.read_layer("displacement_sites"), SITES)
    assert "TJ-DS-0900" not in then.index and "TJ-DS-0900" in now.index
    assert "TJ-DS-0002" in then.index and "TJ-DS-0002" not in now.index
    assert then.loc["TJ-DS-0002", "geometry"].equals(seed.loc["TJ-DS-0002", "geometry"])
    assert then.loc["TJ-DS-0002", "individuals"] == 260
    assert len(then) == len(now)  # one in, one out


def test_before_the_store_was_built_nothing_is_known(store):
    early = SEED_TIME - 240 * HOUR
    result = rewound(store, CHECKPOINTS, early)
    assert not result.known_at(early)
    assert result.known_since == SEED_TIME
    assert result.known_at(SEED_TIME + HOUR)


def test_an_import_is_undone_feature_by_feature(store):
    sites = store.read_layer("displacement_sites")
    changed = sites[sites["site_id"] == KHOROG].assign(individuals=999)
    store.import_layer(
        "displacement_sites", changed, mode="upsert", user="cccm1", reason="DTM round",
        now=SEED_TIME + HOUR,
    )  # fmt: skip
    before = rewound(store, SITES, SEED_TIME + 0.5 * HOUR)
    assert before.known_at(SEED_TIME + 0.5 * HOUR)  # per-feature entries: not a horizon
    assert by_id(before.frame, SITES).loc[KHOROG, "individuals"] == 420
    assert by_id(store.read_layer("displacement_sites"), SITES).loc[KHOROG, "individuals"] == 999
