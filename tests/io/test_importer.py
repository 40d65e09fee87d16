"""Imports of every accepted format: what lands in the store, and what is refused and why."""

from __future__ import annotations

import zipfile
from datetime import date

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

from eoc.cli import main
from eoc.errors import EocError
from eoc.io.importer import ImportValidationError, apply_import, prepare_import
from eoc.io.safety import ImportRefusedError
from tests.io.conftest import COUNTRY, NOW, site_table, three_sites

# A DTM-style site list: Russian headers, an HXL tag row under them, Cyrillic names, labels
# instead of codes ("Collective centre", "Открыт"?) and yes/no words in Russian.
DTM_HEADER = [
    "Код места",
    "Название места",
    "Тип",
    "Область (код)",
    "Район",
    "Домохозяйства",
    "Человек",
    "Вместимость",
    "Статус",
    "Управляющая организация",
    "Дата оценки",
    "Конфиденциально",
    "Широта",
    "Долгота",
    "Комментарий",
]
DTM_TAGS = [
    "#loc+code",
    "#loc+name",
    "#loc+type",
    "#adm1+code",
    "#adm2+name",
    "#affected+hh+idps",
    "#affected+ind+idps",
    "#capacity",
    "#status",
    "#org+impl",
    "#date+assessed",
    "#meta+sensitive",
    "#geo+lat",
    "#geo+lon",
    "#description",
]
DTM_ROWS = [
    ["TJ-DTM-001", "Школа №3, Хорог", "Collective centre", "TJ-GB", "Шугнанский район",
     84, 420, 350, "Open", "Хукумат Шугнанского района", date(2026, 11, 19), "нет",
     37.49385, 71.56027, "после оползня"],
    ["TJ-DTM-002", "Палаточный лагерь Рушан", "planned_site", "TJ-GB", "Рушанский район",
     30, 152, 200, "open", "КЧС", date(2026, 11, 20), "нет", 37.9441, 71.5533, ""],
    ["TJ-DTM-003", "Убежище (закрытый адрес)", "protection_shelter", "TJ-DU", "Душанбе",
     None, 12, 20, "open", "НПО", None, "да", 38.5598, 68.787, ""],
]  # fmt: skip


def _xlsx(path, header, tags, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sites"
    sheet.append(header)
    if tags:
        sheet.append(tags)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_a_dtm_style_xlsx_with_cyrillic_names_and_an_hxl_row_imports(store, tmp_path):
    path = _xlsx(tmp_path / "dtm_round5.xlsx", DTM_HEADER, DTM_TAGS, DTM_ROWS)
    prepared = prepare_import(path, "displacement_sites", country_path=COUNTRY)
    assert prepared.problems == []
    result = apply_import(
        store, prepared, mode="upsert", user="cccm1", role="cccm", reason="DTM", now=NOW
    )
    assert result.imported == 3
    sites = store.read_layer("displacement_sites").set_index("site_id")
    assert len(sites) == 51 + 3
    first = sites.loc["TJ-DTM-001"]
    assert first["name"] == "Школа №3, Хорог"
    assert first["adm2_name"] == "Шугнанский район"
    assert first["site_type"] == "collective_centre" and first["status"] == "open"
    assert (first["households"], first["individuals"], first["capacity"]) == (84, 420, 350)
    assert first["managing_agency"] == "Хукумат Шугнанского района"
    assert str(first["last_assessment"])[:10] == "2026-11-19"
    assert first.geometry.equals_exact(shapely.Point(71.56027, 37.49385), 1e-9)
    assert bool(sites.loc["TJ-DTM-003", "sensitive"]) is True
    assert pd.isna(sites.loc["TJ-DTM-003", "households"])
    assert "Комментарий" in " ".join(
        prepared.notes
    )  # unused columns are named, not dropped silently


def test_tags_alone_as_the_header_are_enough(store, tmp_path):
    path = _xlsx(tmp_path / "hdx.xlsx", DTM_TAGS, None, DTM_ROWS)
    prepared = prepare_import(path, "displacement_sites", country_path=COUNTRY)
    assert prepared.problems == []
    assert prepared.frame["individuals"].tolist() == [420, 152, 12]


@pytest.mark.parametrize(("epsg", "zip_name"), [(28412, "sites_gk12.zip"), (28413, "gk13.zip")])
def test_a_zipped_shapefile_in_pulkovo_gauss_kruger_imports_within_a_metre(
    store, seed_sites, tmp_path, epsg, zip_name
):
    sites = three_sites(seed_sites)
    folder = tmp_path / "shp"
    folder.mkdir()
    sites.to_crs(epsg).to_file(folder / "sites.shp", engine="pyogrio")
    archive = tmp_path / zip_name
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in folder.iterdir():
            zf.write(part, f"export/{part.name}")
    prepared = prepare_import(archive, "displacement_sites", country_path=COUNTRY)
    assert prepared.problems == [], [prepared.describe(p) for p in prepared.problems]
    assert prepared.source_crs.to_epsg() == epsg
    apply_import(store, prepared, mode="upsert", user="t", role=None, reason="shp", now=NOW)
    back = store.read_layer("displacement_sites").set_index("site_id").loc[sites["site_id"]]
    metric = gpd.GeoSeries(back.geometry.to_numpy(), crs=4326).to_crs(32642)
    expected = sites.geometry.to_crs(32642)
    assert metric.distance(expected, align=False).max() < 1.0
    # Field names the DBF cut to 10 characters still find their field.
    assert back["individuals"].tolist() == sites["individuals"].tolist()
    assert back["managing_agency"].tolist() == sites["managing_agency"].tolist()


@pytest.mark.parametrize("epsg", [32642, 32643, 28412])
def test_csv_with_projected_coordinates_and_crs_given(seed_sites, tmp_path, epsg):
    sites = three_sites(seed_sites)
    table = pd.DataFrame(site_table(sites))
    projected = sites.geometry.to_crs(epsg)
    table["x"], table["y"] = projected.x.to_numpy(), projected.y.to_numpy()
    table = table.drop(columns=["lat", "lon"])
    path = tmp_path / "sites_utm.csv"
    table.to_csv(path, index=False)
    with pytest.raises(ImportRefusedError, match="--crs"):
        prepare_import(path, "displacement_sites", country_path=COUNTRY)
    prepared = prepare_import(path, "displacement_sites", country_path=COUNTRY, crs=str(epsg))
    assert prepared.problems == []
    moved = prepared.frame.geometry.to_crs(32642).distance(sites.geometry.to_crs(32642))
    assert moved.max() < 1.0


def _kml(path, sites):
    placemarks = "\n".join(
        f"""<Placemark><name>{row.name}</name><ExtendedData>
          <Data name="site_id"><value>{row.site_id}</value></Data>
          <Data name="site_type"><value>{row.site_type}</value></Data>
          <Data name="adm1_iso"><value>{row.adm1_iso}</value></Data>
          <Data name="adm2_name"><value>{row.adm2_name}</value></Data>
          <Data name="individuals"><value>{row.individuals}</value></Data>
          <Data name="capacity"><value>{row.capacity}</value></Data>
          <Data name="status"><value>{row.status}</value></Data>
          <Data name="sensitive"><value>{str(row.sensitive).lower()}</value></Data>
        </ExtendedData>
        <Point><coordinates>{row.geometry.x},{row.geometry.y},0</coordinates></Point>
        </Placemark>"""
        for row in sites.itertuples()
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>sites</name>'
        f"<Folder><name>sites</name>{placemarks}</Folder></Document></kml>",
        encoding="utf-8",
    )
    return path


def test_a_kml_import_works(store, seed_sites, tmp_path):
    sites = three_sites(seed_sites)
    sites.loc[0, "name"] = "Лагерь «Рушан»"
    path = _kml(tmp_path / "sites.kml", sites)
    prepared = prepare_import(path, "displacement_sites", country_path=COUNTRY)
    assert prepared.problems == [], [prepared.describe(p) for p in prepared.problems]
    apply_import(store, prepared, mode="upsert", user="t", role=None, reason="kml", now=NOW)
    back = store.read_layer("displacement_sites").set_index("site_id")
    assert back.loc["TJ-NEW-001", "name"] == "Лагерь «Рушан»"
    assert back.loc["TJ-NEW-002", "individuals"] == sites.loc[1, "individuals"]
    assert back.loc["TJ-NEW-003"].geometry.distance(sites.geometry[2]) < 1e-9


def test_kml_written_by_gdal_imports(seed_sites, tmp_path):
    sites = three_sites(seed_sites)[["site_id", "name", "geometry"]]
    path = tmp_path / "gdal.kml"
    pyogrio.write_dataframe(sites, path, driver="KML")
    prepared = prepare_import(path, "displacement_sites", country_path=COUNTRY)
    assert prepared.frame["name"].tolist() == sites["name"].tolist()
    # The file lacks required fields: named, per field, for the whole layer.
    assert any(p.field == "capacity" and p.row is None for p in prepared.problems)


def _csv_with_bad_row(tmp_path, seed_sites):
    table = pd.DataFrame(site_table(seed_sites.iloc[:5]))
    table.loc[3, "individuals"] = -5
    path = tmp_path / "sites.csv"
    table.to_csv(path, index=False)
    return path


def test_one_bad_row_imports_nothing_and_names_the_row(store, seed_sites, tmp_path):
    path = _csv_with_bad_row(tmp_path, seed_sites)
    before = (store.version(), len(store.read_layer("displacement_sites")))
    prepared = prepare_import(path, "displacement_sites", country_path=COUNTRY)
    with pytest.raises(ImportValidationError) as caught:
        apply_import(store, prepared, mode="replace", user="t", role=None, reason="r", now=NOW)
    message = caught.value.render()
    # Row 5 of the spreadsheet: header row 1, data from row 2, fourth data row.
    assert "row 5 · site TJ-DS-0004 · individuals: individuals -5 is below 0" in message
    assert "nothing was imported" in message
    assert (store.version(), len(store.read_layer("displacement_sites"))) == before


def test_skip_invalid_imports_the_good_rows_and_writes_the_rejects(store, seed_sites, tmp_path):
    path = _csv_with_bad_row(tmp_path, seed_sites)
    prepared = prepare_import(path, "displacement_sites", country_path=COUNTRY)
    result = apply_import(
        store, prepared, mode="replace", skip_invalid=True, user="t", role=None, reason="r", now=NOW
    )
    assert (result.imported, result.rejected) == (4, 1)
    assert result.rejects_path == tmp_path / "sites.csv.rejects.csv"
    rejects = pd.read_csv(result.rejects_path, encoding="utf-8-sig")
    assert rejects["source_row"].tolist() == [5]
    assert "individuals -5 is below 0" in rejects["problems"][0]
    assert rejects["site_id"].tolist() == ["TJ-DS-0004"]
    assert len(store.read_layer("displacement_sites")) == 4 + 2  # the 2 shelters are kept


def test_swapped_latitude_and_longitude_are_pointed_out(seed_sites, tmp_path):
    table = pd.DataFrame(site_table(seed_sites.iloc[:2]))
    lat, lon = table.at[1, "lat"], table.at[1, "lon"]
    table.at[1, "lat"], table.at[1, "lon"] = lon, lat
    table.at[0, "lat"], table.at[0, "lon"] = 48.0, 2.35  # Paris: swapping does not help
    path = tmp_path / "swapped.csv"
    table.to_csv(path, index=False)
    prepared = prepare_import(path, "displacement_sites", country_path=COUNTRY)
    messages = [prepared.describe(p) for p in prepared.problems]
    assert len(messages) == 2
    assert "outside Tajikistan" in messages[0] and "swapped" not in messages[0]
    assert messages[1].startswith("row 3 · site TJ-DS-0002 · geometry:")
    assert "latitude and longitude look swapped" in messages[1]


def test_an_invalid_polygon_is_repaired_and_reported(seed_frames, tmp_path):
    zones = seed_frames["hazard_zones"].iloc[:2].copy()
    minx, miny, maxx, maxy = zones.geometry.iloc[0].bounds
    bowtie = shapely.Polygon([(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy)])
    zones.loc[zones.index[0], "geometry"] = bowtie
    path = tmp_path / "zones.geojson"
    zones.to_file(path)
    prepared = prepare_import(path, "hazard_zones", country_path=COUNTRY)
    assert prepared.problems == []
    assert len(prepared.notices) == 1
    notice = prepared.describe(prepared.notices[0])
    assert notice.startswith("feature 1 · ") and "Self-intersection" in notice
    assert prepared.frame.geometry.iloc[0].is_valid
    # Both triangles of the bow tie are kept (buffer(0) would silently drop one).
    assert prepared.frame.geometry.iloc[0].area == pytest.approx(shapely.make_valid(bowtie).area)
    assert prepared.frame.geometry.iloc[0].area > bowtie.buffer(0).area


def test_duplicate_ids_are_errors_on_every_row_that_has_them(seed_sites, tmp_path):
    table = pd.DataFrame(site_table(seed_sites.iloc[:4]))
    table.loc[2, "site_id"] = table.loc[0, "site_id"]
    path = tmp_path / "dups.csv"
    table.to_csv(path, index=False)
    prepared = prepare_import(path, "displacement_sites", country_path=COUNTRY)
    messages = [prepared.describe(p) for p in prepared.problems]
    assert messages == [
        "row 2 · site TJ-DS-0001 · site_id: site_id TJ-DS-0001 is used by more than one row "
        "(2, 4); ids must be unique",
        "row 4 · site TJ-DS-0001 · site_id: site_id TJ-DS-0001 is used by more than one row "
        "(2, 4); ids must be unique",
    ]


def test_a_geopackage_with_several_layers_needs_one_chosen(seed_frames, tmp_path):
    path = tmp_path / "two.gpkg"
    seed_frames["displacement_sites"].to_file(path, layer="sites_a")
    seed_frames["displacement_sites"].iloc[:2].to_file(path, layer="sites_b")
    with pytest.raises(ImportRefusedError, match="several layers .*sites_a, sites_b.*--layer"):
        prepare_import(path, "displacement_sites", country_path=COUNTRY)
    prepared = prepare_import(
        path, "displacement_sites", country_path=COUNTRY, source_layer="sites_b"
    )
    assert len(prepared.frame) == 2 and prepared.problems == []


def test_explicit_mapping_and_decimal_commas(seed_sites, tmp_path):
    table = pd.DataFrame(site_table(seed_sites.iloc[:2])).rename(
        columns={"individuals": "IDP total", "lat": "N", "lon": "E"}
    )
    table["name"] = ["Лагерь Рушан", "Школа №3"]
    table["N"] = [str(v).replace(".", ",") for v in table["N"]]
    table["E"] = [str(v).replace(".", ",") for v in table["E"]]
    path = tmp_path / "ru.csv"
    table.to_csv(path, index=False, sep=";", encoding="cp1251")
    prepared = prepare_import(
        path,
        "displacement_sites",
        country_path=COUNTRY,
        mapping={"IDP total": "individuals", "N": "lat", "E": "lon"},
    )
    assert prepared.problems == []
    assert prepared.frame["individuals"].tolist() == [str(v) for v in seed_sites["individuals"][:2]]
    assert "text encoding: cp1251" in prepared.notes
    assert prepared.frame["name"].tolist() == ["Лагерь Рушан", "Школа №3"]


def test_the_cli_imports_dry_runs_and_refuses_with_row_numbers(store, seed_sites, tmp_path, capsys):
    good = tmp_path / "good.csv"
    pd.DataFrame(site_table(three_sites(seed_sites))).to_csv(good, index=False)
    args = ["--store", str(store.path)]
    assert main(["import", "displacement_sites", str(good), "--dry-run", *args]) == 0
    assert store.version() == 1
    assert main(["import", "displacement_sites", str(good), "--mode", "upsert", *args]) == 0
    assert "3 rows imported into displacement_sites (upsert); store version 2" in (
        capsys.readouterr().err
    )
    entry = store.audit_log(layer="displacement_sites", limit=1)[0]
    assert entry.action == "import" and entry.reason == "import of good.csv"
    bad = _csv_with_bad_row(tmp_path, seed_sites)
    assert main(["import", "displacement_sites", str(bad), *args]) == 1
    err = capsys.readouterr().err
    assert "row 5 · site TJ-DS-0004 · individuals" in err and "nothing was imported" in err
    assert main(["import", "displacement_sites", str(tmp_path / "none.csv"), *args]) == 1
    assert store.version() == 2


def test_an_unknown_layer_and_a_missing_column_are_plain_errors(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("name,lat,lon\nA,38.5,68.7\n", encoding="utf-8")
    with pytest.raises(EocError, match="unknown layer"):
        prepare_import(path, "no_such_layer", country_path=COUNTRY)
    prepared = prepare_import(path, "displacement_sites", country_path=COUNTRY)
    missing = {p.field for p in prepared.layer_problems}
    assert {"site_id", "individuals", "capacity"} <= missing
    assert not prepared.importable(skip_invalid=True)
