"""Issue 11 findings 1 and 4, in the store's shared write path, on BOTH backends.

A protected row (sensitive) is never un-flagged or re-typed by a grid edit or an import
(upsert or replace); only the explicit admin action does it, audited. Every imported feature
leaves an audit entry with its old and new values.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pandas as pd
import pytest

from eoc.errors import EocError
from eoc.site_edits import change_protection
from eoc.store import GeoPackageStore
from eoc.store.edits import Edit
from eoc.web.components.capacity_charts import site_history
from tests.conftest import pg_schema_url

LAYER = "displacement_sites"
SHELTER = "TJ-DS-0050"
T1 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["geopackage", "postgis"])
def store(request, seed_frames, tmp_path):
    if request.param == "geopackage":
        built = GeoPackageStore(tmp_path / "eoc.gpkg")
    else:
        from eoc.store.postgis import PostGISStore

        database = request.getfixturevalue("pg_database")
        built = PostGISStore(pg_schema_url(database, "t"))
    built.replace_all(seed_frames, now=datetime(2026, 11, 22, 6, 0, tzinfo=UTC))
    return built


def _unmasked(store):
    """The shelter's row as an import would un-flag it: another type, sensitive false."""
    sites = store.read_layer(LAYER)
    row = sites[sites["site_id"] == SHELTER].copy()
    row["site_type"] = "collective_centre"
    row["sensitive"] = False
    return sites, row


def _shelter(store):
    sites = store.read_layer(LAYER)
    return sites[sites["site_id"] == SHELTER].iloc[0]


def test_an_upsert_cannot_unflag_a_shelter(store):
    _sites, row = _unmasked(store)
    version = store.version()
    with pytest.raises(EocError, match=f"protected site.*{SHELTER}.*nothing was imported"):
        store.import_layer(LAYER, row, mode="upsert", user="cccm1", reason="x", now=T1)
    assert store.version() == version
    assert bool(_shelter(store)["sensitive"]) is True


def test_a_replace_cannot_unflag_a_shelter_nor_drop_it(store):
    sites, row = _unmasked(store)
    others = sites[~sites["sensitive"]]
    with pytest.raises(EocError, match=SHELTER):
        store.import_layer(
            LAYER, pd.concat([others, row]), mode="replace", user="cccm1", reason="x", now=T1
        )
    # A file without the shelters (a DTM round never has them) keeps them, still sensitive.
    store.import_layer(LAYER, others, mode="replace", user="cccm1", reason="DTM", now=T1)
    shelter = _shelter(store)
    assert bool(shelter["sensitive"]) is True and shelter["site_type"] == "protection_shelter"


def test_a_grid_edit_cannot_unflag_a_shelter_but_may_protect_a_site(store):
    with pytest.raises(EocError, match="protected"):
        store.apply_edits(
            LAYER, [Edit(SHELTER, {"sensitive": False})], user="cccm1", reason="x", now=T1
        )
    with pytest.raises(EocError, match="protected"):
        edit = Edit(SHELTER, {"site_type": "collective_centre"})
        store.apply_edits(LAYER, [edit], user="cccm1", reason="x", now=T1)
    store.apply_edits(
        LAYER, [Edit("TJ-DS-0001", {"sensitive": True})], user="cccm1", reason="risk", now=T1
    )
    assert bool(store.read_layer(LAYER).set_index("site_id").loc["TJ-DS-0001", "sensitive"])


def test_only_an_admin_unprotects_with_a_reason_and_it_is_audited(store):
    kwargs = {"sensitive": False, "site_type": "collective_centre", "now": T1}
    for role in ("cccm", "duty_officer", "viewer"):
        with pytest.raises(EocError, match="may not change protection"):
            change_protection(store, SHELTER, user="u", role=role, reason="closed", **kwargs)
    with pytest.raises(EocError, match="reason"):
        change_protection(store, SHELTER, user="chief", role="admin", reason=" ", **kwargs)
    change_protection(store, SHELTER, user="chief", role="admin", reason="closed", **kwargs)
    assert bool(_shelter(store)["sensitive"]) is False
    [entry] = store.audit_log(layer=LAYER, feature_id=SHELTER)
    assert (entry.action, entry.user, entry.reason) == ("protection", "chief", "closed")
    assert entry.old == {"sensitive": True, "site_type": "protection_shelter"}
    assert entry.new == {"sensitive": False, "site_type": "collective_centre"}


def test_every_imported_feature_is_audited_with_old_and_new_values(store):
    sites = store.read_layer(LAYER)
    others = sites[~sites["sensitive"]].reset_index(drop=True)
    changed = others.iloc[:-1].copy()  # the last open site is removed
    changed.loc[0, "individuals"] = 4321
    new = changed.iloc[[1]].copy()
    new["site_id"] = "TJ-NEW-001"
    incoming = pd.concat([changed, new], ignore_index=True)
    store.import_layer(LAYER, incoming, mode="replace", user="cccm1", reason="DTM 13", now=T1)
    first = str(others.loc[0, "site_id"])
    [update] = store.audit_log(layer=LAYER, feature_id=first)
    assert (update.action, update.reason) == ("update", "DTM 13")
    assert update.old == {"individuals": int(others.loc[0, "individuals"])}
    assert update.new == {"individuals": 4321}
    [insert] = store.audit_log(layer=LAYER, feature_id="TJ-NEW-001")
    assert insert.action == "insert" and insert.new["site_id"] == "TJ-NEW-001"
    [delete] = store.audit_log(layer=LAYER, feature_id=str(others.iloc[-1]["site_id"]))
    assert delete.action == "delete" and delete.old["name"] == others.iloc[-1]["name"]
    # Unchanged features get no entry; the summary has the counts.
    untouched = str(others.loc[2, "site_id"])
    assert store.audit_log(layer=LAYER, feature_id=untouched) == []
    summary = next(e for e in store.audit_log(layer=LAYER) if e.action == "import")
    assert (summary.new["added"], summary.new["changed"], summary.new["removed"]) == (1, 1, 1)
    # The site's history on /capacity shows the imported change.
    entries = store.audit_log(layer=LAYER, feature_id=first)
    history = site_history(entries, people_now=4321, status_now=others.loc[0, "status"])
    assert history["individuals"].tolist() == [int(others.loc[0, "individuals"]), 4321]


def test_an_upsert_audits_only_what_changed(store):
    sites = store.read_layer(LAYER)
    one = sites.iloc[[0]].copy()
    one["status"] = "closing"
    store.import_layer(LAYER, one, mode="upsert", user="cccm1", reason="fix", now=T1)
    [entry] = store.audit_log(layer=LAYER, feature_id=str(one.iloc[0]["site_id"]))
    assert entry.new == {"status": "closing"}


def test_a_10k_row_replace_is_audited_in_linear_time(store, seed_frames):
    """Every feature of a 10,000-row replace audited; printed for the issue note."""
    base = store.read_layer(LAYER)
    template = base[~base["sensitive"]].iloc[[0]]
    big = template.loc[template.index.repeat(10_000)].reset_index(drop=True)
    big["site_id"] = [f"TJ-BIG-{i:05d}" for i in range(len(big))]
    started = time.perf_counter()
    store.import_layer(LAYER, big, mode="replace", user="cccm1", reason="big", now=T1)
    first = time.perf_counter() - started
    big["individuals"] = big["individuals"] + 1
    started = time.perf_counter()
    store.import_layer(LAYER, big, mode="replace", user="cccm1", reason="big 2", now=T1)
    second = time.perf_counter() - started
    print(f"\n10k-row replace ({type(store).__name__}): {first:.2f} s new, {second:.2f} s changed")
    entries = store.audit_log(layer=LAYER, limit=20_000)
    assert sum(e.action == "update" for e in entries) == 10_000
    assert second < 30
