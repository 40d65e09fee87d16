"""Issue 11 findings 3, 7 and 9 on the /data page: rights per layer, the upload area, no 500s."""

from __future__ import annotations

import base64
import os
import shutil
import time

import pandas as pd
import pytest

from eoc.cli import main
from eoc.config import load_settings
from eoc.io.safety import ImportRefusedError
from eoc.io.uploads import UploadArea
from eoc.store import GeoPackageStore
from eoc.web import create_app
from eoc.web.pages import data_io
from tests.conftest import STAFF, settings_for, signed_in
from tests.io.conftest import NOW, site_table, three_sites


@pytest.fixture
def writable(staff_store, tmp_path):
    store = GeoPackageStore(tmp_path / "store.gpkg")
    shutil.copyfile(staff_store.path, store.path)
    settings = settings_for(store, upload_dir=tmp_path / "uploads", upload_quota_bytes=10_000)
    return store, create_app(store, settings), tmp_path / "uploads"


def _upload(text: str) -> str:
    return "data:text/csv;base64," + base64.b64encode(text.encode()).decode()


def _text(component) -> str:
    return str(component.to_plotly_json())


def _dropdown_layers(layout) -> list[str]:
    [dropdown] = [c for c in layout._traverse() if getattr(c, "id", None) == "io-layer"]
    return [o["value"] for o in dropdown.options]


@pytest.mark.parametrize(
    ("role", "offered"),
    [
        ("cccm", ["displacement_sites"]),
        ("duty_officer", ["hazard_zones", "border_checkpoints", "incidents"]),
    ],
)
def test_the_layer_list_offers_only_what_the_role_may_edit(writable, role, offered):
    _store, app, _root = writable
    with signed_in(app, role):
        assert sorted(_dropdown_layers(data_io.layout())) == sorted(offered)
    with signed_in(app, "admin"):
        assert {"regions", "incidents", "displacement_sites"} <= set(
            _dropdown_layers(data_io.layout())
        )


@pytest.mark.parametrize(
    ("role", "layer"),
    [
        ("cccm", "incidents"),
        ("cccm", "regions"),
        ("duty_officer", "displacement_sites"),
        ("duty_officer", "regions"),
    ],
)
def test_an_import_into_a_layer_the_role_may_not_edit_is_refused(writable, seed_sites, role, layer):
    store, app, _root = writable
    version = store.version()
    table = pd.DataFrame(site_table(three_sites(seed_sites)))
    with signed_in(app, role):
        preview, disabled, saved = data_io.preview_upload(
            _upload(table.to_csv(index=False)), layer, "file", None, [], "x.csv", None
        )
        assert disabled is True and "may not import into" in _text(preview)
        message, _d, _x = data_io.confirm_import(
            1, saved, layer, "replace", "file", None, ["skip"], "x", now=NOW
        )
    assert "may not import into" in _text(message)
    assert store.version() == version


def test_eoc_import_applies_the_rights_of_the_named_user(writable, tmp_path, capsys):
    store, _app, _root = writable
    regions = tmp_path / "regions.geojson"
    regions.write_text('{"type": "FeatureCollection", "features": []}')
    for role in ("cccm", "duty_officer"):
        args = ["import", "regions", str(regions), "--user", STAFF[role], "--store", store.location]
        assert main(args) == 1
        assert "may not import into Regions" in capsys.readouterr().err
    assert (
        main(["import", "regions", str(regions), "--user", "nobody", "--store", store.location])
        == 1
    )
    assert "user 'nobody' does not exist" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("contents", "expected"),
    [
        ("data:text/csv;base64,@@@not base64@@@", "the upload was damaged"),
        ("data:text/csv;base64," + "A" * 20_000, "larger than"),
        ("data:text/csv;base64,", "the upload was empty"),
    ],
)
def test_a_bad_upload_gets_a_message_never_a_500(writable, contents, expected):
    _store, app, _root = writable
    with signed_in(app, "cccm"):
        preview, disabled, _saved = data_io.preview_upload(
            contents, "displacement_sites", "file", None, [], "x.csv", None
        )
    assert disabled is True and expected in _text(preview)


def test_a_bad_upload_through_the_server_is_a_200_with_the_message(writable):
    _store, app, _root = writable
    client = app.server.test_client()
    response = client.post(
        "/login",
        data={"username": STAFF["cccm"], "password": "correct horse battery staple", "next": "/"},
    )
    assert response.status_code == 302
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if d["output"].startswith("..io-preview.children"))
    values = {
        "io-upload.contents": "data:text/csv;base64,@@@",
        "io-layer.value": "displacement_sites",
        "io-crs.value": "file",
        "io-skip.value": [],
        "io-upload.filename": "x.csv",
    }
    body = {
        "output": dep["output"],
        "outputs": [
            {"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]}
            for p in dep["output"].strip(".").split("...")
        ],
        "inputs": [dict(i, value=values.get(f"{i['id']}.{i['property']}")) for i in dep["inputs"]],
        "state": [dict(s, value=values.get(f"{s['id']}.{s['property']}")) for s in dep["state"]],
        "changedPropIds": ["io-upload.contents"],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200 and b"the upload was damaged" in response.data


def test_uploads_live_per_user_under_a_quota_and_expire(tmp_path):
    area = UploadArea(root=tmp_path / "up", max_file_bytes=5_000, quota_bytes=8_000, max_age_s=3600)
    first = area.save(_upload("a" * 3_000), "a.csv", user="cccm1")
    second = area.save(_upload("b" * 3_000), "b.csv", user="cccm1")
    third = area.save(_upload("c" * 3_000), "c.csv", user="cccm1")  # the oldest makes room
    assert area.used_bytes("cccm1") <= 8_000
    with pytest.raises(ImportRefusedError, match="gone"):
        area.path(first, user="cccm1")
    assert area.path(third, user="cccm1").read_text() == "c" * 3_000
    # Another user cannot reach it with the token.
    with pytest.raises(ImportRefusedError, match="gone"):
        area.path(second, user="duty1")
    # Old uploads are removed on the next upload (and at start-up, see below).
    old = area.path(second, user="cccm1").parent
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    area.save(_upload("d"), "d.csv", user="duty1")
    assert not old.exists()


def test_old_uploads_are_removed_at_start_up(writable):
    store, _app, root = writable
    area = data_io.upload_area(settings_for(store, upload_dir=root))
    saved = area.save(_upload("x"), "x.csv", user="cccm1")
    folder = area.path(saved, user="cccm1").parent
    os.utime(folder, (time.time() - 7200, time.time() - 7200))
    create_app(store, settings_for(store, upload_dir=root))
    assert not folder.exists()


def test_the_upload_settings_come_from_the_environment(tmp_path):
    settings = load_settings(
        environ={
            "EOC_UPLOAD_DIR": str(tmp_path),
            "EOC_UPLOAD_QUOTA_BYTES": "1000",
            "EOC_IMPORT_MAX_ROWS": "10",
            "EOC_IMPORT_MAX_BYTES": "2000",
            "EOC_IMPORT_MAX_SECONDS": "5",
            "EOC_UPLOAD_MAX_AGE_S": "60",
        }
    )
    assert (settings.upload_dir, settings.upload_quota_bytes, settings.import_max_rows) == (
        tmp_path,
        1000,
        10,
    )
    assert (settings.import_max_bytes, settings.import_max_seconds, settings.upload_max_age_s) == (
        2000,
        5.0,
        60.0,
    )
    assert load_settings(environ={}).upload_dir.parts[-2:] == ("data", "uploads")


def test_eoc_sites_unprotect_is_for_admins_and_audited(writable, capsys):
    store, _app, _root = writable
    base = ["sites", "unprotect", "TJ-DS-0050", "--type", "collective_centre", "--reason", "closed"]
    for role in ("cccm", "duty_officer", "viewer"):
        assert main([*base, "--user", STAFF[role], "--store", store.location]) == 1
        assert "may not change protection" in capsys.readouterr().err
    assert main([*base, "--user", STAFF["admin"], "--store", store.location]) == 0
    [entry] = store.audit_log(feature_id="TJ-DS-0050")
    assert (entry.action, entry.user, entry.old["sensitive"]) == ("protection", "admin1", True)
    assert (
        main(
            [
                "sites",
                "protect",
                "TJ-DS-0050",
                "--type",
                "protection_shelter",
                "--reason",
                "reopened",
                "--user",
                STAFF["admin"],
                "--store",
                store.location,
            ]
        )
        == 0
    )
    sites = store.read_layer("displacement_sites").set_index("site_id")
    assert bool(sites.loc["TJ-DS-0050", "sensitive"]) is True
