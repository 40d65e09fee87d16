"""The upload page (/data): preview every problem first, write only on confirm, by role."""

from __future__ import annotations

import base64
import shutil

import pandas as pd
import pytest

from eoc.store import GeoPackageStore
from eoc.web import create_app
from eoc.web.pages import data_io
from tests.conftest import settings_for, signed_in
from tests.io.conftest import NOW, site_table, three_sites


@pytest.fixture
def writable(staff_store, tmp_path, monkeypatch):
    store = GeoPackageStore(tmp_path / "store.gpkg")
    shutil.copyfile(staff_store.path, store.path)
    return store, create_app(store, settings_for(store, upload_dir=tmp_path / "uploads"))


def _upload(table: pd.DataFrame) -> str:
    payload = base64.b64encode(table.to_csv(index=False).encode("utf-8")).decode()
    return f"data:text/csv;base64,{payload}"


def _text(component) -> str:
    return str(component.to_plotly_json())


def test_the_page_is_for_importing_roles_only(writable):
    _store, app = writable
    with signed_in(app, "viewer"):
        assert "not-allowed" in _text(data_io.layout())  # signed in, but not for imports
    with signed_in(app, "cccm"):
        assert "io-upload" in _text(data_io.layout())


def test_preview_shows_every_problem_and_nothing_is_written_until_confirm(writable, seed_sites):
    store, app = writable
    table = pd.DataFrame(site_table(three_sites(seed_sites)))
    table.loc[1, "capacity"] = -3
    version = store.version()
    with signed_in(app, "cccm"):
        preview, disabled, saved = data_io.preview_upload(
            _upload(table), "displacement_sites", "file", None, [], "dtm.csv", None
        )
        assert disabled is True
        assert "row 3 · site TJ-NEW-002 · capacity: capacity -3 is below 0" in _text(preview)
        assert store.version() == version
        # Choosing to skip bad rows enables the button; the saved copy is reused.
        preview, disabled, again = data_io.preview_upload(
            _upload(table), "displacement_sites", "file", None, ["skip"], "dtm.csv", saved
        )
        assert disabled is False and again == saved
        assert "2 rows can be imported; 1 rows will be rejected." in _text(preview)
        message, download, _disabled = data_io.confirm_import(
            1, saved, "displacement_sites", "upsert", "file", None, ["skip"], "DTM", now=NOW
        )
    assert "2 rows imported into Displacement sites; store version" in _text(message)
    assert download["filename"] == "dtm.csv.rejects.csv"
    assert "capacity -3 is below 0" in download["content"]
    assert store.version() == version + 1
    entry = store.audit_log(layer="displacement_sites", limit=1)[0]
    assert (entry.user, entry.reason, entry.action) == ("cccm1", "DTM", "import")


def test_a_forged_token_reads_nothing(writable):
    store, app = writable
    version = store.version()
    with signed_in(app, "duty_officer"):
        for saved in ({"token": "../../etc", "name": "passwd"}, {"token": "0" * 32, "name": "x"}):
            message, _download, _disabled = data_io.confirm_import(
                1, saved, "displacement_sites", "upsert", "file", None, [], "r", now=NOW
            )
            assert "upload it again" in _text(message)
    assert store.version() == version


def test_a_damaged_or_foreign_upload_is_a_message(writable):
    _store, app = writable
    with signed_in(app, "admin"):
        preview, disabled, _saved = data_io.preview_upload(
            "data:application/octet-stream;base64,TVqQAAMAAAAEAAAA//8AALgAAAA=",
            "displacement_sites",
            "file",
            None,
            [],
            "tool.exe",
            None,
        )
    assert disabled is True and "not accepted" in _text(preview)
