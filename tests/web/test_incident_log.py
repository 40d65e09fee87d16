"""The incident log on the operations page: details, new incidents, status changes."""

from __future__ import annotations

from datetime import UTC, datetime

import dash
import pandas as pd
import pytest

from eoc.analysis.capacity import CapacityRules, load_standards, site_capacity
from eoc.i18n import format_zoned_time, language
from eoc.reports import wording
from eoc.reports.build import build_sitrep
from eoc.web import create_app, ids
from eoc.web.components.map_figure import trace_slots
from eoc.web.context import WRITE_TOKENS_KEY
from eoc.web.pages.operations import layout
from eoc.web.pages.operations_forms import save_incident, save_status, show_detail
from layers import OPERATIONAL
from tests.conftest import settings_for, signed_in, staff_copy

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.fixture
def store(request, backend, tmp_path):
    copy = staff_copy(request, backend, tmp_path)
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


# --- incidents recorded right: time zone, place, duplicates, cleared form, re-read panel ----


def panel_text(panel) -> str:
    """Every text the panel shows, as the reader sees it."""
    return " ".join(
        str(c.children) for c in _walk(panel) if isinstance(getattr(c, "children", None), str)
    )


def saved_row(store, description):
    incidents = store.read_layer("incidents")
    return incidents[incidents["description"] == description].iloc[0]


def test_a_time_entered_in_dushanbe_is_stored_in_utc_and_shown_with_its_zone(app, store):
    token = form_token(app)
    with signed_in(app, "duty_officer"):
        message, *_ = save_incident(
            1,
            "flood",
            "high",
            "Kofarnihon over its banks",
            None,
            "38.5",
            "68.8",
            "call",
            token,
            "2026-11-22T13:30",
            now=NOW,
        )
    assert "saved" in text(message)
    row = saved_row(store, "Kofarnihon over its banks")
    assert row["time_utc"] == pd.Timestamp("2026-11-22T08:30:00Z")
    with signed_in(app, "viewer"):
        shown = panel_text(show_detail(click_on("incidents", row["incident_id"])))
    local = format_zoned_time(datetime(2026, 11, 22, 8, 30, tzinfo=UTC))
    assert local.startswith("2026-11-22 13:30") and local.endswith("(Dushanbe time, UTC+5)")
    assert local in shown and "8:30" not in shown and "(UTC)" not in shown


def test_a_time_in_the_future_or_not_a_time_is_refused(app, store):
    before = store.version()
    token = form_token(app)
    with signed_in(app, "duty_officer"):
        future, *_ = save_incident(
            1, "flood", "low", "x", None, "38.5", "68.8", "r", token, "2026-11-23T09:00", now=NOW
        )
        garbage, *_ = save_incident(
            1, "flood", "low", "x", None, "38.5", "68.8", "r", token, {"$gt": ""}, now=NOW
        )
    assert "is in the future" in text(future) and "not a date and time" in text(garbage)
    assert 'role": "alert' in text(future).replace("'", '"')
    assert store.version() == before


def test_region_and_district_come_from_the_location_and_reach_the_sitrep(app, store):
    token = form_token(app)
    new_incident(app, token, desc="Mudflow reaches Vanj bazaar")
    row = saved_row(store, "Mudflow reaches Vanj bazaar")
    assert (row["adm1_iso"], row["adm2_name"]) == ("TJ-GB", "Vanj District")
    report = build_sitrep(store, as_of=NOW, produced_by="test", draw_map=False)
    table = report.incidents
    [mine] = [r for r in table.rows if "Vanj bazaar" in str(r)]
    region = [c.key for c in table.columns].index("region")
    shown = wording.cell(mine[region], table.columns[region], report.region_names)
    assert shown.startswith("Gorno-Badakhshan")


def test_a_likely_duplicate_asks_before_saving_and_saves_when_confirmed(app, store):
    def save(token, description, lat, when, save_anyway=None):
        with signed_in(app, "duty_officer"):
            return save_incident(
                1,
                "mudflow",
                "high",
                description,
                "30",
                lat,
                "71.45",
                "call",
                token,
                when,
                save_anyway,
                now=NOW,
            )

    save(form_token(app), "Mudflow at Vanj, first call", "38.37", "2026-11-22T14:20")
    before = store.version()
    token = form_token(app)
    warning, version, fresh, box, *form = save(token, "Mudflow at Vanj, second", "38.3772", "")
    words = text(warning)
    assert "An open mudflow incident 0.8 km away was logged 40 min before this one" in words
    assert "INC-" in words and "Save anyway" in words and "alert" in words
    assert version is dash.no_update and fresh is dash.no_update and box == {"display": "block"}
    assert all(value is dash.no_update for value in form)  # the officer's input is kept
    assert store.version() == before
    saved, version, *_ = save(token, "Mudflow at Vanj, second", "38.3772", "", ["yes"])
    assert "saved" in text(saved) and version == before + 1


def test_the_form_clears_after_a_save(app, store):
    message, _version, _token, box, *form = new_incident(app, form_token(app))
    assert "saved" in text(message) and box == {"display": "none"}
    assert form == [None, None, "", None, "", "", "", "", []]


def test_messages_sit_next_to_the_button_that_was_pressed(app):
    with signed_in(app, "duty_officer"):
        page = layout()
        panel = show_detail(click_on("incidents", "INC-20261121-004"))
    form = find(page, ids.INC_SAVE)
    incident_form = next(c for c in _walk(page) if getattr(c, "className", "") == "incident-form")
    kids = [getattr(c, "id", None) for c in incident_form.children]
    assert kids.index(ids.INC_MESSAGE) == kids.index(ids.INC_SAVE) + 1 and form is not None
    assert find(page, ids.INC_MESSAGE).role == "status"
    status_form = next(c for c in _walk(panel) if getattr(c, "className", "") == "status-form")
    kids = [getattr(c, "id", None) for c in status_form.children]
    assert kids.index(ids.STATUS_MESSAGE) == kids.index(ids.STATUS_SAVE) + 1
    assert find(page, "ops-message") is None  # no message box at the top of the panel


def _walk(component):
    if isinstance(component, list | tuple):
        for c in component:
            yield from _walk(c)
        return
    if not hasattr(component, "to_plotly_json"):
        return
    yield component
    yield from _walk(getattr(component, "children", None))


def test_after_a_status_change_the_panel_shows_the_new_status(app, store):
    target = status_target(app, "incidents", "INC-20261121-004")
    with signed_in(app, "duty_officer"):
        message, panel, version = save_status(1, "closed", "road reopened", target, now=NOW)
    assert message is dash.no_update and version == store.version()
    shown = panel_text(panel)
    assert "set to Closed" in shown
    assert find(panel, ids.STATUS_VALUE).value == "closed"
    assert find(panel, ids.STATUS_TARGET).data["token"] != target["token"]  # a fresh form


def test_the_detail_panel_speaks_in_words(app):
    with signed_in(app, "viewer"):
        checkpoint = panel_text(show_detail(click_on("border_checkpoints", "TJ-BCP-09")))
        site = panel_text(show_detail(click_on("displacement_sites", "TJ-DS-0010")))
    assert "Kyrgyzstan" in checkpoint and "KGZ" not in checkpoint
    assert "Gorno-Badakhshan Autonomous Region" in checkpoint and "TJ-GB" not in checkpoint
    assert "Sensitive" not in site and "False" not in site


def test_the_detail_panel_is_in_the_page_language(app):
    with signed_in(app, "viewer"), language("ru"):
        checkpoint = panel_text(show_detail(click_on("border_checkpoints", "TJ-BCP-09")))
    assert "Киргизия" in checkpoint and "Горно-Бадахшанская" in checkpoint
    assert "Кызыл-Арт (TJ-BCP-09)" in checkpoint  # the heading names it in Russian


def test_a_site_over_its_binding_capacity_is_warned_about(app, store):
    with signed_in(app, "viewer"):
        panel = show_detail(click_on("displacement_sites", "TJ-DS-0010"))
    sites = store.read_layer("displacement_sites")
    rules = CapacityRules(load_standards(), on=datetime.now(UTC).date())
    row = site_capacity(sites[sites["site_id"] == "TJ-DS-0010"], rules=rules).iloc[0]
    places = int(row["binding_capacity"])
    warning = next(c for c in panel if getattr(c, "className", "") == "detail-warning")
    assert warning.role == "alert"
    assert warning.children.startswith(f"260 people for {places} places — ")
    assert f"{round(260 / places * 100)}%" in warning.children


def test_a_site_within_capacity_has_no_warning(app, store):
    rules = CapacityRules(load_standards(), on=datetime.now(UTC).date())
    sites = site_capacity(store.read_layer("displacement_sites"), rules=rules)
    within = sites[(sites["over_capacity"] == False) & (sites["status"] == "open")]  # noqa: E712
    with signed_in(app, "viewer"):
        panel = show_detail(click_on("displacement_sites", within.iloc[0]["site_id"]))
    assert not [c for c in panel if getattr(c, "className", "") == "detail-warning"]
