"""Stores for the sign-in tests: a real GeoPackage, and a real PostGIS when a server answers."""

from __future__ import annotations

import os
import secrets
import shutil
from urllib.parse import urlsplit, urlunsplit

import pytest

from eoc.auth import create_user
from eoc.store import GeoPackageStore
from tests.conftest import SEED_TIME, STAFF, STAFF_PASSWORD

SERVER = os.environ.get("EOC_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
# Accounts in every store these tests use; the attacker's own account is "mallory".
ACCOUNTS = {**{name: role for role, name in STAFF.items()}, "mallory": "viewer"}


def add_accounts(store) -> None:
    for name, role in ACCOUNTS.items():
        create_user(store, name, role=role, password=STAFF_PASSWORD, now=SEED_TIME)


@pytest.fixture(scope="session")
def _gpkg_template(seed_store, tmp_path_factory) -> GeoPackageStore:
    store = GeoPackageStore(tmp_path_factory.mktemp("auth") / "template.gpkg")
    shutil.copyfile(seed_store.path, store.path)
    add_accounts(store)
    return store


@pytest.fixture
def gpkg_store(_gpkg_template, tmp_path) -> GeoPackageStore:
    """A GeoPackage store of the seed with the accounts, for this test alone."""
    store = GeoPackageStore(tmp_path / "eoc.gpkg")
    shutil.copyfile(_gpkg_template.path, store.path)
    return store


@pytest.fixture(scope="session")
def pg_database():
    """A throwaway PostgreSQL database, dropped at the end (skipped if no server answers)."""
    psycopg = pytest.importorskip("psycopg")
    from psycopg import sql

    try:
        con = psycopg.connect(SERVER, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at {SERVER}: {exc}")
    name = f"eoc_test_auth_{secrets.token_hex(4)}"
    with con:
        con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(SERVER)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(SERVER, autocommit=True) as con:
            con.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def pg_store(pg_database, seed_frames):
    """A PostGIS store (the layers the operations page reads) with the accounts."""
    import layers
    from eoc.store.postgis import PostGISStore

    store = PostGISStore(f"{pg_database}?schema=a_{secrets.token_hex(4)}")
    names = ("places", "regions", "districts", *layers.OPERATIONAL)
    store.replace_all({n: seed_frames[n] for n in names}, now=SEED_TIME)
    add_accounts(store)
    return store


@pytest.fixture(params=["geopackage", "postgis"])
def any_store(request):
    """Each backend in turn: the throttle and sessions are one body of SQL for both."""
    return request.getfixturevalue("gpkg_store" if request.param == "geopackage" else "pg_store")
