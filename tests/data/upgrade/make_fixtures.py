"""Build the upgrade fixtures with the release BEFORE schema versions (commit 3e3f76f).

Run from a checkout of that commit, with this file's folder as the output:

    git worktree add /tmp/old-release 3e3f76f
    cd /tmp/old-release && PYTHONPATH=$PWD python /path/to/make_fixtures.py OUT_DIR POSTGRES_URL

It writes OUT_DIR/old_store.gpkg and OUT_DIR/old_store_postgis.sql (pg_dump, schema `eoc`),
both built from a reduced seed (a few features of the large context layers), then edited:
a user, two site edits, an incident import (upsert) and a published report, so an upgrade
has something to lose.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import psycopg

import layers
from eoc.auth import create_user
from eoc.store import open_store
from eoc.store.edits import Edit
from eoc.store.seed import build_from_seed

T0 = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)
BIG = {"neighbours", "country", "districts", "regions", "border", "health_facilities"}


def reduced_seed(source: Path, target: Path) -> None:
    for path in source.iterdir():
        shutil.copy(path, target / path.name)
    for name in BIG:
        spec = layers.get(name)
        gdf = gpd.read_file(source / spec.seed_file)
        if name in ("regions", "districts", "country", "border", "neighbours"):
            gdf = gdf.copy()
            gdf["geometry"] = gdf.geometry.simplify(0.05, preserve_topology=True)
        if name in ("districts", "health_facilities", "neighbours"):
            gdf = gdf.head(8)
        gdf.to_file(target / spec.seed_file, driver="GeoJSON")


def populate(store) -> None:
    build_from_seed(store, SEED, now=T0)
    create_user(store, "chief", role="admin", password="old-release-pass", now=T0)
    create_user(store, "duty1", role="duty_officer", password="old-release-pass", now=T0)
    sites = store.read_layer("displacement_sites")
    first = sites.iloc[0]
    store.apply_edits(
        "displacement_sites",
        [
            Edit(
                str(first["site_id"]),
                {"individuals": int(first["individuals"]) + 7},
                expected={"individuals": int(first["individuals"])},
            )
        ],
        user="chief",
        reason="head count on site",
        now=T0 + timedelta(hours=1),
    )
    incidents = store.read_layer("incidents").head(2).copy()
    incidents["people_affected"] = [120, 45]
    incidents["description"] = ["Сел дар водии Варзоб", "Road cut near Rasht"]
    store.import_layer(
        "incidents",
        incidents,
        mode="upsert",
        user="duty1",
        reason="morning import",
        now=T0 + timedelta(hours=2),
    )
    store.add_report(
        number=1,
        lang="ru",
        version=store.version(),
        as_of=T0 + timedelta(hours=2),
        title="Ситуационный отчёт 1",
        html="<h1>Ситуационный отчёт 1</h1>",
        markdown="# Ситуационный отчёт 1",
        pdf=b"%PDF-1.4 fixture",
        user="duty1",
        now=T0 + timedelta(hours=3),
    )


def main(out: Path, server: str) -> None:
    gpkg = out / "old_store.gpkg"
    gpkg.unlink(missing_ok=True)
    populate(open_store(str(gpkg)))
    name = f"eoc_fixture_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    url = server.rsplit("/", 1)[0] + f"/{name}"
    try:
        populate(open_store(f"{url}?schema=eoc"))
        dump = subprocess.run(
            ["pg_dump", "--schema=eoc", "--no-owner", "--no-privileges", url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        (out / "old_store_postgis.sql").write_text(dump)
    finally:
        with psycopg.connect(server, autocommit=True) as con:
            con.execute(f"DROP DATABASE {name} WITH (FORCE)")
    print(json.dumps({"gpkg_bytes": gpkg.stat().st_size}))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        SEED = Path(folder)
        reduced_seed(Path.cwd() / "data" / "seed", SEED)
        main(Path(sys.argv[1]), sys.argv[2])
