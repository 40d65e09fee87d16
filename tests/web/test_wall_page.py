"""The wall screen's layout and callbacks, called as plain functions on a real store."""

from __future__ import annotations

from datetime import UTC, datetime

import dash
import pytest
from shapely.geometry import Point

import layers
from eoc.i18n import language
from eoc.permissions import Action
from eoc.store.edits import Edit
from eoc.web import create_app, ids
from eoc.web.components.map_figure import trace_slots
from eoc.web.pages.wall import (
    layout,
    rotate_view,
    rotation_view,
    update_wall_map,
    update_wall_panels,
)
from eoc.web.security import CALLBACK_ACTIONS_KEY
from tests.conftest import SEED_TIME, settings_for, signed_in, staff_copy

FRESH = "2026-11-22T06:10:00Z"  # ten minutes after the seed's data time
A_DAY_LATER = "2026-11-23T06:00:00Z"
SCREEN_1080P = {"width": 1920, "height": 1080}


@pytest.fixture(scope="module")
def app(each_staff_store):
    return create_app(each_staff_store, settings_for(each_staff_store))


@pytest.fixture
def store(request, backend, tmp_path):
    copy = staff_copy(request, backend, tmp_path)
    return copy


def find(component, component_id):
    """The component with `component_id` in a layout tree."""
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found = find(child, component_id)
            if found is not None:
                return found
    return None


def wall_params(app, role="viewer", **query) -> dict:
    with signed_in(app, role):
        page = layout(**query)
    return find(page, ids.WALL_PARAMS).data


def panels(app, params, version=None, role="viewer"):
    with signed_in(app, role):
        return update_wall_panels(1, version, params)


def test_anonymous_visitors_get_the_sign_in_prompt(app):
    with signed_in(app, None):
        page = layout()
    assert "sign-in-required" in page.className
    assert find(page, ids.WALL_MAP) is None


def test_anonymous_callbacks_are_refused_by_the_server(app):
    deps = app.server.test_client().get("/_dash-dependencies").get_json()
    wall_outputs = [d["output"] for d in deps if "wall-" in d["output"]]
    server_side = [d for d in deps if "wall-" in d["output"] and not d.get("clientside_function")]
    # + the clock and the screen size; feed health and arrivals are server callbacks too
    assert len(server_side) == 6 and len(wall_outputs) == 8
    for dep in server_side:
        assert app.server.config[CALLBACK_ACTIONS_KEY][dep["output"]] == Action.VIEW_WALL
        body = {"output": dep["output"], "outputs": [], "inputs": [], "state": []}
        response = app.server.test_client().post("/_dash-update-component", json=body)
        assert response.status_code == 403, dep["output"]


def test_the_wall_is_in_the_nav_for_staff(app):
    assert any(page["path"] == "/wall" for page in dash.page_registry.values())


def test_stale_data_gets_a_banner(app):
    params = wall_params(app, now=A_DAY_LATER)
    _kpis, banners, data_time, _feed = panels(app, params)
    text = str(banners)
    assert "banner-stale" in text and "STALE DATA" in text
    assert "24 hours" in text
    assert "REPLAY" in str(data_time)


def test_fresh_data_has_no_stale_banner(app):
    params = wall_params(app, now=FRESH)
    _kpis, banners, data_time, _feed = panels(app, params)
    assert "banner-stale" not in str(banners)
    assert "2026-11-22 06:00 UTC" in str(data_time)


def test_the_url_can_set_the_stale_threshold(app):
    params = wall_params(app, now=A_DAY_LATER, stale="2000")
    assert params["stale_after_min"] == 2000
    assert "banner-stale" not in str(panels(app, params)[1])


def test_new_severe_incidents_get_a_banner_for_six_hours(app):
    after_rockfall = wall_params(app, now="2026-11-21T09:40:00Z", stale="100000")
    text = str(panels(app, after_rockfall)[1])
    assert "banner-incidents" in text and "Rockfall closes the Pamir highway" in text
    # The earthquake at 03:15 is more than six hours before 09:40: not in the banner.
    assert "Scenario M7.2 earthquake" not in text
    later = wall_params(app, now="2026-11-21T14:00:00Z", stale="100000")
    assert "banner-incidents" not in str(panels(app, later)[1])


def test_the_kpis_and_feed_follow_now(app):
    params = wall_params(app, now=FRESH)
    kpis, _banners, _data_time, feed = panels(app, params)
    assert "15,458" in str(kpis) and "People in sites" in str(kpis)
    # The avalanche on the Anzob pass (04:20 UTC) is the newest incident at 06:10 UTC.
    assert "Avalanche on the Anzob pass" in str(feed)
    earlier = wall_params(app, now="2026-11-21T00:00:00Z")
    assert "Avalanche on the Anzob pass" not in str(panels(app, earlier)[3])


@pytest.mark.parametrize(
    ("query", "views", "rotate_s"),
    [
        ({}, ["country"], None),
        ({"rotate": "60", "views": "country,gbao"}, ["country", "gbao"], 60.0),
        ({"rotate": "1", "views": "gbao,KHATLON,nowhere,drs"}, ["gbao", "khatlon", "drs"], 5.0),
        ({"rotate": "60"}, ["country"], None),  # one view: nothing to rotate
        ({"views": "sughd"}, ["sughd"], None),
        ({"rotate": "soon", "views": "country,dushanbe"}, ["country", "dushanbe"], None),
    ],
)
def test_rotation_settings_come_from_the_url(app, query, views, rotate_s):
    params = wall_params(app, **query)
    assert list(params["views"]) == views
    assert params["rotate_s"] == rotate_s
    with signed_in(app, "viewer"):
        interval = find(layout(**query), ids.WALL_ROTATE)
    assert interval.disabled is (rotate_s is None)


def test_rotation_steps_through_the_views_in_order(app):
    params = wall_params(app, rotate="60", views="country,gbao,dushanbe")
    assert [rotation_view(params, step) for step in range(5)] == [
        "country",
        "gbao",
        "dushanbe",
        "country",
        "gbao",
    ]
    with signed_in(app, "viewer"):
        moves = [rotate_view(step, params, SCREEN_1080P) for step in (1, 2, 3)]
    names = [name for _patch, name in moves]
    assert names == ["Gorno-Badakhshan (GBAO)", "Dushanbe", "All Tajikistan"]
    views = [
        {op["location"][-1]: op["params"]["value"] for op in patch.to_plotly_json()["operations"]}
        for patch, _name in moves
    ]
    # Only the view is sent: centre, zoom and a new uirevision, never data.
    assert all(set(view) == {"center", "zoom", "uirevision"} for view in views)
    gbao, dushanbe, country = views
    assert gbao["center"]["lon"] > 71.5 and dushanbe["zoom"] > gbao["zoom"] > country["zoom"]
    assert dushanbe["center"] == pytest.approx({"lat": 38.56, "lon": 68.79}, abs=0.1)


def test_the_first_view_of_the_rotation_is_drawn_first(app):
    params = wall_params(app, rotate="60", views="gbao,country")
    with signed_in(app, "viewer"):
        figure, state = update_wall_map(None, SCREEN_1080P, params, None)
    assert figure.layout.map.uirevision == "gbao"
    assert figure.layout.map.center.lon > 71.5
    assert figure.layout.showlegend is False


def test_a_data_change_patches_only_its_layer_and_keeps_the_view(store):
    app = create_app(store, settings_for(store))
    params = {"views": ["country"], "rotate_s": None, "stale_after_min": 30.0, "now": None}
    with signed_in(app, "viewer"):
        figure, state = update_wall_map(None, SCREEN_1080P, params, None)
        assert update_wall_map(state["version"], SCREEN_1080P, params, state) == (
            dash.no_update,
            dash.no_update,
        )
        store.apply_edits(
            "incidents",
            [
                Edit(
                    "INC-WALL-1",
                    {
                        "time_utc": "2026-11-22T07:55:00Z",
                        "incident_type": "road_blocked",
                        "severity": "critical",
                        "status": "reported",
                        "description": "Bridge down near Vanj",
                        "source": "duty officer",
                        "geometry": Point(71.45, 38.37),
                    },
                    op="insert",
                )
            ],
            user="duty1",
            reason="test",
            now=datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
        )
        patch, new_state = update_wall_map(store.version(), SCREEN_1080P, params, state)
    assert isinstance(patch, dash.Patch)
    operations = patch.to_plotly_json()["operations"]
    slots = trace_slots(layers.OPERATIONAL)
    assert {slots[op["location"][1]][0] for op in operations} == {"incidents"}
    assert all(op["location"][0] == "data" for op in operations), "the view must not move"
    assert "Bridge down near Vanj" in str(operations)
    assert new_state["version"] == store.version()
    # Markers stay as large as on the first draw.
    first_size = next(t.marker.size for t in figure.data if t.meta["layer"] == "incidents")
    sizes = {op["params"]["value"]["marker"]["size"] for op in operations}
    assert sizes == {first_size}


def test_the_feed_names_a_changed_checkpoint_in_the_page_language(store):
    app = create_app(store, settings_for(store))
    store.apply_edits(
        "border_checkpoints",
        [Edit("TJ-BCP-09", {"status": "closed"}, expected={"status": "restricted"})],
        user="duty1",
        reason="snow on the pass",
        now=datetime(2026, 11, 22, 6, 5, tzinfo=UTC),
    )
    params = wall_params(app, now=FRESH)
    feeds = {}
    for lang in ("tg", "en"):
        with signed_in(app, "viewer"), language(lang):
            feeds[lang] = str(update_wall_panels(1, None, params)[3])
    assert "Қизиларт" in feeds["tg"] and "snow on the pass" in feeds["tg"]
    assert "updated checkpoint Kyzyl-Art" in feeds["en"]


def test_the_seed_time_is_what_the_wall_calls_data_time(app):
    params = wall_params(app, now=FRESH)
    data_time = str(panels(app, params)[2])
    assert f"{SEED_TIME:%Y-%m-%d %H:%M} UTC" in data_time


def _texts(component) -> list[str]:
    if isinstance(component, str):
        return [component]
    children = getattr(component, "children", None)
    out = []
    for child in children if isinstance(children, list) else [children]:
        if child is not None:
            out.extend(_texts(child))
    return out


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Displacement sites", "Open", "Incidents", "Critical", "Hazard zones"]),
        ("ru", ["Места размещения", "Инциденты"]),
    ],
)
def test_the_wall_map_has_a_legend_of_every_layer_and_colour(app, lang, words):
    import flask

    with signed_in(app, "viewer"):
        flask.g.eoc_lang = lang
        legend = find(layout(), ids.WALL_LEGEND)
    assert legend is not None
    text = " ".join(_texts(legend))
    for word in words:
        assert word in text, (word, text)
    swatches = str(legend).count("legend-swatch")
    # One swatch per colour: 7 hazard types, 4 site states, 3 checkpoint states, projects,
    # 4 severities.
    assert swatches == 19


def test_place_names_grow_with_a_4k_wall_and_sit_above_the_markers(app):
    with signed_in(app, "viewer"):
        params = wall_params(app)
        small, _ = update_wall_map(1, SCREEN_1080P, params, None)
        large, _ = update_wall_map(1, {"width": 3840, "height": 2160}, params, None)

    def label_size(figure):
        style = figure.layout.map.style
        return next(x for x in style["layers"] if x["id"] == "places-label")["layout"]["text-size"]

    assert label_size(large) == pytest.approx(2 * label_size(small))
    assert label_size(small) >= 15  # 11 px at a desk is too small across a room
    assert {trace.below for trace in large.data} == {"places-label"}
