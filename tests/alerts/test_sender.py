"""The CAP sender is a setting (EOC_CAP_SENDER), checked against CAP 1.2 §3.2.1, and it signs
every alert: drafted on /alerts, drafted from a feed event, and the seed's."""

from __future__ import annotations

import shutil

import pytest

from eoc.alerts import workflow as wf
from eoc.cli import main
from eoc.config import DEFAULT_CAP_SENDER, Settings, load_settings
from eoc.errors import ConfigError
from eoc.feeds.drafts import DraftRules
from eoc.store import GeoPackageStore
from eoc.web import create_app
from tests.alerts.test_alerts_page import _draft, _new_alert_id
from tests.conftest import settings_for

SENDER = "warnings@khf.tj"


def test_the_sender_comes_from_the_environment_or_the_default():
    assert load_settings({}, {"EOC_CAP_SENDER": f"  {SENDER} "}).cap_sender == SENDER
    assert load_settings({}, {}).cap_sender == DEFAULT_CAP_SENDER == "eoc@coes.tj"
    assert load_settings({}, {"EOC_CAP_SENDER": ""}).cap_sender == DEFAULT_CAP_SENDER


@pytest.mark.parametrize(
    "value", ["eoc coes.tj", "eoc@coes.tj,other", "eoc<coes.tj", "eoc&coes.tj", "eoc\tcoes"]
)
def test_a_sender_cap_forbids_is_refused_at_start_up_naming_the_variable(value):
    with pytest.raises(ConfigError, match="EOC_CAP_SENDER=.* is not a CAP sender"):
        load_settings({}, {"EOC_CAP_SENDER": value})
    with pytest.raises(ConfigError, match="EOC_CAP_SENDER"):
        Settings(cap_sender="")


def test_a_draft_on_the_alerts_page_is_sent_by_the_configured_sender(staff_store, tmp_path):
    store = GeoPackageStore(tmp_path / "sender.gpkg")
    shutil.copyfile(staff_store.path, store.path)
    app = create_app(store, settings_for(store, cap_sender=SENDER))
    _texts, _area, message = _draft(app)
    assert "message-ok" in str(message), message
    row = wf.get_alert(store.sql, _new_alert_id(app))
    assert row.alert.sender == SENDER
    assert f"<sender>{SENDER}</sender>" in row.cap_xml.decode()


def test_feed_drafts_take_the_sender_from_the_settings():
    assert DraftRules.from_settings(Settings(cap_sender=SENDER)).cap_sender == SENDER
    assert DraftRules().cap_sender == DEFAULT_CAP_SENDER


def test_eoc_init_signs_the_seed_alerts_with_the_configured_sender(tmp_path, monkeypatch):
    monkeypatch.setenv("EOC_CAP_SENDER", SENDER)
    path = tmp_path / "init.gpkg"
    assert main(["init", "--store", str(path)]) == 0
    rows = wf.list_alerts(GeoPackageStore(path).sql)
    assert len(rows) == 2
    assert {r.alert.sender for r in rows} == {SENDER}
