"""The store behaviour written once (eoc/store/sql_store.py), run on both backends.

Each test here was, before the backends shared one implementation, written for one backend
only or not at all; parametrised over a GeoPackage and a PostGIS schema, they prove the
shared SQL does the same thing on both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from shapely.geometry import Point

import layers
from eoc.errors import ConflictError, EocError, StoreError, StoreNotInitialisedError
from eoc.store import journal_tables as j
from eoc.store.edits import Edit
from eoc.store.rows import plain_value

T0 = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=2)
T2 = T0 + timedelta(hours=3)
LAYER = "displacement_sites"
SITE = "TJ-DS-0001"


@pytest.fixture
def store(empty_store, seed_frames):
    empty_store.replace_all(seed_frames, now=T0)
    return empty_store


def _publish(store, number: int, *, title: str = "Sitrep", now: datetime = T1) -> int:
    return store.add_report(
        number=number,
        lang="tg",
        version=store.version(),
        as_of=T0,
        title=title,
        html=f"<p>{number}</p>",
        markdown=f"# {number} — Ҳисобот",
        pdf=b"%PDF-1.7 \x00\xff" + bytes([number]),
        user="duty1",
        now=now,
    )


def test_a_store_not_built_says_so_for_every_read(empty_store):
    for read in (empty_store.version, empty_store.list_users, empty_store.audit_log):
        with pytest.raises(StoreNotInitialisedError):
            read()


def test_reports_are_numbered_listed_and_read_back_byte_for_byte(store):
    assert store.next_report_number() == 1
    data_time = store.data_time()
    first = _publish(store, 1, title="Первый")
    second = _publish(store, 2, title="Дуюм", now=T2)
    assert (first, second) == (2, 3) and store.version() == 3
    assert store.data_time() == data_time, "publishing is not new data"
    assert store.next_report_number() == 3
    listed = store.list_reports()
    assert [(r["number"], r["title"]) for r in listed] == [(2, "Дуюм"), (1, "Первый")]
    assert datetime.fromisoformat(listed[0]["published_at"]) == T2
    assert datetime.fromisoformat(listed[1]["as_of"]) == T0
    assert store.report_content(1, "pdf") == b"%PDF-1.7 \x00\xff\x01"
    assert store.report_content(2, "md") == "# 2 — Ҳисобот"
    assert store.report_content(3, "html") is None
    [entry] = store.audit_log(feature_id="2")
    assert (entry.action, entry.user, entry.new["title"]) == ("report_publish", "duty1", "Дуюм")


def test_a_report_number_taken_meanwhile_is_refused_and_nothing_written(store):
    _publish(store, 1)
    version = store.version()
    with pytest.raises(EocError, match="number 1 is no longer the next one"):
        _publish(store, 1, title="again")
    assert store.version() == version
    assert [r["title"] for r in store.list_reports()] == ["Sitrep"]


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (sa.update(j.reports).values(title="rewritten"), "cannot be changed"),
        (sa.delete(j.reports), "cannot be deleted"),
        (sa.update(j.audit).values(reason="rewritten"), "append-only"),
        (sa.delete(j.audit), "append-only"),
    ],
)
def test_the_audit_log_and_published_reports_refuse_changes(store, statement, message):
    _publish(store, 1)
    with pytest.raises(sa.exc.IntegrityError, match=message), store.sql.engine.begin() as con:
        con.execute(statement)
    assert len(store.list_reports()) == 1 and len(store.audit_log()) == 2


def test_the_audit_log_filters_by_layer_user_feature_and_time(store):
    store.add_user("duty1", role="duty_officer", password_hash="scrypt:x", now=T1)
    store.apply_edits(LAYER, [Edit(SITE, {"status": "closing"})], user="cccm1", reason="a", now=T1)
    store.apply_edits(LAYER, [Edit(SITE, {"individuals": 1})], user="cccm2", reason="b", now=T2)
    newest_first = [e.action for e in store.audit_log()]
    assert newest_first == ["update", "update", "user_add", "replace_all"]
    assert [e.user for e in store.audit_log(layer=LAYER)] == ["cccm2", "cccm1"]
    assert [e.reason for e in store.audit_log(user="cccm1")] == ["a"]
    assert [e.action for e in store.audit_log(feature_id="duty1")] == ["user_add"]
    assert [e.user for e in store.audit_log(since=T2)] == ["cccm2"]
    assert len(store.audit_log(limit=2)) == 2
    [entry] = store.audit_log(user="cccm2")
    assert (entry.at, entry.old, entry.new, entry.version) == (
        T2,
        {"individuals": entry.old["individuals"]},
        {"individuals": 1},
        4,
    )


def test_changed_layers_name_what_was_written_after_a_version(store):
    store.apply_edits(LAYER, [Edit(SITE, {"status": "closing"})], user="u", reason="r", now=T1)
    store.add_user("duty1", role="duty_officer", password_hash="scrypt:x", now=T1)
    assert store.changed_layers(1) == {LAYER}
    assert store.changed_layers(2) == set()
    assert store.changed_layers(0) == set(layers.REGISTRY)  # the build rewrote every layer


def test_a_second_account_with_one_name_is_refused_and_nothing_written(store):
    store.add_user("duty1", role="duty_officer", password_hash="scrypt:x", now=T1)
    with pytest.raises(EocError, match="user 'duty1' already exists"):
        store.add_user("duty1", role="admin", password_hash="scrypt:y", now=T2)
    assert store.version() == 2
    [user] = store.list_users()
    assert (user.name, user.role, user.created_at) == ("duty1", "duty_officer", T1)
    assert store.get_user("duty1") == user and store.get_user("nobody") is None


def test_a_conflict_names_who_changed_the_value_and_when(store):
    seen = store.read_layer(LAYER).set_index("site_id").loc[SITE, "status"]
    store.apply_edits(LAYER, [Edit(SITE, {"status": "closing"})], user="cccm1", reason="a", now=T1)
    stale = Edit(SITE, {"status": "closed"}, expected={"status": seen})
    with pytest.raises(ConflictError) as caught:
        store.apply_edits(LAYER, [stale], user="cccm2", reason="b", now=T2)
    assert (caught.value.changed_by, caught.value.theirs) == ("cccm1", "closing")
    assert datetime.fromisoformat(caught.value.changed_at) == T1
    assert store.version() == 2


def test_every_field_type_and_a_geometry_round_trip_through_an_insert(store):
    incidents = store.read_layer("incidents")
    row = incidents.iloc[0].to_dict()
    row["incident_id"] = "INC-20261122-901"
    del row["geometry"]
    store.apply_edits(
        "incidents",
        [Edit("INC-20261122-901", {**row, "geometry": Point(71.5, 38.5)}, op="insert")],
        user="duty1",
        reason="new",
        now=T1,
    )
    back = store.read_layer("incidents").set_index("incident_id").loc["INC-20261122-901"]
    spec = layers.get("incidents")
    assert {f.type for f in spec.fields} >= {"str", "datetime"}
    for name in spec.field_names:
        if name != "incident_id":
            assert plain_value(spec, name, back[name]) == plain_value(spec, name, row[name]), name
    assert back["geometry"].equals(Point(71.5, 38.5))
    assert store.read_layer("incidents", bbox=(71.4, 38.4, 71.6, 38.6))["incident_id"].tolist() == [
        "INC-20261122-901"
    ]


def test_public_counts_leave_out_flagged_rows_on_both(store):
    sites = store.read_layer(LAYER)
    assert store.feature_counts()[LAYER] == len(sites)
    assert store.feature_counts(public_only=True)[LAYER] == int((~sites["sensitive"]).sum())


def test_a_layer_the_store_lacks_is_named(store, seed_frames):
    store.replace_all({"places": seed_frames["places"]}, now=T1)
    with pytest.raises(StoreError, match="layer roads is not in"):
        store.read_layer("roads")
