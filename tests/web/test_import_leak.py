"""Issue 11 finding 1: no import, by any role, puts a protection shelter on a public byte.

As admin, duty officer and CCCM, the /data page's own callbacks are used to import files
that un-flag the shelters (upsert and replace, each shelter's row changed to a collective
centre with sensitive=false). Then an anonymous client walks every public route and callback
(the walk of test_public_leak), the public map is exported (`eoc publish-map`) and every
operational layer is exported with `eoc export --public`; no shelter's name, id or location
may appear anywhere.
"""

from __future__ import annotations

import base64
import shutil

import pandas as pd
import pytest

from eoc.cli import main
from eoc.io.exporters import PUBLISHED_LAYERS
from eoc.store import GeoPackageStore
from eoc.web import create_app
from eoc.web.pages import data_io
from tests.conftest import settings_for, signed_in
from tests.io.conftest import NOW, site_table
from tests.web.test_public_leak import coordinate_pairs, pairs_near, readings, walk_public_routes

ROLES = ("admin", "duty_officer", "cccm")
LAYER = "displacement_sites"


def _upload(table: pd.DataFrame) -> str:
    payload = base64.b64encode(table.to_csv(index=False).encode("utf-8")).decode()
    return f"data:text/csv;base64,{payload}"


def _unmasking_table(sites) -> pd.DataFrame:
    table = pd.DataFrame(site_table(sites))
    shelters = table["sensitive"].astype(bool)
    table.loc[shelters, "site_type"] = "collective_centre"
    table.loc[shelters, "sensitive"] = False
    return table


@pytest.fixture(scope="module", params=ROLES)
def attacked(request, staff_store, tmp_path_factory):
    """A store after every unmasking import a role could try, and what each attempt said."""
    role = request.param
    tmp = tmp_path_factory.mktemp(f"attack-{role}")
    store = GeoPackageStore(tmp / "store.gpkg")
    shutil.copyfile(staff_store.path, store.path)
    app = create_app(store, settings_for(store, upload_dir=tmp / "uploads"))
    sites = store.read_layer(LAYER)
    shelters = sites[sites["sensitive"]]
    table = _unmasking_table(sites)
    attempts = {
        "upsert shelters only": (table[table["site_id"].isin(shelters["site_id"])], "upsert"),
        "upsert every site": (table, "upsert"),
        "replace every site": (table, "replace"),
    }
    said = {}
    with signed_in(app, role):
        for label, (rows, mode) in attempts.items():
            contents = _upload(rows)
            _preview, _disabled, saved = data_io.preview_upload(
                contents, LAYER, "file", None, [], "dtm.csv", None
            )
            message, _download, _again = data_io.confirm_import(
                1, saved, LAYER, mode, "file", None, ["skip"], "DTM", now=NOW
            )
            said[label] = str(message.to_plotly_json())
    return role, store, app, shelters, said, tmp


def test_every_unmasking_import_is_refused(attacked):
    role, _store, _app, _shelters, said, _tmp = attacked
    for label, text in said.items():
        assert "rows imported" not in text, f"{role}: {label} was imported: {text}"
        assert "protected" in text or "may not import" in text, f"{role}: {label}: {text}"


def test_the_shelters_stay_sensitive(attacked):
    _role, store, _app, shelters, _said, _tmp = attacked
    sites = store.read_layer(LAYER).set_index("site_id")
    for site_id in shelters["site_id"]:
        assert bool(sites.loc[site_id, "sensitive"]) is True
        assert sites.loc[site_id, "site_type"] == "protection_shelter"


def test_no_public_byte_shows_a_shelter_after_the_imports(attacked, capsys):
    role, store, app, shelters, _said, tmp = attacked
    served = walk_public_routes(app)
    assert main(["publish-map", "--out", str(tmp / "public.html"), "--store", store.location]) == 0
    served.add("eoc publish-map", 200, (tmp / "public.html").read_bytes())
    for name in PUBLISHED_LAYERS:
        for fmt in ("geojson", "hxl"):
            out = tmp / f"{name}.{fmt}"
            args = ["export", name, "--format", fmt, "--out", str(out), "--public"]
            assert main([*args, "--store", store.location]) == 0
            served.add(f"eoc export {name} --format {fmt} --public", 200, out.read_bytes())
    texts = {str(v) for col in ("name", "site_id") for v in shelters[col]}
    where = [(g.x, g.y) for g in shelters.geometry]
    assert len(served.bodies) > 20
    for what, _status, body in served.bodies:
        found = [t for t in texts if any(t in reading for reading in readings(body))]
        assert not found, f"after imports as {role}, {what} served {found}"
        hits = pairs_near(coordinate_pairs(body), where)
        assert not hits, f"after imports as {role}, {what} served a shelter's location {hits[:2]}"
