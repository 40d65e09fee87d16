"""The operations page's callback and routes, called as plain functions on a real store."""

from __future__ import annotations

import html
import json

import pytest

import layers
from eoc.i18n import language
from eoc.publish import PUBLISHED_LAYERS
from eoc.store.edits import Edit
from eoc.web import create_app
from eoc.web.pages.operations import layout, update_map
from tests.conftest import SEED_TIME, settings_for, signed_in, staff_copy


@pytest.fixture(scope="module")
def app(each_staff_store):
    return create_app(each_staff_store, settings_for(each_staff_store))


def call(app, fn, *args, role="viewer"):
    with signed_in(app, role):
        return fn(*args)


def layers_drawn(figure) -> set[str]:
    return {trace.meta["layer"] for trace in figure.data if trace.visible is not False}


def draw(app, visible, region="all", role="viewer"):
    """The map as first drawn for `visible` layers and `region`."""
    figure, footer, _state = call(
        app, update_map, None, list(visible), region, None, None, 0, None, None, role=role
    )
    return figure, footer


def test_all_operational_layers_are_drawn_by_default(app):
    figure, _ = draw(app, layers.OPERATIONAL)
    assert layers_drawn(figure) == set(layers.OPERATIONAL)


def test_a_layer_switched_off_is_not_drawn(app):
    shown = [n for n in layers.OPERATIONAL if n != "hazard_zones"]
    figure, _ = draw(app, shown)
    assert "hazard_zones" not in layers_drawn(figure)


def test_the_region_filter_keeps_only_features_in_the_region(app, seed_frames):
    figure, _ = draw(app, ["displacement_sites"], "TJ-GB")
    shown = sum(len(t.lat) for t in figure.data if t.meta["layer"] == "displacement_sites")
    sites = seed_frames["displacement_sites"]
    assert shown == int((sites["adm1_iso"] == "TJ-GB").sum())
    assert 0 < shown < len(sites)
    assert 37.0 < figure.layout.map.center.lat < 39.5
    assert figure.layout.map.center.lon > 70.5


def test_checkpoint_tooltips_are_titled_in_the_page_language(app):
    with signed_in(app, "viewer"), language("ru"):
        figure, *_ = update_map(None, ["border_checkpoints"], "all", None, None, 0, None, None)
    traces = [t for t in figure.data if t.meta["layer"] == "border_checkpoints"]
    titles = {row[0] for t in traces for row in (t.customdata or [])}
    assert {"Кызыл-Арт", "Нижний Пяндж"} <= titles and "Kyzyl-Art" not in titles


def test_site_tooltips_show_people_and_capacity(app, seed_frames):
    figure, _ = draw(app, ["displacement_sites"])
    traces = [t for t in figure.data if t.meta["layer"] == "displacement_sites"]
    assert "People: %{customdata[3]}" in traces[0].hovertemplate
    sites = seed_frames["displacement_sites"]
    names = {row[0] for t in traces for row in (t.customdata or [])}
    # Escaped: plotly renders hover text as (a subset of) HTML.
    assert names == {html.escape(name) for name in sites["name"]}


def test_the_basemap_is_offline(app):
    figure, _ = draw(app, [])
    style = figure.layout.map.style
    text = json.dumps(style)
    assert style["glyphs"].startswith("/assets/glyphs/")
    assert "http" not in text
    assert {"country", "regions", "districts", "rivers", "roads", "places"} <= set(style["sources"])


def test_the_footer_states_version_data_time_and_scenario(app, each_staff_store):
    _, footer = draw(app, [])
    text = "".join(_texts(footer))
    assert f"Store version: {each_staff_store.version()}" in text
    assert "2026-11-22 06:00 UTC (2026-11-22 11:00 Dushanbe)" in text
    assert "illustrative scenario" in text


def test_the_layout_offers_the_regions_of_the_store(app):
    page = call(app, layout)
    dropdown = next(c for c in page.children[0].children if getattr(c, "id", "") == "region-filter")
    assert [o["value"] for o in dropdown.options] == [
        "all",
        "TJ-RA",
        "TJ-DU",
        "TJ-GB",
        "TJ-KT",
        "TJ-SU",
    ]


def test_the_layout_asks_anonymous_visitors_to_sign_in(app):
    page = call(app, layout, role=None)
    assert "sign-in-required" in page.className
    assert "regions" not in str(page)


def test_healthz_tells_anonymous_monitors_only_public_counts(app, seed_frames):
    body = app.server.test_client().get("/healthz").get_json()
    sites = seed_frames["displacement_sites"]
    assert body["layers"]["displacement_sites"] == int((~sites["sensitive"]).sum())
    assert set(body["layers"]) == set(PUBLISHED_LAYERS)  # no incidents, no health facilities
    assert set(body) == {"status", "layers"}  # no version, data time or store location


def test_healthz_for_anonymous_monitors_does_not_move_with_a_sensitive_write(
    request, backend, tmp_path
):
    store = staff_copy(request, backend, tmp_path)
    app = create_app(store, settings_for(store))
    version = store.version()
    before = app.server.test_client().get("/healthz").get_data()
    shelter = store.read_layer("displacement_sites").query("sensitive").iloc[0]
    people = {"individuals": int(shelter["individuals"]) + 3}
    store.apply_edits(
        "displacement_sites",
        [Edit(shelter["site_id"], people)],
        user="cccm1",
        reason="headcount",
        now=SEED_TIME,
    )
    incident = store.read_layer("incidents").iloc[0]
    store.apply_edits(
        "incidents",
        [Edit(incident["incident_id"], {"people_affected": 7})],
        user="duty1",
        reason="update",
        now=SEED_TIME,
    )
    assert store.version() > version
    assert app.server.test_client().get("/healthz").get_data() == before


def test_healthz_reports_version_data_time_and_counts(app, each_staff_store, seed_frames):
    with signed_in(app, "viewer"):
        from eoc.web.routes import healthz

        body = healthz().get_json()
    assert body["version"] == each_staff_store.version()
    assert body["data_time"] == "2026-11-22T06:00:00+00:00"
    assert body["layers"]["displacement_sites"] == len(seed_frames["displacement_sites"])
    assert set(body["layers"]) == set(layers.REGISTRY)


def test_healthz_on_a_missing_store_is_an_error(fresh_store):
    app = create_app(fresh_store, settings_for(fresh_store))
    with signed_in(app, "viewer"):
        from eoc.web.routes import healthz

        response = healthz()
    assert response.status_code == 503
    assert "eoc init" in response.get_json()["error"]


def _texts(component) -> list[str]:
    """All text inside a Dash component tree, in order."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, list | tuple):
        return [t for c in component for t in _texts(c)]
    children = getattr(component, "children", None)
    return _texts(children) if children is not None else []


def test_the_headline_figures_and_the_feed_come_with_the_page(app, seed_frames):
    from eoc.web.pages.operations import update_panels

    tiles, feed = call(app, update_panels, None, 0)
    text = "".join(_texts(tiles))
    people = int(
        seed_frames["displacement_sites"]
        .query("status in ['open', 'closing']")["individuals"]
        .sum()
    )
    assert f"{people:,}" in text and "People in sites" in text
    assert "Avalanche on the Anzob pass" in "".join(_texts(feed))


def test_the_situation_can_be_shown_at_a_chosen_past_moment(app):
    from datetime import UTC, datetime

    from eoc.web.pages.operations import show_as_of, update_panels

    now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    # 2026-11-19 12:00 Dushanbe is 07:00 UTC: before the earthquake and the Anzob avalanche.
    label, banner, style = call(app, show_as_of, 0, "2026-11-19T12:00")
    assert "2026-11-19 12:00" in label
    assert banner.startswith("Viewing 2026-11-19 12:00") and "not live" in banner
    assert style == {"display": "block"}
    tiles, feed = call(app, lambda: update_panels(None, 0, "2026-11-19T12:00", now=now))
    assert "Avalanche on the Anzob pass" not in "".join(_texts(feed))
    figure, _footer, _state = call(
        app,
        lambda: update_map(
            None, ["incidents"], "all", None, None, 0, "2026-11-19T12:00", None, now=now
        ),
    )
    shown = {
        row[0]
        for t in figure.data
        if t.meta["layer"] == "incidents"
        for row in (t.customdata or [])
    }
    assert not any("M7.2" in text for text in shown)
    assert shown == set()  # the only earlier incident (Gharm, 18 Nov) is closed
    figure, _footer, _state = call(
        app,
        lambda: update_map(
            None, ["incidents"], "all", None, None, 0, "2026-11-20T12:00", None, now=now
        ),
    )
    shown = {
        row[0]
        for t in figure.data
        if t.meta["layer"] == "incidents"
        for row in (t.customdata or [])
    }
    assert any("Barsem" in text for text in shown) and not any("M7.2" in t for t in shown)
