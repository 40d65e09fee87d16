"""Property: any malformed file is refused with a message; nothing crashes, nothing is written."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eoc.errors import EocError
from eoc.io.importer import apply_import, prepare_import
from tests.io.conftest import COUNTRY

SUFFIXES = (".csv", ".geojson", ".json", ".kml", ".zip", ".xlsx", ".gpkg", ".txt")
VALID_GEOJSON = json.dumps(
    {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"site_id": "TJ-X-1", "name": "Школа", "individuals": 10},
                "geometry": {"type": "Point", "coordinates": [68.78, 38.56]},
            }
        ],
    },
    ensure_ascii=False,
).encode("utf-8")
VALID_CSV = "site_id,name,lat,lon,individuals\nTJ-X-1,Школа,38.56,68.78,10\n".encode()


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


VALID_ZIP = _zip_bytes({"sites.shp": b"\x00\x00\x27\x0a" + b"\x00" * 96, "sites.dbf": b"\x03"})


def _mutated(base: bytes):
    """Truncations, byte flips and insertions of a valid file."""
    return st.one_of(
        st.integers(0, len(base)).map(lambda n: base[:n]),
        st.tuples(st.integers(0, len(base) - 1), st.integers(0, 255)).map(
            lambda t: base[: t[0]] + bytes([t[1]]) + base[t[0] + 1 :]
        ),
        st.tuples(st.integers(0, len(base)), st.binary(max_size=20)).map(
            lambda t: base[: t[0]] + t[1] + base[t[0] :]
        ),
    )


files = st.one_of(
    st.tuples(st.sampled_from(SUFFIXES), st.binary(max_size=2000)),
    st.tuples(st.sampled_from((".geojson", ".json")), _mutated(VALID_GEOJSON)),
    st.tuples(st.sampled_from((".csv", ".txt")), _mutated(VALID_CSV)),
    st.tuples(st.sampled_from((".zip", ".xlsx")), _mutated(VALID_ZIP)),
    st.tuples(st.just(".csv"), st.text(max_size=500).map(lambda t: t.encode("utf-8"))),
    st.tuples(
        st.just(".geojson"),
        st.recursive(
            st.none() | st.booleans() | st.floats() | st.text(max_size=10),
            lambda kids: (
                st.lists(kids, max_size=4)
                | st.dictionaries(st.sampled_from(["type", "features", "geometry", "x"]), kids)
            ),
            max_leaves=20,
        ).map(lambda doc: json.dumps(doc).encode()),
    ),
)

RESULTS: dict[str, int] = {"refused": 0, "rejected": 0, "imported": 0}


@pytest.fixture(scope="module")
def malformed_store(seed_store, tmp_path_factory):
    import shutil

    from eoc.store import GeoPackageStore

    store = GeoPackageStore(tmp_path_factory.mktemp("malformed") / "eoc.gpkg")
    shutil.copyfile(seed_store.path, store.path)
    return store


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=files)
def test_malformed_files_are_refused_with_a_message_and_write_nothing(
    malformed_store, tmp_path_factory, case
):
    suffix, data = case
    folder = Path(tmp_path_factory.mktemp("case", numbered=True))
    path = folder / f"upload{suffix}"
    path.write_bytes(data)
    version = malformed_store.version()
    now = datetime(2026, 11, 23, tzinfo=UTC)
    try:
        prepared = prepare_import(path, "displacement_sites", country_path=COUNTRY)
        apply_import(
            malformed_store, prepared, mode="upsert", user="t", role=None, reason="fuzz", now=now
        )
    except EocError as exc:
        message = exc.render() if hasattr(exc, "render") else str(exc)
        assert message.strip(), "a refusal must say why"
        RESULTS["refused"] += 1
    else:  # a mutation can leave a file valid; then it must have been one transaction
        assert malformed_store.version() == version + 1
        RESULTS["imported"] += 1
        return
    assert malformed_store.version() == version


def test_report_the_fuzzing_figures():
    print(f"\nmalformed-file property test: {RESULTS}")
