"""Alerts in force on the operations page (`/`): a banner over the map and their areas drawn as
a layer, Public and Restricted for staff; on `/public` only the Public ones are drawn."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from dash.exceptions import PreventUpdate
from flask import g

import layers
from eoc.alerts import workflow as wf
from eoc.store import GeoPackageStore
from eoc.web import create_app, ids
from eoc.web.components.alert_map import ALERT_LAYER
from eoc.web.pages import operations as ops
from eoc.web.pages import public
from eoc.web.pages.operations_forms import show_detail
from tests.conftest import SEED_TIME, settings_for, signed_in

PUBLIC_SEED = "TJ-CoES-EOC.20261121T033000.seed01"  # the scenario earthquake, GBAO
RESTRICTED_SEED = "TJ-CoES-EOC.20261121T060000.seed02"  # renewed mudflow risk, Barsem
BOTH = sorted([PUBLIC_SEED, RESTRICTED_SEED])
EVERYTHING = [*layers.OPERATIONAL, ALERT_LAYER]  # the toggles as the page offers them
NOW = SEED_TIME  # both seed alerts are in force then


@pytest.fixture(scope="module")
def app(staff_store):
    return create_app(staff_store, settings_for(staff_store))


def call(app, fn, *args, role="viewer", lang="en", **kwargs):
    with signed_in(app, role):
        g.eoc_lang = lang
        return fn(*args, **kwargs)


def banner_of(app, *, role="viewer", lang="en", hours_back=0, base=None, known=None):
    return call(app, ops.update_alerts, 1, None, hours_back, base, known, role=role, lang=lang,
                now=NOW)  # fmt: skip


def first_draw(app, key, *, visible=EVERYTHING, role="viewer", lang="en", now=NOW):
    return call(app, ops.update_map, None, list(visible), "all", None, None, 0, None, None, key,
                role=role, lang=lang, now=now)  # fmt: skip


def alert_traces(figure) -> list:
    return list(figure.data[ops.ALERT_TRACES_START :])


def patched_slots(patch) -> set[int]:
    return {op["location"][1] for op in patch.to_plotly_json()["operations"]}


def test_staff_see_public_and_restricted_alerts_over_the_map_in_their_language(app):
    banner, key = banner_of(app, lang="ru")
    text = str(banner)
    assert key == BOTH
    assert "Сильное землетрясение на востоке ГБАО" in text
    assert "Угроза повторного селя в Барсеме" in text  # Restricted: every staff role sees it
    assert "(2)" in text
    assert f"/cap/{RESTRICTED_SEED}.xml" in text  # staff may open any alert's file


@pytest.mark.parametrize(("role", "links"), [("viewer", False), ("cccm", False),
                                             ("duty_officer", True), ("admin", True)])  # fmt: skip
def test_the_banner_links_to_the_alerts_page_for_those_who_may_author(app, role, links):
    banner, _key = banner_of(app, role=role)
    assert ("href='/alerts'" in str(banner)) is links


def test_the_banner_follows_the_moment_shown(app):
    before = "2026-11-21T08:20"  # Dushanbe time: 03:20 UTC, ten minutes before the first alert
    assert banner_of(app, base=before) == ([], [])
    banner, key = banner_of(app, base="2026-11-21T08:40")  # 03:40 UTC: the earthquake's only
    assert key == [PUBLIC_SEED] and "Barsem" not in str(banner)
    assert banner_of(app, known=BOTH)[1] is ops.dash.no_update  # the map is not redrawn


def test_the_alert_areas_are_a_layer_of_the_map_with_outline_legend_and_hover(app):
    figure, _footer, state = first_draw(app, BOTH, lang="tg")
    public_trace, restricted_trace = alert_traces(figure)
    assert [t.meta["layer"] for t in (public_trace, restricted_trace)] == [ALERT_LAYER] * 2
    assert list(public_trace.locations) == [PUBLIC_SEED]
    assert list(restricted_trace.locations) == [RESTRICTED_SEED]
    for trace in (public_trace, restricted_trace):
        assert trace.visible is True and trace.showlegend is True
        assert trace.marker.line.width >= 2 and trace.marker.opacity == 1  # a full outline
        assert trace.colorscale[0][1].startswith("rgba(") and trace.colorscale[0][1].endswith(
            ",0.08)"
        )  # a tint: the layers under it stay readable
        assert trace.legendgroup == ALERT_LAYER
        assert trace.geojson["features"][0]["id"] == trace.locations[0]
    assert (
        public_trace.customdata[0][0]
        == "Заминҷунбии шадид дар шарқи ВМКБ: эҳтиёт аз ларзишҳои такрорӣ"
    )
    assert "%{customdata[0]}" in public_trace.hovertemplate
    assert state["alerts"] == BOTH and state["alerts_shown"] is True


def test_the_area_drawn_is_the_cap_polygon_sent(app, staff_store):
    from shapely.geometry import shape

    from eoc.alerts.polygon import parse_cap_polygon

    figure, _footer, _state = first_draw(app, BOTH)
    drawn = shape(alert_traces(figure)[0].geojson["features"][0]["geometry"])
    sent = parse_cap_polygon(wf.get_alert(staff_store.sql, PUBLIC_SEED).alert.area.polygons[0])
    assert drawn.equals(sent)
    assert len(drawn.exterior.coords) == len(sent.exterior.coords)  # not simplified again


def test_switching_the_alerts_off_patches_only_their_traces(app):
    _figure, _footer, state = first_draw(app, BOTH)
    patch, _footer, new_state = call(
        app, ops.update_map, state["version"], list(layers.OPERATIONAL), "all", None, None, 0,
        None, state, BOTH, now=NOW,
    )  # fmt: skip
    start = ops.ALERT_TRACES_START
    assert patched_slots(patch) == {start, start + 1}
    operations = patch.to_plotly_json()["operations"]
    assert all(op["params"]["value"]["visible"] is False for op in operations)
    assert new_state["alerts_shown"] is False


def test_nothing_is_sent_when_neither_the_store_nor_the_alerts_moved(app):
    _figure, _footer, state = first_draw(app, BOTH)
    again = call(app, ops.update_map, state["version"], EVERYTHING, "all", None, None, 0, None,
                 state, BOTH, now=NOW)  # fmt: skip
    assert all(part is ops.dash.no_update for part in again)


def test_a_newly_published_alert_is_drawn_by_patching_the_alert_traces(staff_store, tmp_path):
    store = GeoPackageStore(tmp_path / "publish.gpkg")
    shutil.copyfile(staff_store.path, store.path)
    app = create_app(store, settings_for(store))
    _banner, key = banner_of(app)
    _figure, _footer, state = first_draw(app, key)
    seed = wf.get_alert(store.sql, PUBLIC_SEED).alert
    infos = tuple(replace(i, expires=NOW + timedelta(hours=6)) for i in seed.infos)
    new = replace(seed, identifier="TJ-CoES-EOC.test.map01", sent=NOW, infos=infos)
    wf.save_draft(store.sql, new, by="duty1", now=NOW)
    wf.approve_alert(store.sql, new.identifier, by="duty2", now=NOW)
    wf.publish_alert(store.sql, new.identifier, by="duty2", now=NOW)
    later = NOW + timedelta(minutes=1)
    banner, key = call(app, ops.update_alerts, 2, store.version(), 0, None, key, now=later)
    assert new.identifier in key and new.identifier in str(banner)
    patch, _footer, state = call(app, ops.update_map, store.version(), EVERYTHING, "all", None,
                                 None, 0, None, state, key, now=later)  # fmt: skip
    start = ops.ALERT_TRACES_START
    assert {start, start + 1} <= patched_slots(patch)
    assert all(slot < ops.ALERT_TRACES_START or slot in (start, start + 1)
               for slot in patched_slots(patch))  # fmt: skip
    drawn = json.dumps(patch.to_plotly_json())
    assert new.identifier in drawn
    # Six hours on it has expired: the banner's key moves and its outline goes.
    after = NOW + timedelta(hours=7)
    _banner, key = call(app, ops.update_alerts, 3, store.version(), 0, None, key, now=after)
    assert new.identifier not in key
    patch, _footer, _state = call(app, ops.update_map, store.version(), EVERYTHING, "all", None,
                                  None, 0, None, state, key, now=after)  # fmt: skip
    assert patched_slots(patch) == {start, start + 1}
    assert new.identifier not in json.dumps(patch.to_plotly_json())


def test_a_click_on_an_alert_area_opens_no_feature_detail(app):
    click = {"points": [{"curveNumber": ops.ALERT_TRACES_START, "location": PUBLIC_SEED}]}
    with signed_in(app, "viewer"), pytest.raises(PreventUpdate):
        show_detail(click)


def test_the_alert_callbacks_are_for_staff_only(app):
    actions = app.server.config["EOC_CALLBACK_ACTIONS"]
    [key] = [key for key in actions if f"{ids.OPS_ALERTS}.children" in key]
    assert ids.OPS_ALERTS_KEY in key
    assert actions[key] == "view_internal"
    assert "sign-in-required" in call(app, ops.layout, role=None).className


def test_the_operations_toggles_offer_the_alert_layer(app):
    from tests.conftest import find_component

    with signed_in(app, "viewer"):
        toggles = find_component(ops.layout(), ids.LAYER_TOGGLES)
    assert toggles.options[-1]["value"] == ALERT_LAYER
    assert ALERT_LAYER in toggles.value


# -- /public: Public alerts only -------------------------------------------------------------


def test_the_public_map_draws_public_alert_areas_only(app):
    with signed_in(app, None):
        g.eoc_lang = "ru"
        figure = public.update_public_page(list(public.PUBLIC_OPERATIONAL), now=NOW)[0]
    drawn = [t for t in figure.data if t.meta["layer"] == ALERT_LAYER]
    assert [list(t.locations) for t in drawn] == [[PUBLIC_SEED]]
    assert drawn[0].customdata[0][0].startswith("Сильное землетрясение")
    text = json.dumps(figure.to_plotly_json(), ensure_ascii=False)
    assert RESTRICTED_SEED not in text and "Барсем" not in text


def test_the_public_legend_names_the_alert_outline(app):
    from tests.conftest import find_component

    with signed_in(app, None):
        legend = find_component(public.layout(), ids.PUBLIC_LEGEND)
    text = str(legend)
    assert "legend-cap_alerts" in text and "Alerts in force (CAP)" in text
    assert "legend-outline" in text and "3px solid #b00020" in text  # the Public outline
    assert "Restricted alert" not in text and "#6a1b9a" not in text


def test_the_public_answer_moves_when_a_public_alert_expires(app):
    expires = wf.get_alert(app.server.config["EOC_CACHE"].store.sql, PUBLIC_SEED).expires_at
    with signed_in(app, None):
        before = public.alert_expiries_passed(expires - timedelta(seconds=1))
        after = public.alert_expiries_passed(expires)
        figure = public.update_public_page([], now=expires)[0]
    assert after == before + 1
    assert [list(t.locations) for t in figure.data if t.meta["layer"] == ALERT_LAYER] == [[]]


def test_no_alert_is_drawn_before_it_was_published(app):
    early = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
    figure, _footer, _state = first_draw(app, [], now=early)
    assert [list(t.locations) for t in alert_traces(figure)] == [[], []]
    assert not any(t.showlegend for t in alert_traces(figure))


def test_the_published_alerts_are_read_once_per_store_version(staff_store, tmp_path):
    """Every open page asks at each poll: the rows are kept for the version, the choice of
    those in force runs each time."""
    from eoc.web.alerts_in_force import alerts_in_force, published_rows

    store = GeoPackageStore(tmp_path / "reads.gpkg")
    shutil.copyfile(staff_store.path, store.path)
    app = create_app(store, settings_for(store))
    with signed_in(app, "viewer"):
        first = published_rows()
        assert published_rows() is first
        assert [r.alert_id for r in alerts_in_force(now=NOW, scope="Public")] == [PUBLIC_SEED]
        later = NOW + timedelta(days=400)  # both seed alerts have expired by then
        assert alerts_in_force(now=later) == [] and published_rows() is first
        seed = wf.get_alert(store.sql, PUBLIC_SEED).alert
        new = replace(seed, identifier="TJ-CoES-EOC.test.reads01", sent=NOW)
        wf.save_draft(store.sql, new, by="duty1", now=NOW)
        assert published_rows() is not first  # a draft moves the version; nothing new is out
        wf.approve_alert(store.sql, new.identifier, by="duty2", now=NOW)
        wf.publish_alert(store.sql, new.identifier, by="duty2", now=NOW)
        assert new.identifier in {r.alert_id for r in published_rows()}
