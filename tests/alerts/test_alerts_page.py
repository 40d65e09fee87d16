"""The /alerts callbacks, called as the page calls them: draft from a zone in three languages,
a second duty officer approves and publishes, the feed then carries it."""

from __future__ import annotations

import shutil
from contextlib import contextmanager

import pytest
from lxml import etree

from eoc.alerts import workflow as wf
from eoc.alerts.atom import ATOM_NS
from eoc.auth import User
from eoc.store import GeoPackageStore
from eoc.web import create_app
from eoc.web.components import alert_ids as ids
from eoc.web.pages import alerts as page
from tests.conftest import settings_for


@pytest.fixture
def app(staff_store, tmp_path):
    store = GeoPackageStore(tmp_path / "alerts.gpkg")
    shutil.copyfile(staff_store.path, store.path)
    return create_app(store, settings_for(store))


@contextmanager
def as_user(app, name: str, role: str, triggered: str | None = None):
    from flask_login import login_user

    with app.server.test_request_context():
        login_user(User(name, role))
        if triggered is None:
            yield
        else:
            from dash._callback_context import context_value
            from dash._utils import AttributeDict

            token = context_value.set(
                AttributeDict(triggered_inputs=[{"prop_id": f"{triggered}.n_clicks"}])
            )
            try:
                yield
            finally:
                context_value.reset(token)


def _draft(app, *, source="hazard_zones/TJ-HZ-013", scope="Public", user="duty1", **edits):
    with as_user(app, user, "duty_officer"):
        *texts, area = page.fill_texts(1, source, "warning", "public")
        for key, value in edits.items():
            texts[page.TEXT_IDS.index(tuple(key.split("|")))] = value
        token = page._token(page.DRAFT_PURPOSE)
        message, _token, _version = page.save_draft(
            1, token, source, "warning", "public", "Actual", "Alert", scope,
            "CoES staff" if scope == "Restricted" else "", [], "Expected", "Severe", "Likely",
            24, *texts,
        )  # fmt: skip
    return texts, area, message


def _review(app, step, alert_id, *, user):
    with as_user(app, user, "duty_officer"):
        _table, _chosen, token, _refs = page.refresh_list(0)
    with as_user(app, user, "duty_officer", triggered=step):
        return page.review(1, 1, alert_id, token)[0]


def _new_alert_id(app) -> str:
    rows = wf.list_alerts(app.server.config["EOC_CACHE"].store.sql, states=(wf.DRAFT,))
    return rows[0].alert_id


def test_draft_from_a_zone_approve_publish_reaches_the_feed(app):
    texts, area, message = _draft(app)
    assert "message-ok" in str(message), message
    assert all(texts), "every language's headline, description and instruction is filled"
    assert "Rasht valley" in str(area)
    alert_id = _new_alert_id(app)
    refused = _review(app, ids.APPROVE, alert_id, user="duty1")
    assert "different duty officer" in str(refused)
    assert "message-ok" in str(_review(app, ids.APPROVE, alert_id, user="duty2"))
    assert "message-ok" in str(_review(app, ids.PUBLISH, alert_id, user="duty2"))
    feed = etree.fromstring(app.server.test_client().get("/cap/feed.xml").data)
    titles = feed.xpath("a:entry/a:title/text()", namespaces={"a": ATOM_NS})
    assert any("Rasht valley" in t for t in titles)


def test_a_missing_language_is_refused_naming_it(app):
    blank = {("ru", name): "" for name in ("headline", "description", "instruction")}
    _texts, _area, message = _draft(app, **{f"{k[0]}|{k[1]}": v for k, v in blank.items()})
    assert "info[ru]" in str(message)
    assert wf.list_alerts(app.server.config["EOC_CACHE"].store.sql, states=(wf.DRAFT,)) == []


def test_a_draft_without_a_token_is_refused(app):
    with as_user(app, "duty1", "duty_officer"):
        *texts, _area = page.fill_texts(1, "hazard_zones/TJ-HZ-013", "warning", "public")
        message, *_rest = page.save_draft(
            1, None, "hazard_zones/TJ-HZ-013", "warning", "public", "Actual", "Alert",
            "Public", "", [], "Expected", "Severe", "Likely", 24, *texts,
        )  # fmt: skip
    assert "write token" in str(message)


def test_the_library_export_is_for_staff_only(app):
    from tests.conftest import STAFF, STAFF_PASSWORD

    client = app.server.test_client()
    assert client.get("/alerts/messages.csv").status_code == 302  # to the sign-in page
    client.post("/login", data={"username": STAFF["viewer"], "password": STAFF_PASSWORD})
    response = client.get("/alerts/messages.csv")
    assert response.status_code == 200
    assert response.data.decode("utf-8").startswith("hazard,phase,audience,lang,version")


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("expires_h", "soon", "hours"),
        ("expires_h", 10_000, "between 0 and"),
        ("source", {"x": 1}, "choose a hazard zone"),
        ("source", "hazard_zones/NOPE", "does not exist"),
        ("status", ["Actual"], "status"),
        ("references", {"a": 1}, "info"),  # ignored: the alert is still checked whole
    ],
)
def test_hostile_draft_values_are_refused_in_words(app, field, value, words):
    values = dict(source="hazard_zones/TJ-HZ-013", status="Actual", references=[], expires_h=24)
    with as_user(app, "duty1", "duty_officer"):
        *texts, _area = page.fill_texts(1, values["source"], "warning", "public")
        values[field] = value
        if field == "references":
            texts = [None] * len(texts)
        message, *_rest = page.save_draft(
            1, page._token(page.DRAFT_PURPOSE), values["source"], "warning", "public",
            values["status"], "Alert", "Public", "", values["references"], "Expected", "Severe",
            "Likely", values["expires_h"], *texts,
        )  # fmt: skip
    assert "message-error" in str(message) and words in str(message)


def test_a_review_of_an_alert_not_in_the_list_is_refused(app):
    with as_user(app, "duty2", "duty_officer"):
        _table, _chosen, token, _refs = page.refresh_list(0)
    with as_user(app, "duty2", "duty_officer", triggered=ids.PUBLISH):
        message = page.review(1, 1, "TJ-CoES-EOC.20261121T033000.seed01", token)[0]
    assert "out of date" in str(message)
