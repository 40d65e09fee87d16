"""The incident log on the operations page: details, new incidents, status changes."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest

from eoc.store import GeoPackageStore
from eoc.web import create_app
from eoc.web.components.map_figure import trace_slots
from eoc.web.pages.operations import save_incident, save_status, show_detail
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


def test_a_duty_officer_logs_an_incident(app, store):
    before = store.version()
    with signed_in(app, "duty_officer"):
        message, version = save_incident(
            1,
            "mudflow",
            "high",
            "Mudflow blocks the road at Vanj",
            "40",
            "38.37",
            "71.45",
            "call from Vanj hukumat",
            now=NOW,
        )
    assert "saved" in text(message) and version == before + 1
    incidents = store.read_layer("incidents")
    new = incidents[incidents["description"] == "Mudflow blocks the road at Vanj"].iloc[0]
    assert (new["reporter"], new["status"], int(new["people_affected"])) == (
        "duty1",
        "reported",
        40,
    )
    [entry] = store.audit_log(layer="incidents", limit=1)
    assert (entry.user, entry.reason) == ("duty1", "call from Vanj hukumat")


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
    with signed_in(app, "duty_officer"):
        shown, version = save_incident(1, "flood", "low", "x", None, lat, lon, "r", now=NOW)
    assert message in text(shown)
    assert store.version() == before


def test_a_missing_type_is_named_by_the_validation(app, store):
    with signed_in(app, "duty_officer"):
        shown, _version = save_incident(1, None, "low", "x", None, "38.5", "68.8", "r", now=NOW)
    assert "incident_type is empty but required" in text(shown)


def test_a_status_change_that_lost_the_race_is_refused(app, store):
    target = {"layer": "incidents", "id": "INC-20261121-004", "seen": "reported"}
    with signed_in(app, "duty_officer"):
        _ok, version = save_status(1, "verified", "confirmed by road service", target, now=NOW)
        refused, again = save_status(1, "closed", "cleared", target, now=NOW)
    assert version == store.version()
    assert "was changed by duty1" in text(refused) and "nothing was saved" in text(refused)
    incidents = store.read_layer("incidents").set_index("incident_id")
    assert incidents.loc["INC-20261121-004", "status"] == "verified"
