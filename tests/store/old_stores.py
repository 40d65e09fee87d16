"""The stores built by the release before schema versions (tests/data/upgrade), opened for a test.

`old_geopackage` copies the committed .gpkg; `old_postgis` loads the committed pg_dump into a
throwaway database. Both hold seed layers, two users, a site edit, an incident import and a
published report written by that release (tests/data/upgrade/make_fixtures.py).
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

from eoc.store import open_store

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "upgrade"


def old_geopackage(folder: Path):
    path = folder / "old_store.gpkg"
    shutil.copy(FIXTURES / "old_store.gpkg", path)
    return open_store(str(path))


@pytest.fixture(scope="module")
def database(pg_database):
    """The run's throwaway PostgreSQL database (tests/conftest.py), with PostGIS."""
    import psycopg

    with psycopg.connect(pg_database, autocommit=True) as db:
        db.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return pg_database  # an upgrade's grid copies go at the run's end (tests/conftest.py)


def old_postgis(database: str):
    """The old release's PostGIS store, loaded from its dump into a schema of its own."""
    schema = f"old_{secrets.token_hex(4)}"
    dump = (FIXTURES / "old_store_postgis.sql").read_text()
    # The dump names its schema `eoc`; each test gets its own copy under another name.
    dump = dump.replace("eoc.", f"{schema}.").replace("SCHEMA eoc;", f"SCHEMA {schema};")
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", database],
        input=dump,
        text=True,
        check=True,
        capture_output=True,
    )
    return open_store(f"{database}?schema={schema}")
