"""Fixtures for tests that run the same behaviour on both store backends."""

from __future__ import annotations

import os
import secrets
from urllib.parse import urlsplit, urlunsplit

import pytest

from eoc.store import GeoPackageStore

SERVER = os.environ.get("EOC_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="module")
def pg_test_database():
    """A throwaway database on the local PostgreSQL server (skipped if there is none)."""
    psycopg = pytest.importorskip("psycopg")
    from psycopg import sql

    try:
        con = psycopg.connect(SERVER, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at {SERVER}: {exc}")
    name = f"eoc_test_{secrets.token_hex(4)}"
    with con:
        con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(SERVER)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(SERVER, autocommit=True) as con:
            con.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(params=["geopackage", "postgis"])
def empty_store(request, tmp_path):
    """A store not yet built, on each backend: a GeoPackage path, then a PostGIS schema."""
    if request.param == "geopackage":
        return GeoPackageStore(tmp_path / "eoc.gpkg")
    from eoc.store.postgis import PostGISStore

    database = request.getfixturevalue("pg_test_database")
    return PostGISStore(f"{database}?schema=t_{secrets.token_hex(4)}")
