"""Issue 11 findings 2 and 7: small files that cause unbounded work are refused, quickly.

A filled-down id column (every row sharing one site_id), a GeoPackage whose layer is a
recursive-CTE view, files over the row and byte limits: each is refused with a bounded
message naming the file, the row and the field.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point

from eoc.io.importer import (
    LISTED_PROBLEMS,
    ImportValidationError,
    apply_import,
    describe_problems,
    prepare_import,
)
from eoc.io.limits import ImportLimits
from eoc.io.safety import ImportRefusedError
from tests.io.conftest import COUNTRY, NOW, site_table

ROW = "TJ-DS-0001,Khorog,collective_centre,GBAO,Khorog,open,420,100,600,37.49,71.56,false\n"
HEADER = (
    "site_id,name,site_type,adm1_name,adm2_name,status,individuals,households,capacity,"
    "lat,lon,sensitive\n"
)


def _filled_down(path: Path, rows: int) -> Path:
    path.write_text(HEADER + ROW * rows, encoding="utf-8")
    return path


def test_a_2_mb_csv_of_one_repeated_id_is_refused_in_under_a_second(tmp_path):
    path = tmp_path / "filled_down.csv"
    path.write_text("site_id,name,lat,lon\n" + "TJ-DS-0001,a,37.5,71.6\n" * 105_000)
    assert 2e6 < path.stat().st_size < 2.5e6
    # CPU time of this process: the figure does not move with the machine's other load.
    started = time.process_time()
    with pytest.raises(ImportRefusedError) as refused:
        prepare_import(path, "displacement_sites", country_path=COUNTRY)
    elapsed = time.process_time() - started
    assert elapsed < 1.0, f"took {elapsed:.2f} s of CPU"
    message = str(refused.value)
    assert "filled_down.csv has more than 50,000 rows" in message and len(message) < 300


def test_duplicate_ids_cost_linear_and_name_a_bounded_list_of_rows(tmp_path):
    path = _filled_down(tmp_path / "ids.csv", 10_000)
    prepared = prepare_import(path, "displacement_sites", country_path=COUNTRY)
    duplicates = [p for p in prepared.problems if p.field == "site_id"]
    assert len(duplicates) == 10_000
    first = prepared.describe(duplicates[0])
    assert first.startswith("row 2 · site TJ-DS-0001 · site_id: site_id TJ-DS-0001 is used by")
    assert "(2, 3, 4, 5, 6 and 9,995 more)" in first
    assert max(len(prepared.describe(p)) for p in duplicates) < 200
    lines = describe_problems(prepared, prepared.problems, limit=LISTED_PROBLEMS)
    assert len(lines) == LISTED_PROBLEMS + 1 and lines[-1].startswith("… and ")


def test_the_refusal_message_is_bounded(tmp_path, store):
    prepared = prepare_import(
        _filled_down(tmp_path / "ids.csv", 5_000), "displacement_sites", country_path=COUNTRY
    )
    with pytest.raises(ImportValidationError) as refused:
        apply_import(store, prepared, user="t", role=None, reason="r", now=NOW)
    text = refused.value.render()
    assert text.startswith("5,001 problem(s) found, nothing was imported:")
    assert len(text.splitlines()) == LISTED_PROBLEMS + 2 and len(text) < 20_000


def _view_gpkg(path: Path) -> Path:
    """96 KB: one real point and a layer that is a recursive query making 300,000 rows."""
    point = gpd.GeoDataFrame({"site_id": ["TJ-X-1"]}, geometry=[Point(68.78, 38.56)], crs=4326)
    pyogrio.write_dataframe(point, path, layer="seed_point", driver="GPKG")
    with sqlite3.connect(path) as con:
        con.executescript(
            """
            CREATE VIEW displacement_sites AS WITH RECURSIVE n(i) AS
              (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000)
            SELECT n.i AS fid, s.geom AS geom, 'TJ-V-' || n.i AS site_id FROM n, seed_point s;
            INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id)
              VALUES ('displacement_sites', 'features', 'displacement_sites', 4326);
            INSERT INTO gpkg_geometry_columns
              VALUES ('displacement_sites', 'geom', 'POINT', 4326, 0, 0);
            DELETE FROM gpkg_geometry_columns WHERE table_name = 'seed_point';
            UPDATE gpkg_contents SET data_type = 'attributes' WHERE table_name = 'seed_point';
            """
        )
    assert len(pyogrio.list_layers(path)) == 2  # GDAL would read the view as a layer
    return path


@pytest.mark.parametrize("source_layer", [None, "displacement_sites"])
def test_a_geopackage_view_is_refused_without_being_run(tmp_path, source_layer):
    path = _view_gpkg(tmp_path / "view.gpkg")
    started = time.perf_counter()
    with pytest.raises(ImportRefusedError, match="'displacement_sites' is a view"):
        prepare_import(path, "displacement_sites", country_path=COUNTRY, source_layer=source_layer)
    assert time.perf_counter() - started < 1.0


def test_every_format_stops_at_the_row_limit(tmp_path, seed_sites):
    limits = ImportLimits(max_rows=20)
    sites = seed_sites[~seed_sites["sensitive"]].iloc[:21]
    paths = [tmp_path / "s.gpkg", tmp_path / "s.geojson"]
    for path in paths:
        pyogrio.write_dataframe(sites, path)
    table = pd.DataFrame(site_table(sites))
    table.to_csv(tmp_path / "s.csv", index=False)
    table.to_excel(tmp_path / "s.xlsx", index=False)
    for path in [*paths, tmp_path / "s.csv", tmp_path / "s.xlsx"]:
        with pytest.raises(ImportRefusedError, match=f"{path.name} has more than 20 rows"):
            prepare_import(path, "displacement_sites", country_path=COUNTRY, limits=limits)
    ok = prepare_import(
        tmp_path / "s.csv",
        "displacement_sites",
        country_path=COUNTRY,
        limits=ImportLimits(max_rows=21),
    )
    assert len(ok.frame) == 21


def test_the_byte_limit_comes_from_the_settings(tmp_path):
    path = _filled_down(tmp_path / "big.csv", 2_000)
    with pytest.raises(ImportRefusedError, match="big.csv is 0.2 MB; the limit is 0 MB"):
        prepare_import(
            path, "displacement_sites", country_path=COUNTRY, limits=ImportLimits(max_bytes=50_000)
        )


def test_the_time_limit_refuses_a_slow_file(tmp_path):
    path = _filled_down(tmp_path / "slow.csv", 3_000)
    with pytest.raises(ImportRefusedError, match="slow.csv took longer than 0 s"):
        prepare_import(
            path, "displacement_sites", country_path=COUNTRY, limits=ImportLimits(max_seconds=0.001)
        )
