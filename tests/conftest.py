"""Shared fixtures: the real seed built once into a real GeoPackage per test session."""

from __future__ import annotations

import os
import secrets
import shutil
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from eoc.config import DEFAULT_SEED_DIR, PROJECT_DIR, Settings
from eoc.store import GeoPackageStore
from eoc.store.seed import build_from_seed, load_seed

SEED_DIR = DEFAULT_SEED_DIR
SEED_TIME = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
# The local PostgreSQL + PostGIS server the PostGIS store's tests use.
PG_SERVER = os.environ.get("EOC_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def pg_database():
    """The URL of a throwaway PostgreSQL database for the whole run, dropped at the end.

    Each test isolates itself in a schema of its own (`pg_schema_url`). Skipped only when
    no PostgreSQL server answers."""
    psycopg = pytest.importorskip("psycopg")
    from psycopg import sql

    try:
        con = psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at {PG_SERVER}: {exc}")
    name = f"eoc_test_{secrets.token_hex(4)}"
    with con:
        con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(PG_SERVER)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(PG_SERVER, autocommit=True) as con:
            con.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


GRID_COPIES = PROJECT_DIR / "data" / "rasters"
_GRIDS_BEFORE = pytest.StashKey[set]()
BROWSER_TESTS = "tests/browser/"  # every test that drives Chromium lives here


def _grid_folders() -> set[Path]:
    return set(GRID_COPIES.iterdir()) if GRID_COPIES.is_dir() else set()


def pytest_configure(config):
    """A PostGIS store built from the seed copies its grid file to data/rasters/<schema>/
    (eoc/io/raster.py grid_folder): note what is there before the run (in the controller,
    before any pytest-xdist worker starts) to remove only what the run made at its end."""
    if not hasattr(config, "workerinput"):
        config.stash[_GRIDS_BEFORE] = _grid_folders()
        return
    # In an xdist worker: dash[testing] numbers its servers' ports from 58050 in each
    # process; workers count from ports of their own so two browser tests never collide.
    from dash.testing.application_runners import BaseDashRunner

    worker = int(config.workerinput["workerid"].removeprefix("gw"))
    BaseDashRunner._next_port = 58050 + 1000 * (worker + 1)


def pytest_xdist_make_scheduler(config, log):
    """Which xdist worker runs what (`--dist loadfile`): each file whole on one worker (its
    module fixtures built once, its tests in order), and every browser test on one worker,
    one file after another: two Chromiums drawing WebGL at once on this 2-core machine timed
    waits out. (xdist's own `loadgroup` marks do nothing under pytest 9: xdist 3.8 renames
    `item._nodeid`, which pytest 9 no longer reads.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class BrowserTestsTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return BROWSER_TESTS if path.startswith(BROWSER_TESTS) else path

    return BrowserTestsTogether(config, log)


def pytest_unconfigure(config):
    for made in _grid_folders() - config.stash.get(_GRIDS_BEFORE, _grid_folders()):
        shutil.rmtree(made, ignore_errors=True)


def pg_schema_url(database: str, prefix: str = "t") -> str:
    """A PostGIS store location in a new schema of `database` (a store of its own)."""
    return f"{database}?schema={prefix}_{secrets.token_hex(4)}"


@pytest.fixture(scope="session")
def seed_frames():
    """Every seed layer, validated and typed (read once per session; do not mutate)."""
    return load_seed(SEED_DIR)


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory) -> GeoPackageStore:
    """A real GeoPackage store built from the seed (shared: tests must not write to it)."""
    store = GeoPackageStore(tmp_path_factory.mktemp("store") / "seed.gpkg")
    build_from_seed(store, SEED_DIR, now=SEED_TIME)
    return store


TEST_SECRET_KEY = "test-secret-key-" + "0" * 32


def settings_for(store, **overrides) -> Settings:
    """Settings for an app over `store` in a test (a fixed key: no key file is written)."""
    return Settings(**{"store": store.location, "secret_key": TEST_SECRET_KEY, **overrides})


STAFF_PASSWORD = "correct horse battery staple"
STAFF = {"admin": "admin1", "duty_officer": "duty1", "cccm": "cccm1", "viewer": "viewer1"}


def add_staff(store) -> None:
    """One user per role in `store` (names STAFF, password STAFF_PASSWORD)."""
    from eoc.auth import create_user

    for role, name in STAFF.items():
        create_user(store, name, role=role, password=STAFF_PASSWORD, now=SEED_TIME)


def copy_geopackage(store: GeoPackageStore, path: Path) -> GeoPackageStore:
    """A copy of GeoPackage `store` at `path`, with its grid files (a store of its own)."""
    from eoc.io.raster import copy_grid_files

    copy = GeoPackageStore(path)
    shutil.copyfile(store.path, copy.path)
    copy_grid_files(store, copy)
    return copy


@pytest.fixture(scope="session")
def staff_store(seed_store, tmp_path_factory) -> GeoPackageStore:
    """A copy of the seed store with one user per role (password STAFF_PASSWORD)."""
    store = copy_geopackage(seed_store, tmp_path_factory.mktemp("staff") / "staff.gpkg")
    add_staff(store)
    return store


@pytest.fixture(scope="session")
def pg_staff_template(pg_database):
    """The staff store on PostGIS, alone in a database no test opens: the template that
    `copy_pg_template` copies (CREATE DATABASE … TEMPLATE, ~0.2 s) for each writable copy."""
    from eoc.store.postgis import PostGISStore

    database = f"{urlsplit(pg_database).path.lstrip('/')}_staff"
    _create_database(database)
    url = f"{_database_url(database)}?schema=staff_{secrets.token_hex(4)}"
    store = PostGISStore(url)
    build_from_seed(store, SEED_DIR, now=SEED_TIME)
    add_staff(store)
    store.sql.engine.dispose()  # a template database must have no session open
    yield url
    _drop_database(database)


def copy_pg_template(template_url: str):
    """A new PostGIS store: a copy of the database at `template_url`, same schema."""
    from eoc.store.postgis import PostGISStore

    parts = urlsplit(template_url)
    source = parts.path.lstrip("/")
    copy = f"{source}_{secrets.token_hex(4)}"
    _create_database(copy, template=source)
    return PostGISStore(urlunsplit(parts._replace(path=f"/{copy}")))


def drop_pg_copy(store) -> None:
    """Remove a store `copy_pg_template` made."""
    store.sql.engine.dispose()
    _drop_database(urlsplit(store.location).path.lstrip("/"))


def _database_url(name: str) -> str:
    return urlunsplit(urlsplit(PG_SERVER)._replace(path=f"/{name}"))


def _create_database(name: str, *, template: str | None = None) -> None:
    import psycopg
    from psycopg import sql

    query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        query = sql.SQL("{} TEMPLATE {}").format(query, sql.Identifier(template))
    with psycopg.connect(PG_SERVER, autocommit=True) as con:
        con.execute(query)


def _drop_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(PG_SERVER, autocommit=True) as con:
        con.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def pg_staff_store(pg_staff_template):
    """`staff_store` on PostGIS (shared: tests must not write to it)."""
    store = copy_pg_template(pg_staff_template)
    yield store
    drop_pg_copy(store)


BACKENDS = ("geopackage", "postgis")


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request) -> str:
    """Each store backend in turn, for a whole test module."""
    return request.param


@pytest.fixture(scope="module")
def each_staff_store(request, backend):
    """The staff store on each backend in turn (shared: tests must not write to it)."""
    return request.getfixturevalue("staff_store" if backend == "geopackage" else "pg_staff_store")


def staff_copy(request, backend: str, folder: Path):
    """A writable copy of the staff store on `backend`, a store of the requesting fixture's
    own: a file in `folder`, or a PostgreSQL database dropped when that fixture ends."""
    if backend == "geopackage":
        return copy_geopackage(request.getfixturevalue("staff_store"), folder / "staff.gpkg")
    store = copy_pg_template(request.getfixturevalue("pg_staff_template"))
    request.addfinalizer(lambda: drop_pg_copy(store))
    return store


@contextmanager
def signed_in(app, role: str | None):
    """A request context of `app` in which a user of `role` is signed in (None: anonymous)."""
    from flask_login import login_user

    from eoc.auth import User

    with app.server.test_request_context():
        if role is not None:
            login_user(User(STAFF.get(role, role), role))
        yield


def find_component(component, component_id: str):
    """The component with `component_id` in a layout tree, or None."""
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found = find_component(child, component_id)
            if found is not None:
                return found
    return None


def incident_form_token(app, role: str = "duty_officer") -> dict:
    """The write token the operations page issues with its incident form to `role`'s user."""
    from eoc.web import ids
    from eoc.web.pages import operations

    with signed_in(app, role):
        return find_component(operations.layout(), ids.INC_TOKEN).data


@pytest.fixture
def fresh_store(tmp_path: Path) -> GeoPackageStore:
    """A store path in a fresh folder, not built yet."""
    return GeoPackageStore(tmp_path / "eoc.gpkg")


# Chromium flags for dash[testing]'s `dash_duo` (see TECH-NOTES): Debian's chromium, headless,
# WebGL through SwiftShader for MapLibre, and every host but localhost unresolvable so a test
# proves the page needs no network.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--disable-component-update",
    "--no-first-run",
    "--window-size=1400,900",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
)


def pytest_setup_options():
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = CHROMIUM
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return options
