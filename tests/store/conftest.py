"""Fixtures for tests that run the same behaviour on both store backends."""

from __future__ import annotations

import pytest

from eoc.store import GeoPackageStore
from tests.conftest import pg_schema_url


@pytest.fixture(params=["geopackage", "postgis"])
def empty_store(request, tmp_path):
    """A store not yet built, on each backend: a GeoPackage path, then a PostGIS schema."""
    if request.param == "geopackage":
        return GeoPackageStore(tmp_path / "eoc.gpkg")
    from eoc.store.postgis import PostGISStore

    database = request.getfixturevalue("pg_database")
    return PostGISStore(pg_schema_url(database, "t"))
