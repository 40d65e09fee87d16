"""The capacity page: the site grid, its charts and history, and safe editing in the grid."""

from __future__ import annotations

from datetime import UTC, datetime

import dash
import pytest
from dash.exceptions import PreventUpdate

from eoc.analysis.capacity import CONGESTION_BANDS
from eoc.permissions import Action
from eoc.store.edits import Edit
from eoc.web import create_app
from eoc.web.pages import capacity
from eoc.web.security import CALLBACK_ACTIONS_KEY
from tests.conftest import STAFF, STAFF_PASSWORD, settings_for, signed_in, staff_copy

T1 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
T2 = datetime(2026, 11, 22, 9, 5, tzinfo=UTC)
ON = "2026-11-22"
SITE = "TJ-DS-0001"  # Khorog School No. 3: 420 people, over its binding capacity


@pytest.fixture
def store(request, backend, tmp_path):
    """A writable copy of the seed store with one user per role."""
    copy = staff_copy(request, backend, tmp_path)
    return copy


@pytest.fixture
def app(store):
    return create_app(store, settings_for(store))


def run(app, role, fn, *args, **kwargs):
    with signed_in(app, role):
        return fn(*args, **kwargs)


def rows_of(app, role="viewer") -> dict[str, dict]:
    rows, *_rest = run(app, role, capacity.refresh_capacity, None, ON, "first", 0)
    return {row["site_id"]: row for row in rows}


def grid_event(row: dict, field: str, value: object) -> list[dict]:
    """dash-ag-grid's cellValueChanged after the user typed `value` into a cell of `row`."""
    data = {**row, field: value}
    return [{"rowId": row["site_id"], "colId": field, "oldValue": row[field], "value": value,
             "data": data, "rowIndex": 0}]  # fmt: skip


def stored(store, site_id=SITE):
    sites = store.read_layer("displacement_sites")
    return sites[sites["site_id"] == site_id].iloc[0]


def find(component, component_id):
    if isinstance(component, list | tuple):
        for child in component:
            found = find(child, component_id)
            if found is not None:
                return found
        return None
    if getattr(component, "id", None) == component_id:
        return component
    return find(getattr(component, "children", None), component_id) if component else None


# -- reading -----------------------------------------------------------------------------------


def test_anonymous_visitors_get_the_sign_in_prompt(app):
    assert "sign-in-required" in str(run(app, None, capacity.layout))


@pytest.mark.parametrize(("role", "editable"), [("viewer", False), ("cccm", True)])
def test_only_site_editors_get_editable_columns(app, role, editable):
    grid = find(run(app, role, capacity.layout), "cap-grid")
    editable_fields = {c["field"] for c in grid.columnDefs if c.get("editable")}
    if editable:
        assert editable_fields == {
            "individuals", "households", "capacity", "site_area_m2", "covered_area_m2",
            "status", "latrines", "water_points", "last_assessment",
        }  # fmt: skip
    else:
        assert editable_fields == set()


def test_the_grid_shows_every_site_with_its_capacity_figures(app, seed_frames):
    rows = rows_of(app)
    assert len(rows) == len(seed_frames["displacement_sites"])  # shelters too: internal page
    khorog = rows[SITE]
    assert khorog["individuals"] == 420 and khorog["over_capacity"] is True
    assert khorog["occupancy_pct"] > 100 and khorog["free_places"] == 0
    assert khorog["binding_capacity"] < khorog["capacity"]
    assert khorog["latrine_gap"] >= 0 and khorog["congestion"] in CONGESTION_BANDS
    assert any(r["site_type_label"] == "Protection shelter" for r in rows.values())


def test_the_charts_and_rules_follow_the_season_and_phase(app):
    _rows, occupancy, wash, rules, footer = run(
        app, "viewer", capacity.refresh_capacity, None, ON, "first", 0
    )
    rules = str(rules)
    assert "cold season" in rules and "4.5 m²" in rules and "50 people per latrine" in rules
    assert {trace.name for trace in occupancy.data} == {"Binding capacity", "People"}
    assert "Gorno-Badakhshan<br>(GBAO)" in occupancy.data[0].x  # long names wrap level
    assert {trace.name for trace in wash.data} == {"Latrines missing", "Water points missing"}
    summer = run(app, "viewer", capacity.refresh_capacity, None, "2026-07-01", "medium_term", 0)
    assert "warm season" in str(summer[3]) and "20 people per latrine" in str(summer[3])
    assert (
        rows_of(app)[SITE]["latrine_gap"]
        < {r["site_id"]: r for r in summer[0]}[SITE]["latrine_gap"]
    )
    assert "Store version" in str(footer)


def test_a_bad_season_date_is_said_not_guessed(app):
    rows, _occ, _wash, rules, _footer = run(
        app, "viewer", capacity.refresh_capacity, None, None, "first", 0
    )
    assert rows is dash.no_update and "season date" in str(rules)


def test_a_selected_site_shows_its_history_from_the_audit_log(app, store):
    empty = run(app, "viewer", capacity.show_history, None)
    assert "Select a site" in empty.layout.annotations[0].text
    for when, changes in ((T1, {"individuals": 450}), (T2, {"status": "closing"})):
        store.apply_edits(
            "displacement_sites", [Edit(SITE, changes)], user="cccm1", reason="count", now=when
        )
    figure = run(app, "viewer", capacity.show_history, [{"site_id": SITE}], None, now=T2)
    people = figure.data[0]
    assert list(people.y) == [420, 450, 450, 450]  # before, after each change, now
    assert "Open → Closing" in list(figure.data[1].text)


# -- editing -----------------------------------------------------------------------------------


def test_an_editor_saves_a_cell_in_one_audited_edit(app, store):
    row = rows_of(app, "cccm")[SITE]
    version = store.version()
    message, reload = run(
        app, "cccm", capacity.save_cell, grid_event(row, "individuals", 455), "headcount", 3,
        now=T1,
    )  # fmt: skip
    assert "Saved" in str(message) and reload == 4
    assert stored(store)["individuals"] == 455 and store.version() == version + 1
    [entry] = store.audit_log(layer="displacement_sites", feature_id=SITE)
    assert (entry.user, entry.reason, entry.old, entry.new) == (
        STAFF["cccm"],
        "headcount",
        {"individuals": 420},
        {"individuals": 455},
    )
    # The reload shows the stored value, even before the poll has seen the new version.
    rows, *_rest = run(app, "cccm", capacity.refresh_capacity, version, ON, "first", 4)
    assert {r["site_id"]: r for r in rows}[SITE]["individuals"] == 455


@pytest.mark.parametrize(
    ("field", "value", "reason", "says"),
    [
        ("individuals", 455, "", "reason is required"),
        ("individuals", -5, "count", "below 0"),
        ("status", "demolished", "count", "is not one of"),
        ("last_assessment", "yesterday", "count", "not a date"),
        ("individuals", None, "count", "empty but required"),
        ("name", "Renamed", "count", "cannot be changed here"),
    ],
)
def test_a_refused_edit_says_why_and_writes_nothing(app, store, field, value, reason, says):
    row = rows_of(app, "cccm")[SITE] | {"name": "Khorog School No. 3 collective centre"}
    version = store.version()
    message, reload = run(app, "cccm", capacity.save_cell, grid_event(row, field, value), reason, 0)
    assert says in str(message) and "message-error" in str(message)
    assert reload == 1  # the grid reloads: the cell shows the stored value again
    assert store.version() == version and stored(store)["individuals"] == 420


def test_a_change_by_someone_else_since_loading_is_not_overwritten(app, store):
    row = rows_of(app, "cccm")[SITE]  # the grid loaded 420
    store.apply_edits(
        "displacement_sites",
        [Edit(SITE, {"individuals": 480}, expected={"individuals": 420})],
        user="cccm2",
        reason="registration",
        now=T1,
    )
    version = store.version()
    message, _reload = run(
        app, "cccm", capacity.save_cell, grid_event(row, "individuals", 455), "count", 0
    )
    text = str(message)
    assert "Not saved" in text and "480" in text and "cccm2" in text and "you saw 420" in text
    assert "14:00" in text  # 09:00 UTC is 14:00 in Dushanbe
    assert stored(store)["individuals"] == 480 and store.version() == version


def test_a_change_to_another_figure_of_the_row_also_refuses_the_edit(app, store):
    row = rows_of(app, "cccm")[SITE]
    store.apply_edits(
        "displacement_sites", [Edit(SITE, {"capacity": 500})], user="cccm2", reason="r", now=T1
    )
    message, _reload = run(
        app, "cccm", capacity.save_cell, grid_event(row, "individuals", 455), "count", 0
    )
    assert "Capacity was changed to 500 by cccm2" in str(message)
    assert stored(store)["individuals"] == 420


def test_a_grid_edit_without_its_row_token_is_refused(app, store):
    row = rows_of(app, "cccm")[SITE]
    row.pop("_token")
    message, _reload = run(
        app, "cccm", capacity.save_cell, grid_event(row, "individuals", 455), "count", 0
    )
    assert "no write token" in str(message) and stored(store)["individuals"] == 420


def test_a_replayed_grid_edit_is_applied_once(app, store):
    row = rows_of(app, "cccm")[SITE]
    event = grid_event(row, "individuals", 455)
    first, _ = run(app, "cccm", capacity.save_cell, event, "count", 0)
    version = store.version()
    again, _ = run(app, "cccm", capacity.save_cell, event, "count", 0)
    assert "Saved" in str(first) and "already sent" in str(again)
    assert store.version() == version
    assert len(store.audit_log(layer="displacement_sites", feature_id=SITE)) == 1


def test_the_old_value_comes_from_the_token_not_the_browser(app, store):
    row = rows_of(app, "cccm")[SITE]
    store.apply_edits(
        "displacement_sites", [Edit(SITE, {"individuals": 480})], user="cccm2", reason="r", now=T1
    )
    forged = row | {"individuals": 480}  # the browser claims it saw the new value
    event = [{**grid_event(forged, "individuals", 455)[0], "oldValue": 480}]
    message, _reload = run(app, "cccm", capacity.save_cell, event, "count", 0)
    assert "Not saved" in str(message) and stored(store)["individuals"] == 480


def test_viewers_get_no_row_tokens(app):
    assert all("_token" not in row for row in rows_of(app, "viewer").values())


def test_no_change_event_means_no_update(app):
    with pytest.raises(PreventUpdate):
        run(app, "cccm", capacity.save_cell, None, "reason", 0)


# -- the server gate ---------------------------------------------------------------------------


def client_as(app, role):
    client = app.server.test_client()
    response = client.post(
        "/login", data={"username": STAFF[role], "password": STAFF_PASSWORD, "next": "/"}
    )
    assert response.status_code == 302
    return client


def post_callback(client, app, output_prefix: str, values: dict[str, object]):
    """POST the registered callback whose output starts with `output_prefix`."""
    deps = app.server.test_client().get("/_dash-dependencies").get_json()
    [dep] = [d for d in deps if d["output"].strip(".").startswith(output_prefix)]
    outputs = [
        {"id": o.split(".")[0], "property": o.split(".")[1].split("@")[0]}
        for o in dep["output"].strip(".").split("...")
    ]

    def given(items):
        return [
            {"id": i["id"], "property": i["property"],
             "value": values.get(f"{i['id']}.{i['property']}")}
            for i in items
        ]  # fmt: skip

    body = {
        "output": dep["output"],
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": given(dep["inputs"]),
        "changedPropIds": [f"{i['id']}.{i['property']}" for i in dep["inputs"]],
        "state": given(dep["state"]),
    }
    return dep, client.post("/_dash-update-component", json=body)


@pytest.mark.parametrize(
    ("role", "status"), [("viewer", 403), ("duty_officer", 403), ("cccm", 200)]
)
def test_the_server_refuses_grid_edits_from_roles_that_may_not_edit_sites(app, store, role, status):
    row = rows_of(app, "cccm")[SITE]
    version = store.version()
    dep, response = post_callback(
        client_as(app, role),
        app,
        "cap-message.children",
        {
            "cap-grid.cellValueChanged": grid_event(row, "individuals", 999),
            "cap-reason.value": "sneaky",
            "cap-reload.data": 0,
        },
    )
    assert app.server.config[CALLBACK_ACTIONS_KEY][dep["output"]] == Action.EDIT_SITES
    assert response.status_code == status
    if status == 403:
        assert store.version() == version and stored(store)["individuals"] == 420
    else:
        assert stored(store)["individuals"] == 999 and store.version() == version + 1
