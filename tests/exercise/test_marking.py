"""What an app, a report, a map and an alert on an exercise sandbox carry: EXERCISE."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from lxml import etree

from eoc.alerts import workflow
from eoc.alerts.cap_xml import CAP_NS
from eoc.exercise import player
from eoc.exercise.injects import inject_states
from eoc.i18n import language
from eoc.reports.build import build_sitrep
from eoc.reports.render_html import render_html
from eoc.reports.render_markdown import render_markdown
from eoc.web import create_app, ids
from eoc.web.components.exercise_banner import build_messages
from eoc.web.pages import exercise as exercise_page
from eoc.web.pages import wall
from tests.conftest import STAFF, STAFF_PASSWORD, find_component, settings_for, signed_in
from tests.exercise.players import issue_alert


def client_as(app, role):
    client = app.server.test_client()
    response = client.post(
        "/login", data={"username": STAFF[role], "password": STAFF_PASSWORD, "next": "/"}
    )
    assert response.status_code == 302
    return client


def nav_links(client) -> set[str]:
    text = client.get("/_dash-layout").get_data(as_text=True)
    return {json.loads(f'"{href}"') for href in re.findall(r'"href":"([^"]*)"', text)}


@pytest.fixture
def app(sandbox):
    return create_app(sandbox, settings_for(sandbox))


@pytest.fixture
def live_app(live_store):
    return create_app(live_store, settings_for(live_store))


def test_every_page_of_a_sandbox_says_exercise_and_a_live_store_does_not(app, live_app):
    staff = client_as(app, "viewer").get("/_dash-layout").get_data(as_text=True)
    assert "EXERCISE" in staff and ids.EXERCISE_BANNER in staff and "GBAO earthquake" in staff
    public = app.server.test_client().get("/_dash-layout").get_data(as_text=True)
    assert "this map shows a training exercise" in public
    assert ids.EXERCISE_MESSAGES not in public  # the players' messages are for staff only
    for role in (None, "viewer"):
        client = live_app.server.test_client() if role is None else client_as(live_app, role)
        assert ids.EXERCISE_BANNER not in client.get("/_dash-layout").get_data(as_text=True)


def test_the_wall_carries_its_own_badge(app, live_app):
    with signed_in(app, "viewer"):
        page = wall.layout()
    assert "wall-exercise" in page.className
    assert "EXERCISE" in str(page.to_plotly_json())
    with signed_in(live_app, "viewer"):
        assert "wall-exercise" not in wall.layout().className


def test_the_banner_shows_the_latest_messages_in_the_page_language(app, sandbox, clock):
    for _n in range(2):  # the USGS event, then the Khorog hospital's message
        player.apply_next(sandbox, by="admin1", now=clock.advance(seconds=5))
    with signed_in(app, "viewer"), language("ru"):
        shown = str([item.to_plotly_json() for item in build_messages()])
    assert "Хорогская больница сообщает о 40 пострадавших" in shown


def test_the_controller_page_is_for_admins_on_a_sandbox_only(app, live_app, sandbox):
    with signed_in(live_app, "admin"):
        assert "not an exercise sandbox" in str(exercise_page.layout().to_plotly_json())
    with signed_in(app, "duty_officer"):
        assert find_component(exercise_page.layout(), ids.EXERCISE_TIMELINE) is None
    assert "/exercise" in nav_links(client_as(app, "admin"))
    assert "/exercise" not in nav_links(client_as(app, "duty_officer"))
    assert "/exercise" not in nav_links(client_as(live_app, "admin"))


def test_the_controller_applies_the_next_inject_once_per_token(app, sandbox, clock):
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    with signed_in(app, "admin"):
        token = find_component(exercise_page.layout(), ids.EXERCISE_TOKEN).data
        context_value.set(
            AttributeDict(
                triggered_inputs=[{"prop_id": f"{ids.EXERCISE_NEXT}.n_clicks", "value": 1}]
            )
        )
        message, _timeline, _clock, fresh = exercise_page.control(
            1, None, None, token, now=clock.now()
        )
        assert "I01" in str(message.children)
        again = exercise_page.control(2, None, None, token, now=clock.advance(seconds=1))
    assert "message-error" in again[0].className  # the same token twice: refused
    assert fresh != token
    assert [i for i, s in inject_states(sandbox).items() if s.applied] == ["I01"]


def test_alerts_of_a_sandbox_are_exercise_alerts(app, sandbox, clock):
    identifier = issue_alert(sandbox, now=clock.now())  # drafted as Actual
    stored = workflow.get_alert(sandbox.sql, identifier)
    assert stored.alert.status == "Exercise"
    assert "EXERCISE" in stored.alert.note
    feed = app.server.test_client().get("/cap/feed.xml").get_data()
    statuses = etree.fromstring(feed).iter(f"{{{CAP_NS}}}status")
    # The alerts copied from the live store are served as Exercise too.
    assert {s.text for s in statuses} == {"Exercise"}
    copied = [row for row in workflow.list_alerts(sandbox.sql) if row.alert_id != identifier]
    assert copied and {row.alert.status for row in copied} == {"Actual"}  # stored unchanged
    public = next(row for row in copied if row.scope == "Public")
    single = app.server.test_client().get(f"/cap/{public.alert_id}.xml").get_data()
    assert b"<status>Exercise</status>" in single


def test_a_live_store_keeps_actual_alerts(live_app, live_store):
    feed = live_app.server.test_client().get("/cap/feed.xml").get_data()
    assert b"<status>Actual</status>" in feed and b"Exercise" not in feed


def test_situation_reports_of_a_sandbox_are_watermarked(sandbox, live_store, clock):
    report = build_sitrep(sandbox, as_of=clock.now(), produced_by="EOC", draw_map=False)
    assert report.exercise and "GBAO" in report.exercise
    with language("tg"):
        html, markdown = render_html(report), render_markdown(report)
    assert 'class="exercise-watermark"' in html and "МАШҚ" in html
    assert markdown.startswith("**МАШҚ**")
    live = replace(report, exercise=None)
    assert 'class="exercise-watermark"' not in render_html(live)
    assert (
        build_sitrep(live_store, as_of=clock.now(), produced_by="EOC", draw_map=False).exercise
        is None
    )


def test_the_offline_public_map_of_a_sandbox_says_exercise(sandbox, tmp_path):
    from eoc.export.public_map import write_public_map

    text = write_public_map(sandbox, tmp_path / "public.html").read_text(encoding="utf-8")
    assert "this map shows a training exercise" in text


def test_the_alert_form_of_a_sandbox_starts_at_status_exercise(app, live_app):
    from eoc.web.components import alert_ids
    from eoc.web.pages import alerts

    with signed_in(app, "duty_officer"):
        assert find_component(alerts.layout(), alert_ids.STATUS).value == "Exercise"
    with signed_in(live_app, "duty_officer"):
        assert find_component(alerts.layout(), alert_ids.STATUS).value == "Actual"
