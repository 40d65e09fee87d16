"""The public donor page's callback and layout, called as plain functions on the seed store."""

from __future__ import annotations

import html
import json

import pytest

import layers
from eoc.i18n import language
from eoc.publish import PUBLISHED_LAYERS
from eoc.web import create_app, ids
from eoc.web.components.alert_map import ALERT_LAYER
from eoc.web.pages.public import (
    PUBLIC_OPERATIONAL,
    layers_key,
    layout,
    update_public_page,
    zone_changes_passed,
)
from tests.conftest import settings_for


@pytest.fixture(scope="module")
def app(each_staff_store):
    return create_app(each_staff_store, settings_for(each_staff_store))


@pytest.fixture(scope="module")
def everything_on(app):
    with app.server.test_request_context():
        return update_public_page(list(PUBLIC_OPERATIONAL))


def call(app, fn, *args):
    with app.server.test_request_context():
        return fn(*args)


def traces_of(figure, layer: str) -> list:
    return [trace for trace in figure.data if trace.meta["layer"] == layer]


def test_the_page_offers_every_non_sensitive_operational_layer(app):
    page = call(app, layout)
    [toggles] = [c for c in _walk(page) if getattr(c, "id", None) == ids.PUBLIC_LAYER_TOGGLES]
    published = [name for name in layers.OPERATIONAL if name in PUBLISHED_LAYERS]
    assert [o["value"] for o in toggles.options] == published
    assert toggles.value == published
    assert set(published) == {
        "displacement_sites",
        "hazard_zones",
        "border_checkpoints",
        "infrastructure_projects",
    }


def test_all_public_layers_are_drawn_by_default(everything_on):
    figure = everything_on[0]
    # And the Public CAP alerts in force (tests/alerts/test_alert_map.py).
    drawn = {trace.meta["layer"] for trace in figure.data}
    assert drawn == {*PUBLIC_OPERATIONAL, ALERT_LAYER}


def test_the_map_draws_the_zones_in_force_the_tile_counts(app, each_staff_store):
    from datetime import UTC, datetime

    from eoc.analysis.active import active_at

    now = datetime.now(UTC)
    zones = each_staff_store.read_layer("hazard_zones")
    in_force = active_at(zones, now)
    assert 0 < len(in_force) < len(zones)  # the seed's summer floods have ended
    figure = call(app, update_public_page, list(PUBLIC_OPERATIONAL))[0]
    drawn = sum(len(t.geojson["features"]) for t in traces_of(figure, "hazard_zones"))
    assert drawn == len(in_force)


def test_a_layer_switched_off_is_not_drawn(app):
    shown = [name for name in PUBLIC_OPERATIONAL if name != "border_checkpoints"]
    figure = call(app, update_public_page, shown)[0]
    assert not traces_of(figure, "border_checkpoints")
    assert traces_of(figure, "displacement_sites")


def test_protection_shelters_are_not_on_the_map(everything_on, seed_frames):
    sites = seed_frames["displacement_sites"]
    shown = [
        row[0] for t in traces_of(everything_on[0], "displacement_sites") for row in t.customdata
    ]
    open_sites = sites[~sites["sensitive"]]
    assert sorted(shown) == sorted(html.escape(name) for name in open_sites["name"])
    assert not any("Protection shelter" in name for name in shown)


def test_checkpoint_tooltips_show_only_names_and_status(everything_on, seed_frames):
    traces = traces_of(everything_on[0], "border_checkpoints")
    assert traces
    for trace in traces:
        assert "Counterpart" not in trace.hovertemplate
        assert "Border with" not in trace.hovertemplate
        assert "Name in Tajik" in trace.hovertemplate  # the public spellings of the name
        assert all(len(row) == 4 for row in trace.customdata)
    shown = {row[1] for t in traces for row in t.customdata}
    assert shown == {"Open", "Restricted", "Closed"}


def test_a_tajik_public_page_titles_the_checkpoints_in_tajik(app):
    with app.server.test_request_context(), language("tg"):
        figure = update_public_page(["border_checkpoints"])[0]
    titles = {row[0] for t in traces_of(figure, "border_checkpoints") for row in t.customdata}
    assert {"Панҷи Поён", "Қизиларт"} <= titles and "Panji Poyon" not in titles


def test_site_people_are_rounded_and_small_sites_moved_to_a_1_km_grid(everything_on, seed_frames):
    sites = seed_frames["displacement_sites"]
    by_name = {html.escape(row.name): row for row in sites.itertuples()}
    for trace in traces_of(everything_on[0], "displacement_sites"):
        for row, lat, lon in zip(trace.customdata, trace.lat, trace.lon, strict=True):
            site = by_name[row[0]]
            people = int(row[3].replace(",", ""))
            assert people % 10 == 0 and abs(people - site.individuals) <= 5
            grid = 0.01 if site.individuals < 200 else 0.001
            assert lat == pytest.approx(round(site.geometry.y / grid) * grid, abs=1e-9)
            assert lon == pytest.approx(round(site.geometry.x / grid) * grid, abs=1e-9)


def test_the_summary_charts_show_projects_by_donor_kind_and_region(everything_on, seed_frames):
    by_donor, by_kind, by_region = everything_on[1:4]
    projects = seed_frames["infrastructure_projects"]
    counts, beneficiaries = by_donor.data
    assert sum(counts.x) == len(projects)
    assert sum(beneficiaries.x) == projects["beneficiaries"].sum()
    assert counts.y[0] == "Government of Japan" and counts.x[0] == 12
    assert "Cold storage" in by_kind.data[0].y
    assert set(by_region.data[0].y) == {"Gorno-Badakhshan (GBAO)", "Khatlon", "Dushanbe"}


def test_the_basemap_is_offline_and_from_public_context(everything_on):
    style = everything_on[0].layout.map.style
    assert "http" not in json.dumps(style)
    assert style["glyphs"].startswith("/assets/glyphs/")
    assert {"country", "regions", "districts", "rivers", "places"} <= set(style["sources"])


def test_the_footer_states_version_data_time_and_attribution(everything_on, each_staff_store):
    text = "".join(_texts(everything_on[4]))
    assert f"Store version: {each_staff_store.version()}" in text
    assert "2026-11-22 06:00 UTC" in text and "Dushanbe" in text
    assert "OpenStreetMap contributors" in text


def test_the_callback_is_registered_as_public(app):
    actions = app.server.config["EOC_CALLBACK_ACTIONS"]
    [key] = [key for key in actions if ids.PUBLIC_MAP in key]
    assert actions[key] == "view_public"
    assert all(part.startswith("public-") for part in key.strip(".").split("..."))


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            yield from _walk(child)


def _texts(component) -> list[str]:
    if isinstance(component, str):
        return [component]
    if isinstance(component, list | tuple):
        return [t for c in component for t in _texts(c)]
    children = getattr(component, "children", None)
    return _texts(children) if children is not None else []


def test_a_kept_answer_changes_when_a_zone_starts_or_ends(app):
    """The figures count the zones in force now: the cache key moves with their starts and
    ends (the three Sarez rings and the Rasht landslide zone start at 03:15 on 21 Nov), and
    only with them."""
    from datetime import UTC, datetime

    def passed(text):
        return call(app, zone_changes_passed, datetime.fromisoformat(text).replace(tzinfo=UTC))

    assert passed("2026-11-21T03:14") + 4 == passed("2026-11-21T03:15")
    assert passed("2026-11-21T04:00") == passed("2026-11-22T06:00")  # nothing starts or ends
    key = call(app, layers_key, [{"value": ["hazard_zones"]}])
    assert key.startswith("hazard_zones@")


def test_the_page_shows_the_public_figures(everything_on):
    tiles = everything_on[-1]
    names = [t.className.split()[1] for t in tiles.children]
    assert names == [
        "kpi-people-in-sites",
        "kpi-open-sites",
        "kpi-active-hazard-zones",
        "kpi-projects-in-hazard-zones",
        "kpi-closed-checkpoints",
        "kpi-restricted-checkpoints",
    ]
