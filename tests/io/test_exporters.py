"""Exports partners read (QGIS, HDX/libhxl, GeoJSON) and that import back unchanged."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess

import geopandas as gpd
import hxl
import pytest
from geopandas.testing import assert_geodataframe_equal

import layers
from eoc.cli import main
from eoc.errors import PublicationError
from eoc.io.exporters import EXPORT_FORMATS, SUFFIXES, export_layer
from eoc.io.importer import apply_import, prepare_import
from tests.io.conftest import COUNTRY, NOW

ROUND_TRIP_LAYERS = (*layers.OPERATIONAL, "places", "roads")


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
@pytest.mark.parametrize("layer", ROUND_TRIP_LAYERS)
def test_export_then_import_gives_back_the_same_features_and_values(
    seed_store, store, tmp_path, fmt, layer
):
    spec = layers.get(layer)
    out = tmp_path / f"{layer}{SUFFIXES[fmt]}"
    result = export_layer(seed_store, layer, fmt=fmt, out=out)
    original = seed_store.read_layer(layer)
    assert result.rows == len(original) and result.version == seed_store.version()
    prepared = prepare_import(out, layer, country_path=COUNTRY)
    assert prepared.problems == [], [prepared.describe(p) for p in prepared.problems[:5]]
    assert prepared.notices == []
    apply_import(store, prepared, mode="replace", user="t", role=None, reason="round trip", now=NOW)
    back = store.read_layer(layer)
    columns = [*spec.field_names, "geometry"]
    expected = original[columns].set_geometry(original.geometry.normalize())
    actual = back[columns].set_geometry(back.geometry.normalize())
    assert_geodataframe_equal(actual, expected, check_less_precise=True)  # 1e-6 degrees


def test_the_hxl_csv_parses_with_libhxl(seed_store, tmp_path):
    out = export_layer(seed_store, "displacement_sites", fmt="hxl", out=tmp_path / "s.csv").path
    data = hxl.data(str(out), hxl.InputOptions(allow_local=True))
    tags = data.display_tags
    for tag in ("#loc+code", "#loc+name", "#adm1+code", "#adm2+name", "#affected+idps+ind"):
        assert tag in tags
    assert (tags[7], tags[-2], tags[-1]) == ("#capacity", "#geo+lat", "#geo+lon")
    rows = list(data)
    assert len(rows) == 51
    first = rows[0]
    assert first.get("#loc+code") == "TJ-DS-0001"
    assert first.get("#adm1+code") == "TJ-GB"
    assert int(first.get("#affected+idps+ind")) == 420
    assert float(first.get("#geo+lat")) == pytest.approx(37.49385)
    assert float(first.get("#geo+lon")) == pytest.approx(71.56027)


def test_the_checkpoint_spellings_carry_hxl_language_attributes(seed_store, tmp_path):
    out = export_layer(seed_store, "border_checkpoints", fmt="hxl", out=tmp_path / "c.csv").path
    data = hxl.data(str(out), hxl.InputOptions(allow_local=True))
    assert {"#loc+name", "#loc+name+i_tg", "#loc+name+i_ru"} <= set(data.display_tags)
    first = next(iter(data))
    assert first.get("#loc+name+i_tg") == "Панҷи Поён"
    assert first.get("#loc+name+i_ru") == "Нижний Пяндж"


def test_the_geopackage_export_is_listed_by_ogrinfo(seed_store, tmp_path):
    out = export_layer(seed_store, "hazard_zones", fmt="gpkg", out=tmp_path / "z.gpkg").path
    if shutil.which("ogrinfo") is None:
        pytest.skip("ogrinfo (GDAL command line) is not installed")
    listing = subprocess.run(
        ["ogrinfo", "-so", "-al", str(out)], capture_output=True, text=True, check=True
    ).stdout
    assert "Layer name: hazard_zones" in listing
    assert f"Feature Count: {len(seed_store.read_layer('hazard_zones'))}" in listing
    assert "EPSG" in listing and "4326" in listing


def test_the_geojson_export_follows_rfc_7946(seed_store, tmp_path):
    out = export_layer(seed_store, "hazard_zones", fmt="geojson", out=tmp_path / "z.geojson").path
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["type"] == "FeatureCollection" and "crs" not in document
    first = document["features"][0]["geometry"]["coordinates"]
    while isinstance(first[0], list):
        first = first[0]
    assert 67 < first[0] < 76 and 36 < first[1] < 42  # longitude first


def test_public_exports_drop_sensitive_rows_and_fields(seed_store, tmp_path):
    sites = seed_store.read_layer("displacement_sites")
    sensitive = sites[sites["sensitive"]]
    assert len(sensitive) > 0
    for fmt in EXPORT_FORMATS:
        out = tmp_path / f"public{SUFFIXES[fmt]}"
        result = export_layer(seed_store, "displacement_sites", fmt=fmt, out=out, public=True)
        assert result.rows == len(sites) - len(sensitive)
        text = out.read_bytes()
        for name in sensitive["name"]:
            assert name.encode() not in text
        if fmt == "hxl":
            header = next(csv.reader(out.open(encoding="utf-8")))
            assert "site_id" not in header and "sensitive" not in header
        else:
            public = gpd.read_file(out)
            assert set(public.columns) - {"geometry"} <= set(
                layers.get("displacement_sites").public_fields
            )


def test_public_export_of_an_unpublished_layer_is_refused(seed_store, tmp_path):
    with pytest.raises(PublicationError, match="not published"):
        export_layer(
            seed_store, "incidents", fmt="geojson", out=tmp_path / "i.geojson", public=True
        )
    assert not (tmp_path / "i.geojson").exists()


def test_the_cli_exports(seed_store, tmp_path, capsys):
    out = tmp_path / "sites.csv"
    args = ["export", "displacement_sites", "--format", "hxl", "--out", str(out)]
    assert main([*args, "--store", str(seed_store.path)]) == 0
    assert "51 rows of displacement_sites written to" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("#loc+code,#loc+name")


def test_a_repeated_id_is_refused_even_where_the_spec_does_not_require_unique_ids(tmp_path):
    # The store matches rows by id: the second "Syr Darya" would silently replace the first.
    out = tmp_path / "rivers.geojson"
    gpd.read_file(COUNTRY.with_name("tj_rivers.geojson")).to_file(out)
    prepared = prepare_import(out, "rivers", country_path=COUNTRY)
    assert {p.feature_id for p in prepared.problems} == {"Syr Darya"}
    assert "is used by more than one row (1, 2)" in prepared.describe(prepared.problems[0])
