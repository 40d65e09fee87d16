"""Stores for the sign-in tests: a real GeoPackage, and a real PostGIS when a server answers."""

from __future__ import annotations

import shutil

import pytest

from eoc.auth import create_user
from eoc.store import GeoPackageStore
from tests.conftest import SEED_TIME, STAFF, STAFF_PASSWORD, pg_schema_url

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


@pytest.fixture
def pg_store(pg_database, seed_frames):
    """A PostGIS store (the layers the operations page reads) with the accounts."""
    import layers
    from eoc.store.postgis import PostGISStore

    store = PostGISStore(pg_schema_url(pg_database, "a"))
    names = ("places", "regions", "districts", *layers.OPERATIONAL)
    store.replace_all({n: seed_frames[n] for n in names}, now=SEED_TIME)
    add_accounts(store)
    return store


@pytest.fixture(params=["geopackage", "postgis"])
def any_store(request):
    """Each backend in turn: the throttle and sessions are one body of SQL for both."""
    return request.getfixturevalue("gpkg_store" if request.param == "geopackage" else "pg_store")
