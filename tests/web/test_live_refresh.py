"""Live refresh: a cheap version poll, and redraws that send only what changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import dash
import pytest
from shapely.geometry import Point

import layers
from eoc.store.edits import Edit
from eoc.web import create_app
from eoc.web.components.map_figure import trace_slots
from eoc.web.components.map_update import plan_map_update
from eoc.web.pages.operations import update_map
from eoc.web.polling import poll_version
from tests.conftest import settings_for, signed_in, staff_copy

T1 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
ALL = list(layers.OPERATIONAL)


@pytest.fixture
def store(request, backend, tmp_path):
    copy = staff_copy(request, backend, tmp_path)
    return copy


@pytest.fixture
def app(store):
    return create_app(store, settings_for(store))


def run(app, fn, *args):
    with signed_in(app, "duty_officer"):
        return fn(*args)


def new_incident(store, incident_id="INC-TEST-1"):
    row = {
        "time_utc": "2026-11-22T07:55:00Z",
        "incident_type": "road_blocked",
        "severity": "high",
        "status": "reported",
        "description": "Rockfall near Vanj",
        "source": "duty officer",
        "geometry": Point(71.45, 38.37),
    }
    store.apply_edits(
        "incidents",
        [Edit(incident_id, row, op="insert")],
        user="duty1",
        reason="phoned in by the Vanj hukumat",
        now=T1,
    )


@pytest.mark.parametrize(
    ("drawn", "version", "region", "hidden", "expected"),
    [
        (None, 1, "all", [], "full"),
        ({"version": 1, "region": "all", "hidden": []}, 1, "TJ-GB", [], "full"),
        ({"version": 1, "region": "all", "hidden": []}, 2, "all", [], "layers"),
        ({"version": 1, "region": "all", "hidden": []}, 1, "all", ["incidents"], "visibility"),
        ({"version": 1, "region": "all", "hidden": []}, 1, "all", [], None),
    ],
)
def test_the_refresh_plan(drawn, version, region, hidden, expected):
    assert plan_map_update(drawn, version=version, region=region, hidden=hidden) == expected


def test_the_poll_answers_only_when_the_version_changed(app, store):
    version = store.version()
    assert run(app, poll_version, 3, version) is dash.no_update
    new_incident(store)
    assert run(app, poll_version, 4, version) == version + 1


def test_a_write_elsewhere_patches_only_the_layer_it_changed(app, store):
    figure, _footer, state = run(app, update_map, None, ALL, "all", None, None, 0, None, None)
    new_incident(store)
    patch, footer, new_state = run(
        app, update_map, store.version(), ALL, "all", None, None, 0, None, state
    )
    assert isinstance(patch, dash.Patch)
    operations = patch.to_plotly_json()["operations"]
    touched = {op["location"][1] for op in operations}
    slots = trace_slots(ALL)
    assert {slots[i][0] for i in touched if op_is_replace(operations, i)} == {"incidents"}
    sent = json.dumps(operations)
    assert "Rockfall near Vanj" in sent
    assert len(sent) < 0.25 * len(figure.to_json()), "a one-incident change re-sent too much"
    assert new_state["version"] == store.version()


def op_is_replace(operations, index) -> bool:
    return any(op["location"] == ["data", index] for op in operations)


def test_switching_a_layer_off_sends_only_visibility(app):
    _figure, _footer, state = run(app, update_map, None, ALL, "all", None, None, 0, None, None)
    shown = [n for n in ALL if n != "hazard_zones"]
    patch, _footer, _state = run(
        app, update_map, state["version"], shown, "all", None, None, 0, None, state
    )
    operations = patch.to_plotly_json()["operations"]
    assert operations and all(op["location"][-1] == "visible" for op in operations)
    hidden_slots = {op["location"][1] for op in operations if op["params"]["value"] is False}
    assert {trace_slots(ALL)[i][0] for i in hidden_slots} == {"hazard_zones"}


def test_nothing_is_sent_when_nothing_changed(app):
    _figure, _footer, state = run(app, update_map, None, ALL, "all", None, None, 0, None, None)
    assert run(app, update_map, state["version"], ALL, "all", None, None, 0, None, state) == (
        dash.no_update,
        dash.no_update,
        dash.no_update,
    )
