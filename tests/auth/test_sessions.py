"""Server-side sessions: a copied cookie stops working when the session ends.

Regression tests for issue 11 finding 6 (a cookie copied before sign-out still opened
/capacity and saved incidents for 12 h) and for the CRLF in `next` that gave a bare 500.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eoc.auth import change_password, set_disabled, set_role
from eoc.web import create_app, ids
from tests.conftest import STAFF_PASSWORD, incident_form_token, settings_for

COOKIE = "eoc_session"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def app(any_store):
    return create_app(any_store, settings_for(any_store))


def signed_in_client(app, name: str = "duty1"):
    client = app.server.test_client()
    response = client.post("/login", data={"username": name, "password": STAFF_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie."""
    thief = app.server.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def save_incident(client, description: str, app):
    """POST the operations page's save-incident callback as the browser would."""
    deps = client.get("/_dash-dependencies").get_json()
    [dep] = [d for d in deps if {"id": ids.INC_SAVE, "property": "n_clicks"} in d["inputs"]]
    values = {
        ids.INC_TYPE: "flood",
        ids.INC_SEVERITY: "low",
        ids.INC_DESCRIPTION: description,
        ids.INC_PEOPLE: None,
        ids.INC_LAT: "38.5",
        ids.INC_LON: "68.8",
        ids.INC_REASON: "seen by the duty officer",
        ids.INC_TOKEN: incident_form_token(app),
    }
    outputs = [
        {"id": o.split(".")[0], "property": o.split(".")[1].split("@")[0]}
        for o in dep["output"].strip(".").split("...")
    ]
    body = {
        "output": dep["output"],
        "outputs": outputs,
        "inputs": [{"id": ids.INC_SAVE, "property": "n_clicks", "value": 1}],
        "changedPropIds": [f"{ids.INC_SAVE}.n_clicks"],
        "state": [
            {"id": s["id"], "property": s["property"], "value": values.get(s["id"])}
            for s in dep["state"]
        ],
    }
    return client.post("/_dash-update-component", json=body)


def incident_saved(store, description: str) -> bool:
    return description in set(store.read_layer("incidents")["description"])


def opens_capacity(client) -> bool:
    return client.get("/capacity").status_code == 200


def test_a_live_session_opens_pages_and_saves_incidents(app, any_store):
    client = signed_in_client(app)
    thief = copy_of(app, client)
    assert opens_capacity(thief)
    assert save_incident(thief, "Rockfall near Rushan", app).status_code == 200
    assert incident_saved(any_store, "Rockfall near Rushan")


def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(app, any_store):
    client = signed_in_client(app)
    thief = copy_of(app, client)
    assert client.post("/logout").status_code == 302
    assert not opens_capacity(thief)
    assert save_incident(thief, "Forged after sign-out", app).status_code == 403
    assert not incident_saved(any_store, "Forged after sign-out")


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: set_role(s, "duty1", "viewer", by="admin1", now=NOW), id="role"),
        pytest.param(lambda s: set_disabled(s, "duty1", True, by="admin1", now=NOW), id="disable"),
        pytest.param(
            lambda s: change_password(s, "duty1", "a new long password", by="duty1", now=NOW),
            id="password",
        ),
    ],
)
def test_an_account_change_ends_its_sessions(app, any_store, change):
    client = signed_in_client(app)
    thief = copy_of(app, client)
    change(any_store)
    assert not opens_capacity(thief)
    assert not opens_capacity(client)
    assert save_incident(thief, "Forged after the change", app).status_code == 403
    assert not incident_saved(any_store, "Forged after the change")


def test_a_disabled_account_cannot_sign_in_until_enabled(app, any_store):
    set_disabled(any_store, "duty1", True, by="admin1", now=NOW)
    response = app.server.test_client().post(
        "/login", data={"username": "duty1", "password": STAFF_PASSWORD}
    )
    assert response.status_code == 401
    assert "wrong user name or password" in response.get_data(as_text=True)
    set_disabled(any_store, "duty1", False, by="admin1", now=NOW)
    assert opens_capacity(signed_in_client(app))


def test_a_session_ends_after_the_idle_time_and_the_maximum(gpkg_store, monkeypatch):
    import eoc.web.login as login

    now = [1_800_000_000.0]
    monkeypatch.setattr(login.time, "time", lambda: now[0])
    settings = settings_for(gpkg_store, session_idle_min=30, session_max_h=2)
    app = create_app(gpkg_store, settings)
    client = signed_in_client(app)
    for _ in range(4):  # in use every 29 minutes: the idle time never runs out...
        now[0] += 29 * 60
        assert opens_capacity(client)
    now[0] += 5 * 60  # ...but two hours after sign-in the session ends anyway
    assert not opens_capacity(client)
    idle = signed_in_client(app)
    now[0] += 31 * 60
    assert not opens_capacity(idle)


def test_the_store_keeps_only_a_digest_of_the_cookie_token(app, any_store):
    import sqlalchemy as sa

    from eoc.store.account_tables import sessions

    signed_in_client(app)
    with any_store.sql.reading() as con:
        [(stored,)] = con.execute(sa.select(sessions.c.id)).all()
    assert len(stored) == 64 and all(c in "0123456789abcdef" for c in stored)


@pytest.mark.parametrize(
    "target",
    ["/capacity\r\nSet-Cookie: x=1", "/\r\n", "/x\n", "/\\evil.example", "/ok\x00"],
)
def test_a_next_with_control_characters_or_backslashes_goes_home(gpkg_store, target):
    app = create_app(gpkg_store, settings_for(gpkg_store))
    client = app.server.test_client()
    response = client.post(
        "/login", data={"username": "duty1", "password": STAFF_PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/login", query_string={"next": target})
    assert page.status_code == 200


def test_sign_out_is_a_post_from_this_site_only(app, any_store):
    client = signed_in_client(app)
    client.get("/logout")  # a link (or an image) on another site signs nobody out
    assert opens_capacity(client)
    refused = client.post("/logout", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert opens_capacity(client)
    assert client.post("/logout").status_code == 302
    assert not opens_capacity(client)
