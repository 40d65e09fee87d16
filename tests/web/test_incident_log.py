"""The incident log on the operations page: details, new incidents, status changes."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import dash
import pytest

from eoc.store import GeoPackageStore
from eoc.web import create_app, ids
from eoc.web.components.map_figure import trace_slots
from eoc.web.context import WRITE_TOKENS_KEY
from eoc.web.pages.operations import layout, save_incident, save_status, show_detail
from layers import OPERATIONAL
from tests.conftest import settings_for, signed_in

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.fixture
def store(staff_store, tmp_path):
    copy = GeoPackageStore(tmp_path / "log.gpkg")
    shutil.copyfile(staff_store.path, copy.path)
    return copy


@pytest.fixture
def app(store):
    return create_app(store, settings_for(store))


def text(component) -> str:
    return str(component.to_plotly_json() if hasattr(component, "to_plotly_json") else component)


def click_on(layer: str, feature_id: str) -> dict:
    curve = [name for name, _category in trace_slots(OPERATIONAL)].index(layer)
    return {"points": [{"curveNumber": curve, "id": feature_id}]}


def test_clicking_a_checkpoint_shows_all_its_fields_and_a_status_form(app):
    with signed_in(app, "duty_officer"):
        panel = show_detail(click_on("border_checkpoints", "TJ-BCP-01"))
    shown = " ".join(text(part) for part in panel)
    assert "Staff" in shown and "Counterpart post" in shown  # internal fields, internal page
    assert "status-save" in shown


def test_a_viewer_sees_details_without_the_status_form(app):
    with signed_in(app, "viewer"):
        panel = show_detail(click_on("border_checkpoints", "TJ-BCP-01"))
    assert "status-save" not in " ".join(text(part) for part in panel)


def find(component, component_id: str):
    """The component with `component_id` inside a layout tree."""
    if isinstance(component, list | tuple):
        return next((f for c in component if (f := find(c, component_id)) is not None), None)
    if not hasattr(component, "to_plotly_json"):
        return None
    if getattr(component, "id", None) == component_id:
        return component
    return find(getattr(component, "children", None), component_id)


def form_token(app, role: str = "duty_officer") -> str:
    """The write token the operations page's incident form is issued with."""
    with signed_in(app, role):
        return find(layout(), ids.INC_TOKEN).data


def status_target(app, layer: str, feature_id: str, role: str = "duty_officer") -> dict:
    """The status form's target as the detail panel issues it for a click on the feature."""
    with signed_in(app, role):
        return find(show_detail(click_on(layer, feature_id)), ids.STATUS_TARGET).data


def new_incident(app, token, *, lat="38.37", lon="71.45", people="40", desc="Mudflow at Vanj"):
    with signed_in(app, "duty_officer"):
        return save_incident(
            1, "mudflow", "high", desc, people, lat, lon, "call from Vanj hukumat", token, now=NOW
        )


def test_a_duty_officer_logs_an_incident(app, store):
    before = store.version()
    token = form_token(app)
    message, version, fresh, *_ = new_incident(app, token, desc="Mudflow blocks the road at Vanj")
    assert "saved" in text(message) and version == before + 1
    assert fresh and fresh != token  # the form gets a new token for the next incident
    incidents = store.read_layer("incidents")
    new = incidents[incidents["description"] == "Mudflow blocks the road at Vanj"].iloc[0]
    assert (new["reporter"], new["status"], int(new["people_affected"])) == (
        "duty1",
        "reported",
        40,
    )
    [entry] = store.audit_log(layer="incidents", limit=1)
    assert (entry.user, entry.reason) == ("duty1", "call from Vanj hukumat")


def test_a_double_clicked_save_adds_the_incident_once(app, store):
    token = form_token(app)
    first, version, *_ = new_incident(app, token)
    second, again, *_ = new_incident(app, token)
    assert "saved" in text(first)
    assert "already sent" in text(second) and again is dash.no_update
    assert store.version() == version
    assert len(store.audit_log(layer="incidents", limit=50, since=NOW)) == 1


def test_a_replay_to_another_server_process_adds_nothing(app, store):
    token = form_token(app)
    new_incident(app, token)
    app.server.config.pop(WRITE_TOKENS_KEY)  # another process: it never saw the token used
    before = store.version()
    refused, *_ = new_incident(app, token)
    assert "already saved from this form" in text(refused)
    assert store.version() == before


@pytest.mark.parametrize("token", [None, "", "not-a-token"])
def test_a_save_without_a_valid_token_is_refused(app, store, token):
    before = store.version()
    refused, version, *_ = new_incident(app, token)
    assert "reload the page" in text(refused) and version is dash.no_update
    assert store.version() == before


def test_a_token_issued_to_someone_else_is_refused(app, store):
    token = form_token(app, role="admin")
    refused, *_ = new_incident(app, token)
    assert "issued for another change or user" in text(refused)


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        ("71.45", "38.37", "latitude and longitude swapped?"),
        ("", "71.45", "give the location"),
        ("38,37", "north", "Longitude: 'north' is not a number"),
    ],
)
def test_a_bad_location_is_explained_and_nothing_is_written(app, store, lat, lon, message):
    before = store.version()
    token = form_token(app)
    with signed_in(app, "duty_officer"):
        shown, *_ = save_incident(1, "flood", "low", "x", None, lat, lon, "r", token, now=NOW)
        # the refused form's token stays good: the officer corrects it and saves
        ok, *_ = save_incident(1, "flood", "low", "x", None, "38.5", "68.8", "r", token, now=NOW)
    assert message in text(shown)
    assert "saved" in text(ok) and store.version() == before + 1


def test_a_missing_type_is_named_by_the_validation(app, store):
    token = form_token(app)
    with signed_in(app, "duty_officer"):
        shown, *_ = save_incident(1, None, "low", "x", None, "38.5", "68.8", "r", token, now=NOW)
    assert "incident_type is empty but required" in text(shown)


def test_a_status_change_that_lost_the_race_is_refused(app, store):
    mine = status_target(app, "incidents", "INC-20261121-004")
    theirs = status_target(app, "incidents", "INC-20261121-004", role="admin")
    with signed_in(app, "admin"):
        _ok, _panel, version = save_status(
            1, "verified", "confirmed by road service", theirs, now=NOW
        )
    with signed_in(app, "duty_officer"):
        refused, _panel, again = save_status(1, "closed", "cleared", mine, now=NOW)
    assert version == store.version() and again is dash.no_update
    assert "was changed by admin1" in text(refused) and "nothing was saved" in text(refused)
    incidents = store.read_layer("incidents").set_index("incident_id")
    assert incidents.loc["INC-20261121-004", "status"] == "verified"


def test_a_status_change_back_and_forth_still_refuses_the_stale_form(app, store):
    mine = status_target(app, "incidents", "INC-20261121-004")
    with signed_in(app, "admin"):
        save_status(
            1, "verified", "r", status_target(app, "incidents", "INC-20261121-004", "admin")
        )
        save_status(
            1, "reported", "r", status_target(app, "incidents", "INC-20261121-004", "admin")
        )
    with signed_in(app, "duty_officer"):
        refused, *_ = save_status(1, "closed", "cleared", mine, now=NOW)
    assert "was changed by admin1" in text(refused) and "nothing was saved" in text(refused)


def test_a_status_change_without_a_token_is_refused(app, store):
    before = store.version()
    forged = {"layer": "incidents", "id": "INC-20261121-004", "seen": "reported"}
    with signed_in(app, "duty_officer"):
        refused, _panel, version = save_status(1, "closed", "cleared", forged, now=NOW)
    assert "no write token" in text(refused) and version is dash.no_update
    assert store.version() == before


def test_a_replayed_status_change_is_applied_once(app, store):
    target = status_target(app, "border_checkpoints", "TJ-BCP-01")
    with signed_in(app, "duty_officer"):
        _ok, ok, version = save_status(1, "restricted", "queue", target, now=NOW)
        again, *_ = save_status(1, "restricted", "queue", target, now=NOW)
    assert "set to" in text(ok) and "already sent" in text(again)
    assert store.version() == version
