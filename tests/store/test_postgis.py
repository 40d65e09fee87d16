"""The PostGIS store behaves like the GeoPackage store, on a real local PostgreSQL + PostGIS.

Each run creates a throwaway database (eoc_test_<random>, tests/conftest.py) and drops it at
the end; each test gets its own schema in it. Skipped only when no PostgreSQL server answers.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import UTC, datetime

import geopandas as gpd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point

import layers
from eoc.errors import (
    ConfigError,
    ConflictError,
    EocError,
    NotFoundError,
    StoreError,
    StoreNotInitialisedError,
    ValidationError,
)
from eoc.store import open_store
from eoc.store.edits import Edit
from tests.conftest import pg_schema_url

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed")
from psycopg import sql  # noqa: E402

from eoc.store.postgis import PostGISStore  # noqa: E402

T0 = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
T2 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
SITE = "TJ-DS-0001"
LAYER = "displacement_sites"
INCREMENTS = 50  # per racing writer


@pytest.fixture(scope="module")
def database(pg_database) -> str:
    """The run's throwaway database (tests/conftest.py); each store takes a schema in it."""
    return pg_database


def new_store(database: str) -> PostGISStore:
    return PostGISStore(pg_schema_url(database, "t"))


@pytest.fixture
def fresh(database) -> PostGISStore:
    """A store in a schema of its own, not built yet."""
    return new_store(database)


@pytest.fixture
def store(database, seed_frames) -> PostGISStore:
    """A store built from the seed at T0 (the test may write to it)."""
    built = new_store(database)
    built.replace_all(seed_frames, now=T0)
    return built


@pytest.fixture(scope="module")
def seeded(database, seed_frames) -> PostGISStore:
    """A store built from the seed, shared by the module: tests must not write to it."""
    built = new_store(database)
    built.replace_all(seed_frames, now=T0)
    return built


def places(*points: tuple[int, str, float, float]) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(
        {"geonameid": [p[0] for p in points], "name": [p[1] for p in points]},
        geometry=[Point(p[2], p[3]) for p in points],
        crs="EPSG:4326",
    )
    return layers.conform(gdf, layers.get("places"))


@pytest.fixture
def khorog_and_dushanbe() -> gpd.GeoDataFrame:
    return places((1, "Khorugh", 71.55337, 37.49039), (2, "Dushanbe", 68.77905, 38.53575))


def site(store: PostGISStore, site_id: str = SITE):
    sites = store.read_layer(LAYER)
    return sites[sites["site_id"] == site_id].iloc[0]


def query(store: PostGISStore, statement: str, params: tuple = ()) -> list[tuple]:
    """Plain SQL on the store's database, in the store's schema."""
    with psycopg.connect(store._conninfo, autocommit=True) as con:
        con.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(store.schema)))
        return con.execute(statement, params).fetchall()


# -- the store as the GeoPackage store is (tests/store/test_geopackage.py) ----------------


def test_open_store_gives_a_postgis_store_for_a_postgresql_url(database):
    store = open_store(f"{database}?schema=ops")
    assert isinstance(store, PostGISStore)
    assert (store.schema, store.location) == ("ops", f"{database}?schema=ops")
    assert PostGISStore(database).schema == "eoc"


def test_a_layer_reads_back_as_written(fresh, khorog_and_dushanbe):
    fresh.replace_all({"places": khorog_and_dushanbe}, now=T0)
    assert_geodataframe_equal(fresh.read_layer("places"), khorog_and_dushanbe)
    assert fresh.layer_names() == ["places"]


def test_the_store_holds_every_seed_layer_in_drawing_order(seeded):
    assert seeded.layer_names() == list(layers.REGISTRY)


@pytest.mark.parametrize("layer", list(layers.REGISTRY))
def test_every_seed_layer_reads_back_as_the_seed(seeded, seed_frames, layer):
    assert_geodataframe_equal(seeded.read_layer(layer), seed_frames[layer])


@pytest.mark.parametrize(
    ("layer", "bbox"),
    [
        ("places", (70.5, 36.5, 75.5, 39.5)),
        ("districts", (69.0, 38.0, 70.0, 39.0)),  # 19 envelopes meet it, 18 shapes do
        ("roads", (69.0, 38.0, 70.0, 39.0)),
        ("displacement_sites", (71.0, 37.0, 72.5, 38.0)),
    ],
)
def test_reads_equal_the_geopackage_store(seeded, seed_store, layer, bbox):
    assert_geodataframe_equal(seeded.read_layer(layer), seed_store.read_layer(layer))
    inside = seeded.read_layer(layer, bbox=bbox)
    assert 0 < len(inside) < len(seeded.read_layer(layer))
    # GDAL returns a GeoPackage bbox read in R-tree order; compare the same rows by id.
    key = layers.get(layer).id_field
    assert_geodataframe_equal(
        inside.sort_values(key, ignore_index=True),
        seed_store.read_layer(layer, bbox=bbox).sort_values(key, ignore_index=True),
    )


def test_a_bbox_read_returns_only_features_inside(fresh, khorog_and_dushanbe):
    fresh.replace_all({"places": khorog_and_dushanbe}, now=T0)
    gbao = fresh.read_layer("places", bbox=(70.5, 36.5, 75.5, 39.5))
    assert list(gbao["name"]) == ["Khorugh"]


def test_version_and_data_time_change_with_every_write(fresh, khorog_and_dushanbe):
    assert fresh.replace_all({"places": khorog_and_dushanbe}, now=T0) == 1
    assert (fresh.version(), fresh.data_time()) == (1, T0)
    assert fresh.replace_all({"places": khorog_and_dushanbe}, now=T1) == 2
    assert (fresh.version(), fresh.data_time()) == (2, T1)


def test_feature_counts(fresh, khorog_and_dushanbe):
    fresh.replace_all({"places": khorog_and_dushanbe}, now=T0)
    assert fresh.feature_counts() == {"places": 2}


def test_public_feature_counts_leave_out_what_the_geopackage_leaves_out(seeded, seed_store):
    assert seeded.feature_counts() == seed_store.feature_counts()
    public = seeded.feature_counts(public_only=True)
    assert public == seed_store.feature_counts(public_only=True)
    assert public[LAYER] < seeded.feature_counts()[LAYER]


def test_a_missing_store_says_how_to_build_it(fresh):
    assert not fresh.exists()
    with pytest.raises(StoreNotInitialisedError, match="run 'eoc init --store"):
        fresh.version()
    with pytest.raises(StoreNotInitialisedError):
        fresh.read_layer("places")


def test_a_failed_write_leaves_the_store_as_it_was(fresh, khorog_and_dushanbe):
    fresh.replace_all({"places": khorog_and_dushanbe}, now=T0)
    with pytest.raises(KeyError):
        fresh.replace_all({"places": khorog_and_dushanbe, "no_such_layer": None}, now=T1)
    assert fresh.version() == 1
    assert_geodataframe_equal(fresh.read_layer("places"), khorog_and_dushanbe)


def test_a_layer_not_in_the_store_is_named(fresh, khorog_and_dushanbe):
    fresh.replace_all({"places": khorog_and_dushanbe}, now=T0)
    with pytest.raises(StoreError, match="layer roads is not in"):
        fresh.read_layer("roads")


def test_layers_are_typed_tables_with_spatial_and_id_indexes(seeded):
    types = dict(
        query(
            seeded,
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = %s",
            (seeded.schema, LAYER),
        )
    )
    assert (types["individuals"], types["site_area_m2"], types["sensitive"]) == (
        "bigint",
        "double precision",
        "boolean",
    )
    assert (types["name"], types["geom"]) == ("text", "USER-DEFINED")
    indexes = [
        row[0]
        for row in query(
            seeded,
            "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = %s",
            (seeded.schema, LAYER),
        )
    ]
    assert any("USING gist (geom)" in d for d in indexes)
    assert any(d.startswith("CREATE UNIQUE INDEX") and "(site_id)" in d for d in indexes)
    [(srid, kind)] = query(
        seeded,
        "SELECT srid, type FROM public.geometry_columns"
        " WHERE f_table_schema = %s AND f_table_name = %s",
        (seeded.schema, LAYER),
    )
    assert (srid, kind) == (4326, "GEOMETRY")


def test_an_unreachable_server_is_a_store_error():
    with pytest.raises(StoreError, match="cannot read postgresql://nobody@127.0.0.1:1/eoc"):
        PostGISStore("postgresql://nobody@127.0.0.1:1/eoc").version()


def test_messages_never_show_the_password():
    store = PostGISStore("postgresql://eoc:s3cret@127.0.0.1:1/eoc")
    assert "s3cret" not in repr(store)
    with pytest.raises(StoreError) as caught:
        store.version()
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize("schema", ["Ops", "eoc; DROP TABLE x", "1st", "a-b"])
def test_a_schema_name_that_is_not_a_plain_identifier_is_refused(schema):
    with pytest.raises(ConfigError, match="cannot be used"):
        PostGISStore(f"postgresql://postgres@127.0.0.1/eoc?schema={schema}")


# -- edits (tests/store/test_edits.py) -----------------------------------------------------


def test_an_update_changes_the_row_bumps_the_version_and_is_audited(store):
    before = site(store)
    version = store.apply_edits(
        LAYER,
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
    [entry] = store.audit_log(layer=LAYER)
    assert (entry.user, entry.action, entry.feature_id, entry.reason, entry.at) == (
        "cccm1",
        "update",
        SITE,
        "headcount 22 Nov",
        T1,
    )
    assert entry.old == {"individuals": int(before["individuals"]), "status": before["status"]}
    assert entry.new == {"individuals": 455, "status": "closing"}
    assert entry.changes().startswith("individuals: ")  # key order kept (json, not jsonb)
    assert store.changed_layers(1) == {LAYER}


def test_a_stale_edit_is_refused_with_their_value_and_nothing_is_written(store):
    seen = int(site(store)["individuals"])
    store.apply_edits(
        LAYER,
        [Edit(SITE, {"individuals": seen + 10}, expected={"individuals": seen})],
        user="alice",
        reason="count",
        now=T1,
    )
    with pytest.raises(ConflictError) as caught:
        store.apply_edits(
            LAYER,
            [Edit(SITE, {"individuals": seen + 99}, expected={"individuals": seen})],
            user="bob",
            reason="count",
            now=T2,
        )
    error = caught.value
    assert (error.theirs, error.yours, error.changed_by) == (seen + 10, seen, "alice")
    assert error.changed_at.startswith("2026-11-22T08:00")
    assert "nothing was saved" in str(error)
    assert int(site(store)["individuals"]) == seen + 10
    assert store.version() == 2


def test_an_invalid_edit_names_the_field_and_writes_nothing(store):
    status_before = site(store, "TJ-DS-0002")["status"]
    assert status_before != "closed"
    with pytest.raises(ValidationError, match=f"site {SITE}: individuals -5 is below 0"):
        store.apply_edits(
            LAYER,
            [Edit("TJ-DS-0002", {"status": "closed"}), Edit(SITE, {"individuals": -5})],
            user="cccm1",
            reason="typo",
            now=T1,
        )
    assert (store.version(), store.data_time()) == (1, T0)
    assert site(store, "TJ-DS-0002")["status"] == status_before
    assert store.audit_log(layer=LAYER) == []


def test_a_reason_is_required(store):
    with pytest.raises(EocError, match="a reason is required"):
        store.apply_edits(
            LAYER, [Edit(SITE, {"status": "open"})], user="cccm1", reason="  ", now=T1
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
        LAYER, [Edit("TJ-DS-9001", new, op="insert")], user="cccm1", reason="new", now=T1
    )
    near_khorog = (71.55, 37.45, 71.65, 37.55)
    assert "TJ-DS-9001" in set(store.read_layer(LAYER, bbox=near_khorog)["site_id"])
    with pytest.raises(EocError, match="site TJ-DS-9001 already exists"):
        store.apply_edits(
            LAYER, [Edit("TJ-DS-9001", new, op="insert")], user="cccm1", reason="again", now=T1
        )
    store.apply_edits(
        LAYER,
        [Edit("TJ-DS-9001", {"geometry": Point(69.0, 38.0)})],
        user="cccm1",
        reason="moved",
        now=T1,
    )
    assert "TJ-DS-9001" not in set(store.read_layer(LAYER, bbox=near_khorog)["site_id"])
    store.apply_edits(
        LAYER, [Edit("TJ-DS-9001", op="delete")], user="cccm1", reason="cancelled", now=T2
    )
    assert "TJ-DS-9001" not in set(store.read_layer(LAYER)["site_id"])
    entries = store.audit_log(feature_id="TJ-DS-9001")
    assert [e.action for e in entries] == ["delete", "update", "insert"]
    assert entries[1].new == {"geometry": "POINT (69 38)"}


def test_editing_a_missing_feature_is_named(store):
    with pytest.raises(NotFoundError, match="site TJ-DS-7777 does not exist"):
        store.apply_edits(
            LAYER, [Edit("TJ-DS-7777", {"status": "open"})], user="cccm1", reason="x", now=T1
        )


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM eoc_audit",
        "UPDATE eoc_audit SET reason = 'rewritten'",
        "TRUNCATE eoc_audit",
    ],
)
def test_the_audit_log_is_append_only(store, statement):
    with pytest.raises(psycopg.errors.IntegrityError, match="append-only"):
        query(store, statement)
    assert len(store.audit_log()) == 1


def test_published_reports_cannot_be_changed_or_deleted(store):
    assert store.next_report_number() == 1
    version = store.add_report(
        number=1,
        lang="en",
        version=1,
        as_of=T0,
        title="Sitrep 1",
        html="<p>1</p>",
        markdown="# 1",
        pdf=b"%PDF-1.7 one",
        user="duty1",
        now=T1,
    )
    assert version == 2 == store.version() and store.data_time() == T0
    with pytest.raises(EocError, match="number 1 is no longer the next one"):
        store.add_report(
            number=1,
            lang="en",
            version=1,
            as_of=T0,
            title="again",
            html="",
            markdown="",
            pdf=b"",
            user="duty2",
            now=T1,
        )
    [listed] = store.list_reports()
    assert (listed["number"], listed["published_by"], listed["version"]) == (1, "duty1", 1)
    assert datetime.fromisoformat(listed["as_of"]) == T0
    assert store.report_content(1, "pdf") == b"%PDF-1.7 one"
    assert store.report_content(1, "md") == "# 1"
    assert store.report_content(2, "html") is None
    with pytest.raises(psycopg.errors.IntegrityError, match="cannot be changed"):
        query(store, "UPDATE eoc_reports SET title = 'x'")
    with pytest.raises(psycopg.errors.IntegrityError, match="cannot be deleted"):
        query(store, "DELETE FROM eoc_reports")


def test_a_rebuild_keeps_users_and_the_audit_log(store, seed_frames):
    store.add_user("duty1", role="duty_officer", password_hash="scrypt:x", now=T1)
    store.apply_edits(
        LAYER, [Edit(SITE, {"status": "closing"})], user="cccm1", reason="closing", now=T1
    )
    store.replace_all(seed_frames, now=T2)
    assert [u.name for u in store.list_users()] == ["duty1"]
    actions = [e.action for e in store.audit_log()]
    assert actions == ["replace_all", "update", "user_add", "replace_all"]
    assert store.version() == 4
    assert site(store)["status"] == seed_frames[LAYER].set_index("site_id").loc[SITE, "status"]
    assert store.changed_layers(3) == set(layers.REGISTRY)


def test_an_import_replaces_the_layer_in_one_audited_step(store):
    sites = store.read_layer(LAYER)
    fewer = sites.iloc[:10].copy()
    fewer.loc[fewer.index[0], "individuals"] = 999
    version = store.import_layer(
        LAYER, fewer, mode="replace", user="cccm1", reason="DTM round 12", now=T1
    )
    after = store.read_layer(LAYER)
    # The two protection shelters are not in the file: a replace keeps them, sensitive.
    shelters = sites[sites["sensitive"]]
    assert len(after) == 12 and int(after.loc[0, "individuals"]) == 999
    assert_geodataframe_equal(after.iloc[:10], fewer.reset_index(drop=True))
    assert_geodataframe_equal(
        after.iloc[10:].reset_index(drop=True), shelters.reset_index(drop=True)
    )
    entries = store.audit_log(layer=LAYER)
    summary = next(e for e in entries if e.action == "import")
    assert (summary.version, summary.old, summary.new) == (
        version,
        {"rows": len(sites)},
        {
            "rows": 12,
            "mode": "replace",
            "imported": 10,
            "added": 0,
            "changed": 1,
            "removed": len(sites) - 12,
            "replaced": 10,
            "kept_protected": 2,
        },
    )


def test_an_upsert_keeps_other_rows_and_replaces_same_ids(store):
    sites = store.read_layer(LAYER)
    one = sites.iloc[[0]].copy()
    one["individuals"] = 1234
    store.import_layer(LAYER, one, mode="upsert", user="cccm1", reason="correction", now=T1)
    after = store.read_layer(LAYER)
    assert len(after) == len(sites)
    assert int(after.set_index("site_id").loc[one.iloc[0]["site_id"], "individuals"]) == 1234
    assert store.audit_log(layer=LAYER)[0].new["replaced"] == 1


def test_an_import_with_one_bad_row_writes_nothing(store):
    sites = store.read_layer(LAYER)
    bad = sites.copy()
    bad.loc[bad.index[5], "capacity"] = -3
    with pytest.raises(ValidationError, match="capacity -3 is below 0"):
        store.import_layer(LAYER, bad, user="cccm1", reason="x", now=T1)
    assert store.version() == 1
    assert len(store.read_layer(LAYER)) == len(sites)


def test_account_changes_do_not_make_old_data_look_fresh(store):
    store.add_user("duty9", role="duty_officer", password_hash="scrypt:x", now=T2)
    with pytest.raises(EocError, match="user 'duty9' already exists"):
        store.add_user("duty9", role="viewer", password_hash="scrypt:y", now=T2)
    store.set_user_language("duty9", "ru")  # a preference: no version
    assert store.get_user("duty9").lang == "ru"
    assert store.get_user("duty9").created_at == T2
    assert store.get_user("nobody") is None
    assert store.data_time() == T0
    assert store.version() == 2
    assert store.changed_layers(1) == set()


# -- two writers race (tests/store/test_race.py) -------------------------------------------


def individuals(store: PostGISStore) -> int:
    return int(site(store)["individuals"])


def add_one_n_times(location: str, writer: str, times: int) -> int:
    """Read-modify-write `times` increments; return how many conflicts it retried."""
    store = open_store(location)
    conflicts = done = 0
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


def test_two_processes_lose_no_update(store):
    start, version = individuals(store), store.version()
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
    assert individuals(store) == start + 2 * INCREMENTS
    entries = store.audit_log(layer=LAYER, feature_id=SITE, limit=10_000)
    assert len(entries) == 2 * INCREMENTS
    steps = sorted((e.old["individuals"], e.new["individuals"]) for e in entries)
    assert steps == [(start + i, start + i + 1) for i in range(2 * INCREMENTS)]
    # One version per committed transaction, none skipped or shared.
    assert sorted(e.version for e in entries) == list(range(version + 1, version + 101))
    print(f"postgis processes: {2 * INCREMENTS} increments, {sum(conflicts.values())} conflicts "
          f"retried, {elapsed:.2f} s")  # fmt: skip


def test_reading_a_layer_while_another_writer_commits(store):
    stop = threading.Event()
    failures: list[BaseException] = []

    def write() -> None:
        count = 0
        try:
            while not stop.is_set():
                store.apply_edits(
                    LAYER,
                    [Edit("TJ-DS-0002", {"households": count % 50})],
                    user="cccm2",
                    reason="load",
                    now=datetime.now(UTC),
                )
                count += 1
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        for _ in range(30):
            assert len(store.read_layer(LAYER)) > 0
    finally:
        stop.set()
        writer.join()
    assert failures == []
    assert store.version() > 1
