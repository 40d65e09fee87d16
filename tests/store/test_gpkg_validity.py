"""After the shared SQL has edited, imported and rebuilt it, the store is still a GeoPackage.

QGIS and partner offices open the file with GDAL: GDAL's own validator (validate_gpkg.py,
shipped with python3-gdal) must pass, ogrinfo must list every layer with its features, and
every layer's R-tree spatial index must hold exactly the bounds of its geometries (rows the
shared SQL wrote go through GDAL's triggers, which call the ST_ functions we register).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from shapely.geometry import Point, Polygon

import layers
from eoc.store import GeoPackageStore
from eoc.store.edits import Edit
from eoc.store.gpkg_binary import decode

T0 = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
VALIDATORS = (
    Path("/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"),
    Path("/usr/share/doc/python3-gdal/examples/validate_gpkg.py"),
)
SYSTEM_PYTHON = Path("/usr/bin/python3")  # the one python3-gdal (osgeo) is installed for

pytestmark = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs GDAL's ogrinfo")


@pytest.fixture(scope="module")
def edited(seed_frames, tmp_path_factory) -> GeoPackageStore:
    """A store built, then edited, imported into and rebuilt by every kind of write."""
    store = GeoPackageStore(tmp_path_factory.mktemp("valid") / "eoc.gpkg")
    store.replace_all(seed_frames, now=T0)
    sites = store.read_layer("displacement_sites")
    new_site = sites.iloc[0].drop("geometry").to_dict() | {"site_id": "TJ-DS-9001"}
    write = {"user": "cccm1", "reason": "test", "now": T1}
    store.apply_edits(
        "displacement_sites",
        [
            Edit("TJ-DS-9001", {**new_site, "geometry": Point(69.1, 38.2)}, op="insert"),
            Edit(sites.iloc[1]["site_id"], {"geometry": Point(70.5, 39.5)}),
            Edit(sites.iloc[2]["site_id"], op="delete"),
        ],
        **write,
    )
    zones = store.read_layer("hazard_zones")
    moved = Polygon([(68, 37), (69, 37), (69, 38), (68, 38)])
    store.apply_edits(
        "hazard_zones", [Edit(zones.iloc[0]["zone_id"], {"geometry": moved})], **write
    )
    store.import_layer("incidents", store.read_layer("incidents").iloc[:3], mode="replace", **write)
    store.import_layer("hazard_zones", zones.iloc[1:4], mode="upsert", **write)
    store.add_user("duty1", role="duty_officer", password_hash="scrypt:x", now=T1)
    store.add_report(
        number=1,
        lang="en",
        version=store.version(),
        as_of=T1,
        title="Sitrep 1",
        html="<p>1</p>",
        markdown="# 1",
        pdf=b"%PDF",
        user="duty1",
        now=T1,
    )
    return store


def test_gdal_validates_the_file(edited):
    validator = next((v for v in VALIDATORS if v.is_file()), None)
    if validator is None or not SYSTEM_PYTHON.is_file():
        pytest.skip("GDAL's validate_gpkg.py (python3-gdal) is not installed")
    run = subprocess.run(
        [str(SYSTEM_PYTHON), str(validator), "--warning-as-error", str(edited.path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_ogrinfo_lists_every_layer_with_its_features(edited):
    counts = edited.feature_counts()
    assert counts["incidents"] == 3
    for name in layers.REGISTRY:
        out = subprocess.run(
            ["ogrinfo", "-ro", "-so", str(edited.path), name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert re.search(rf"^Feature Count: {counts[name]}$", out, re.MULTILINE), (name, out)
        assert "Geometry: " in out and 'GEOGCRS["WGS 84"' in out, name


def test_ogrinfo_finds_a_spatial_index_on_every_layer(edited):
    for name in layers.REGISTRY:
        out = subprocess.run(
            [
                "ogrinfo",
                "-ro",
                "-q",
                str(edited.path),
                "-sql",
                f"SELECT HasSpatialIndex('{name}', 'geom')",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "HasSpatialIndex (Integer) = 1" in out, (name, out)


def test_every_r_tree_holds_exactly_its_layers_bounds(edited):
    with closing(sqlite3.connect(f"file:{edited.path}?mode=ro", uri=True)) as con:
        indexed = {
            table
            for table, ext in con.execute("SELECT table_name, extension_name FROM gpkg_extensions")
            if ext == "gpkg_rtree_index"
        }
        assert indexed == set(layers.REGISTRY)
        geometry_columns = dict(
            con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns")
        )
        contents = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents"))
        for name in layers.REGISTRY:
            assert (geometry_columns[name], contents[name]) == ("geom", "features")
            rows = con.execute(f'SELECT fid, geom FROM "{name}"').fetchall()  # noqa: S608
            expected = {}
            for fid, blob in rows:
                geometry = decode(blob)
                if geometry is not None and not geometry.is_empty:
                    minx, miny, maxx, maxy = geometry.bounds
                    expected[fid] = (minx, maxx, miny, maxy)
            tree = con.execute(
                f'SELECT id, minx, maxx, miny, maxy FROM "rtree_{name}_geom"'  # noqa: S608
            ).fetchall()
            assert set(expected) == {row[0] for row in tree}, name
            for fid, *box in tree:
                # The R-tree stores 32-bit floats, rounded outwards.
                assert box == pytest.approx(expected[fid], abs=1e-4), (name, fid)


def test_the_edited_rows_are_where_they_were_put(edited):
    sites = edited.read_layer("displacement_sites", bbox=(69.0, 38.1, 69.2, 38.3))
    assert "TJ-DS-9001" in set(sites["site_id"])
    assert edited.audit_log(limit=1)[0].action == "report_publish"
