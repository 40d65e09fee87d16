"""Files are checked before anything parses them: size, kind, archives, text encodings."""

from __future__ import annotations

import io
import zipfile

import pytest

from eoc.io import safety
from eoc.io.importer import prepare_import
from eoc.io.safety import ImportRefusedError, check_zip, decode_text, detect_format
from tests.io.conftest import COUNTRY

CYRILLIC = "название,район\nШкола №3,Шугнанский район\nҚалъаи Хумб,Дарвоз\n"


def test_files_over_the_size_limit_are_refused(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 100)
    assert safety.check_size(path, max_bytes=10_000) == 404
    with pytest.raises(ImportRefusedError, match="the limit is"):
        safety.check_size(path, max_bytes=100)
    assert safety.MAX_FILE_BYTES == 50 * 1024 * 1024


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("sites.exe", b"MZ\x90\x00", "not accepted"),
        ("sites.shp", b"\x00\x00\x27\x0a", "not accepted"),
        ("sites.gpkg", b"not a database at all", "does not contain what its name says"),
        ("sites.xlsx", b"a,b\n1,2\n", "does not contain what its name says"),
        ("sites.zip", b"SQLite format 3\x00" + b"\x00" * 100, "does not contain"),
        ("sites.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "does not contain"),
        ("sites.geojson", b"<html>hello</html>", "does not contain"),
        ("sites.kml", b'{"type": "FeatureCollection"}', "does not contain"),
        ("", b"a,b", "not accepted"),
    ],
)
def test_only_listed_formats_whose_bytes_agree_are_opened(tmp_path, name, content, message):
    path = tmp_path / (name or "noext")
    path.write_bytes(content)
    with pytest.raises(ImportRefusedError, match=message):
        detect_format(path)


def _zip(path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize(
    "name", ["../evil.shp", "a/../../evil.shp", "/etc/passwd", "C:/x.shp", "a\\..\\b.shp"]
)
def test_zip_entries_that_climb_out_are_refused_before_extraction(tmp_path, name):
    path = _zip(tmp_path / "x.zip", {name: b"x", "ok.shp": b"x"})
    with pytest.raises(ImportRefusedError, match="points outside the archive"):
        check_zip(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.zip"]  # nothing extracted


def test_decompression_bombs_are_refused(tmp_path, monkeypatch):
    bomb = _zip(tmp_path / "bomb.zip", {"sites.shp": b"\x00" * (20 * 1024 * 1024)})
    assert bomb.stat().st_size < 100_000
    with pytest.raises(ImportRefusedError, match="compressed suspiciously well"):
        check_zip(bomb)
    monkeypatch.setattr(safety, "ZIP_MAX_TOTAL_BYTES", 1000)
    honest = _zip(tmp_path / "big.zip", {"a.shp": bytes(range(256)) * 8}, zipfile.ZIP_STORED)
    with pytest.raises(ImportRefusedError, match="would unpack to more than"):
        check_zip(honest)


def test_a_member_larger_than_it_claims_is_cut_off(tmp_path):
    path = _zip(tmp_path / "liar.zip", {"a.dbf": b"x" * 5000}, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    # Make the central directory claim 10 bytes; the data stays 5000.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(ImportRefusedError):
        safety.extract_members(path, ["a.dbf"], target)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("utf-16-le", "utf-16-le"),
        ("cp1251", "cp1251"),
    ],
)
def test_cyrillic_text_is_read_in_every_common_encoding(encoding, expected):
    text = CYRILLIC if encoding != "cp1251" else CYRILLIC.replace("Қ", "К")  # no Қ in CP1251
    decoded = decode_text(text.encode(encoding), name="x.csv")
    assert decoded.text == text
    assert decoded.encoding == expected


@pytest.mark.parametrize(
    "data",
    [
        "café,Zürich\n".encode("cp1252"),  # Western European: 'cafй' if read as CP1251
        "名前\n".encode("gb18030"),
        b"\xff\xfe\x00",  # a UTF-16 BOM and a broken code unit
        b"abc\x00\x01\x02def",
    ],
)
def test_text_that_would_be_garbled_is_refused(data):
    with pytest.raises(ImportRefusedError):
        decode_text(data, name="x.csv")


def test_a_cp1251_csv_imports_with_its_cyrillic_intact(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_bytes("name,lat,lon\nЛагерь у реки,38.5,68.7\n".encode("cp1251"))
    prepared = prepare_import(path, "displacement_sites", country_path=COUNTRY)
    assert prepared.frame["name"].tolist() == ["Лагерь у реки"]


def test_kml_with_entity_declarations_is_refused(tmp_path):
    path = tmp_path / "bomb.kml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa">]>'
        "<kml><Document><Placemark><name>&a;</name></Placemark></Document></kml>"
    )
    with pytest.raises(ImportRefusedError, match="ENTITY"):
        prepare_import(path, "displacement_sites", country_path=COUNTRY)


def test_a_truncated_zip_is_a_message(tmp_path):
    whole = io.BytesIO()
    with zipfile.ZipFile(whole, "w") as zf:
        zf.writestr("sites.shp", b"x" * 1000)
    path = tmp_path / "cut.zip"
    path.write_bytes(whole.getvalue()[:60])
    with pytest.raises(ImportRefusedError, match="not a readable zip archive"):
        prepare_import(path, "displacement_sites", country_path=COUNTRY)
