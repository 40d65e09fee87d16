"""The embedded GeoPackage store: round trip, bbox reads, version, atomic whole-store writes."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime

import geopandas as gpd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point

import layers
from eoc.errors import StoreNotInitialisedError

T0 = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 22, 7, 30, tzinfo=UTC)


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


def test_a_layer_reads_back_as_written(fresh_store, khorog_and_dushanbe):
    fresh_store.replace_all({"places": khorog_and_dushanbe}, now=T0)
    assert_geodataframe_equal(fresh_store.read_layer("places"), khorog_and_dushanbe)


def test_a_bbox_read_returns_only_features_inside(fresh_store, khorog_and_dushanbe):
    fresh_store.replace_all({"places": khorog_and_dushanbe}, now=T0)
    gbao = fresh_store.read_layer("places", bbox=(70.5, 36.5, 75.5, 39.5))
    assert list(gbao["name"]) == ["Khorugh"]


def test_version_and_data_time_change_with_every_write(fresh_store, khorog_and_dushanbe):
    assert fresh_store.replace_all({"places": khorog_and_dushanbe}, now=T0) == 1
    assert (fresh_store.version(), fresh_store.data_time()) == (1, T0)
    assert fresh_store.replace_all({"places": khorog_and_dushanbe}, now=T1) == 2
    assert (fresh_store.version(), fresh_store.data_time()) == (2, T1)


def test_feature_counts(fresh_store, khorog_and_dushanbe):
    fresh_store.replace_all({"places": khorog_and_dushanbe}, now=T0)
    assert fresh_store.feature_counts() == {"places": 2}


def test_a_missing_store_says_how_to_build_it(fresh_store):
    assert not fresh_store.exists()
    with pytest.raises(StoreNotInitialisedError, match="run 'eoc init --store"):
        fresh_store.version()


def test_a_failed_write_leaves_the_store_as_it_was(fresh_store, khorog_and_dushanbe, tmp_path):
    fresh_store.replace_all({"places": khorog_and_dushanbe}, now=T0)
    with pytest.raises(KeyError):
        fresh_store.replace_all({"places": khorog_and_dushanbe, "no_such_layer": None}, now=T1)
    assert fresh_store.version() == 1
    assert_geodataframe_equal(fresh_store.read_layer("places"), khorog_and_dushanbe)
    assert [p.name for p in tmp_path.iterdir()] == ["eoc.gpkg"], "temporary files left behind"


def test_the_store_is_a_standard_geopackage(seed_store):
    with sqlite3.connect(seed_store.path) as con:
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # "GPKG"
        tables = {r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")}
    assert set(layers.REGISTRY) | {"eoc_audit"} == tables


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is not installed")
def test_ogrinfo_lists_every_layer(seed_store):
    out = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-q", str(seed_store.path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in layers.REGISTRY:
        assert f": {name} (" in out


def test_a_pooled_connection_never_reads_or_writes_a_swapped_out_file(
    fresh_store, khorog_and_dushanbe
):
    """Connections are pooled per process; a rebuild by another store object swaps the file."""
    fresh_store.replace_all({"places": khorog_and_dushanbe}, now=T0)
    assert (fresh_store.version(), fresh_store.feature_counts()) == (1, {"places": 2})
    other = type(fresh_store)(fresh_store.path)
    other.replace_all({"places": khorog_and_dushanbe.iloc[:1]}, now=T1)
    assert fresh_store.version() == 2
    assert fresh_store.feature_counts() == {"places": 1}
    fresh_store.add_user("duty1", role="duty_officer", password_hash="scrypt:x", now=T1)
    assert [u.name for u in other.list_users()] == ["duty1"]
    assert other.version() == 3 == fresh_store.version()
