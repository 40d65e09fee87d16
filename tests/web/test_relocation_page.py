"""The relocation what-if: plan, map, CSV, and applying a plan in one audited step."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import UTC, datetime

import pytest
from dash.exceptions import PreventUpdate

from eoc.analysis import relocation as planner
from eoc.store import GeoPackageStore
from eoc.store.edits import Edit
from eoc.web import create_app
from eoc.web.components.relocation_results import REASONS, translated_reason
from eoc.web.pages import relocation
from tests.conftest import STAFF, settings_for, signed_in
from tests.web.test_capacity_page import client_as, post_callback

T1 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
ON = "2026-11-22"
BARSEM = ["TJ-HZ-004", "TJ-HZ-005"]  # the debris fan and the Gunt valley impact buffer
ALL_TYPES = list(relocation.OFFERED_TYPES)


@pytest.fixture
def store(staff_store, tmp_path) -> GeoPackageStore:
    copy = GeoPackageStore(tmp_path / "relocation.gpkg")
    shutil.copyfile(staff_store.path, copy.path)
    return copy


@pytest.fixture
def app(store):
    return create_app(store, settings_for(store))


def run(app, role, fn, *args, **kwargs):
    with signed_in(app, role):
        return fn(*args, **kwargs)


def plan_barsem(app, role="cccm", *, people=3000, types=ALL_TYPES, max_km=None, zones=BARSEM):
    return run(
        app, role, relocation.run_plan, 1, "zone", zones, None, None, people, types, max_km,
        ON, "first",
    )  # fmt: skip


def site_people(store) -> dict[str, int]:
    sites = store.read_layer("displacement_sites")
    return dict(zip(sites["site_id"], sites["individuals"].astype(int), strict=True))


def test_the_layout_offers_the_zones_in_force(app):
    page = run(app, "viewer", relocation.layout)
    text = str(page)
    assert "Barsem mudflow - debris fan and channel" in text
    assert "Lower Vakhsh floodplain" not in text  # valid in August only
    assert "reloc-map" in text


def test_barsem_3000_people_give_a_feasible_plan_with_a_flow_map_and_csv(app, store):
    version = store.version()
    message, summary, figure, flows, unmet, sites, memo, footer = plan_barsem(app)
    assert message == ""
    assert sum(row["people"] for row in flows) == 3000
    assert "Everyone is placed" in str(unmet)
    assert "3,000 of 3,000 people placed" in str(summary)
    flow_lines = [t for t in figure.data if (t.meta or {}).get("role") == "flow"]
    assert len(flow_lines) == len(flows) > 0
    widths = sorted(t.line.width for t in flow_lines)
    assert widths[0] < widths[-1]  # wider where more people go
    assert figure.layout.map.style["sources"], "the offline basemap is missing"
    assert figure.layout.map.layers, "the zone left is not drawn"
    assert all(row["occupancy_pct"] <= 100 for row in sites)  # nobody over capacity
    assert memo["placed"] == 3000 and sum(memo["incoming"].values()) == 3000
    rows = list(csv.DictReader(io.StringIO(memo["csv"])))
    assert sum(int(r["people"]) for r in rows if r["kind"] == "move") == 3000
    download = run(app, "viewer", relocation.download_plan, 1, memo)
    assert download["filename"] == f"relocation-plan-v{version}.csv"
    assert download["content"] == memo["csv"]
    assert store.version() == version, "planning must not write"
    assert "Store version" in str(footer)


def test_applying_the_plan_changes_occupancy_in_one_audited_step(app, store):
    *_shown, memo, _footer = plan_barsem(app)
    before = site_people(store)
    version = store.version()
    message, cleared = run(
        app, "cccm", relocation.apply_plan, 1, "evacuation order 12", memo, now=T1
    )
    assert "Plan applied: 3,000 people" in str(message) and cleared is None
    assert store.version() == version + 1  # one transaction
    after = site_people(store)
    for site_id, incoming in memo["incoming"].items():
        assert after[site_id] == before[site_id] + incoming
    untouched = set(before) - set(memo["incoming"])
    assert all(after[s] == before[s] for s in untouched)
    entries = store.audit_log(layer="displacement_sites")
    assert {e.feature_id for e in entries} == set(memo["incoming"])
    assert {(e.version, e.user, e.reason) for e in entries} == {
        (version + 1, STAFF["cccm"], "evacuation order 12")
    }


def test_a_site_changed_since_planning_refuses_the_whole_plan(app, store):
    *_shown, memo, _footer = plan_barsem(app)
    site_id = max(memo["incoming"], key=memo["incoming"].get)
    seen = memo["before"][site_id]
    store.apply_edits(
        "displacement_sites",
        [Edit(site_id, {"individuals": seen + 7})],
        user="cccm2",
        reason="arrivals",
        now=T1,
    )
    before, version = site_people(store), store.version()
    message, plan = run(app, "cccm", relocation.apply_plan, 1, "order 12", memo)
    assert "Not applied" in str(message) and str(seen + 7) in str(message)
    assert "cccm2" in str(message)
    assert site_people(store) == before and store.version() == version
    assert plan is not None  # the plan stays on screen


def test_a_double_clicked_apply_adds_the_people_once(app, store):
    *_shown, memo, _footer = plan_barsem(app)
    first, _cleared = run(app, "cccm", relocation.apply_plan, 1, "order 12", memo, now=T1)
    after, version = site_people(store), store.version()
    again, _plan = run(app, "cccm", relocation.apply_plan, 2, "order 12", memo, now=T1)
    assert "Plan applied" in str(first) and "already sent" in str(again)
    assert site_people(store) == after and store.version() == version


def test_apply_uses_the_plan_the_server_signed_not_the_browsers_copy(app, store):
    *_shown, memo, _footer = plan_barsem(app)
    site_id = next(iter(memo["incoming"]))
    forged = memo | {"incoming": {site_id: 1_000_000}, "before": {site_id: 0}}
    before = site_people(store)
    message, _cleared = run(app, "cccm", relocation.apply_plan, 1, "order 12", forged, now=T1)
    assert "Plan applied: 3,000 people" in str(message)
    assert site_people(store)[site_id] == before[site_id] + memo["incoming"][site_id]


def test_apply_without_the_plans_token_is_refused(app, store):
    *_shown, memo, _footer = plan_barsem(app)
    version = store.version()
    message, _plan = run(app, "cccm", relocation.apply_plan, 1, "order 12", memo | {"token": None})
    assert "no write token" in str(message) and store.version() == version


def test_apply_needs_a_reason(app, store):
    *_shown, memo, _footer = plan_barsem(app)
    version = store.version()
    message, _plan = run(app, "cccm", relocation.apply_plan, 1, " ", memo)
    assert "reason is required" in str(message) and store.version() == version


def test_a_distance_limit_leaves_people_unplaced_with_the_reason(app):
    _m, summary, _fig, flows, unmet, _sites, memo, _f = plan_barsem(app, max_km=20)
    assert sum(row["people"] for row in flows) < 3000
    assert "within 20 km" in str(unmet)
    assert "Not placed" in str(unmet)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("zone", [], None, None, 3000), "choose the hazard zone"),
        (("district", None, None, None, 3000), "choose the district"),
        (("places", None, None, [], 3000), "choose at least one village"),
        (("zone", BARSEM, None, None, -4), "between 1 and"),
        (("zone", BARSEM, None, None, "many"), "is not a number"),
    ],
)
def test_a_bad_request_says_what_to_fix(app, args, says):
    message, *_rest, memo, _footer = run(
        app, "viewer", relocation.run_plan, 1, *args, ALL_TYPES, None, ON, "first"
    )
    assert says in str(message) and memo is None


def test_a_district_or_villages_can_be_moved_too(app, seed_frames):
    district = run(
        app, "viewer", relocation.run_plan, 1, "district", None, "Shughnon District", None,
        500, ALL_TYPES, None, ON, "first",
    )  # fmt: skip
    assert district[6]["placed"] == 500
    places = seed_frames["places"]
    vanj = places[places["name"] == "Vanj"].iloc[0]
    # No number given: the village's recorded population moves.
    villages = run(
        app, "viewer", relocation.run_plan, 1, "places", None, None, [str(vanj["geonameid"])],
        None, ALL_TYPES, None, ON, "first",
    )  # fmt: skip
    message, _summary, _figure, flows, unmet, _sites, memo, _footer = villages
    assert message == "" and "Vanj" in str(_summary)
    placed = sum(row["people"] for row in flows)
    assert placed == memo["placed"] and placed <= int(vanj["population"])
    assert placed == int(vanj["population"]) or "Not placed" in str(unmet)


def test_nothing_runs_before_a_button_is_pressed(app):
    for fn, args in (
        (relocation.run_plan, (0, "zone", BARSEM, None, None, 3000, ALL_TYPES, None, ON, "first")),
        (relocation.download_plan, (None, None)),
        (relocation.apply_plan, (0, "r", None)),
    ):
        with pytest.raises(PreventUpdate):
            run(app, "cccm", fn, *args)


def test_the_reasons_shown_are_the_planners(app):
    assert set(REASONS) == {
        planner.NO_FREE_PLACES, planner.TYPE_FILTER, planner.NO_SITE_IN_REACH,
        planner.TYPE_FILTER_IN_REACH, planner.NOT_ENOUGH_IN_REACH, planner.NOT_ENOUGH_OVERALL,
    }  # fmt: skip
    reason = planner.NO_SITE_IN_REACH.format(km=20.0)
    assert translated_reason(reason, 20.0) == reason  # English: the same words


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("duty_officer", 403)])
def test_the_server_refuses_apply_from_roles_that_may_not_edit_sites(app, store, role, status):
    *_shown, memo, _footer = plan_barsem(app)
    version = store.version()
    _dep, response = post_callback(
        client_as(app, role),
        app,
        "reloc-message.children@",
        {"reloc-apply.n_clicks": 1, "reloc-reason.value": "order", "reloc-plan.data": memo},
    )
    assert response.status_code == status and b"refused" in response.get_data()
    assert store.version() == version


def test_a_cccm_officer_applies_through_the_server(app, store):
    *_shown, memo, _footer = plan_barsem(app)
    version = store.version()
    _dep, response = post_callback(
        client_as(app, "cccm"),
        app,
        "reloc-message.children@",
        {"reloc-apply.n_clicks": 1, "reloc-reason.value": "order", "reloc-plan.data": memo},
    )
    assert response.status_code == 200, response.get_data()[:300]
    assert store.version() == version + 1
