"""Accounts an admin manages: the last-admin rule, common passwords, one-time passwords,
unlock, and the /admin/users page's callbacks (as plain functions and through the gate)."""

from __future__ import annotations

import io

import pytest
from dash._callback_context import context_value
from dash._utils import AttributeDict
from flask_login import login_user

from eoc import auth
from eoc.auth import AuthError, LoginThrottle, User, authenticate
from eoc.cli import main
from eoc.errors import EocError
from eoc.store.accounts import LastAdminError
from eoc.web import create_app, ids
from eoc.web.pages import admin_users
from eoc.write_tokens import WriteTokens
from tests.conftest import SEED_TIME, STAFF_PASSWORD, settings_for

NEW_PASSWORD = "a brand new long password"


@pytest.fixture
def app(any_store):
    return create_app(any_store, settings_for(any_store))


def signs_in(store, name: str, password: str) -> bool:
    try:
        authenticate(store, name, password, throttle=LoginThrottle(store), address="t")
    except AuthError:
        return False
    return True


# -- the last active admin -------------------------------------------------------------------


def test_the_last_active_admin_cannot_be_disabled_or_demoted(any_store):
    version = any_store.version()
    with pytest.raises(LastAdminError, match="last active admin"):
        auth.set_disabled(any_store, "admin1", True, by="admin1", now=SEED_TIME)
    with pytest.raises(LastAdminError, match="last active admin"):
        auth.set_role(any_store, "admin1", "viewer", by="admin1", now=SEED_TIME)
    assert any_store.version() == version  # nothing written
    assert any_store.get_user("admin1").role == "admin"
    # With a second active admin, the first may go.
    auth.set_role(any_store, "duty1", "admin", by="admin1", now=SEED_TIME)
    auth.set_disabled(any_store, "admin1", True, by="duty1", now=SEED_TIME)
    with pytest.raises(LastAdminError):
        auth.set_role(any_store, "duty1", "cccm", by="duty1", now=SEED_TIME)


def test_a_disabled_admin_does_not_count_as_another_admin(any_store):
    auth.set_role(any_store, "duty1", "admin", by="admin1", now=SEED_TIME)
    auth.set_disabled(any_store, "duty1", True, by="admin1", now=SEED_TIME)
    with pytest.raises(LastAdminError):
        auth.set_disabled(any_store, "admin1", True, by="admin1", now=SEED_TIME)


def test_the_cli_refuses_the_last_admin_too(gpkg_store, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    store = ["--store", str(gpkg_store.path), "--lang", "en"]
    assert main(["users", "disable", "admin1", *store]) == 1
    assert main(["users", "set-role", "admin1", "viewer", *store]) == 1
    assert "last active admin" in capsys.readouterr().err
    assert not gpkg_store.get_user("admin1").disabled


# -- passwords ---------------------------------------------------------------------------------


@pytest.mark.parametrize("common", ["1234567890", "qwertyuiop", "Password123", "iloveyou12"])
def test_common_passwords_are_refused(gpkg_store, common):
    assert common.lower() in auth.common_passwords()
    with pytest.raises(EocError, match="too common"):
        auth.create_user(gpkg_store, "newbie", role="viewer", password=common, now=SEED_TIME)
    with pytest.raises(EocError, match="too common"):
        auth.change_password(gpkg_store, "duty1", common, by="cli", now=SEED_TIME)
    assert gpkg_store.get_user("newbie") is None and signs_in(gpkg_store, "duty1", STAFF_PASSWORD)


def test_an_uncommon_long_password_is_accepted():
    auth.check_password(NEW_PASSWORD)
    with pytest.raises(EocError, match="at least 10"):
        auth.check_password("short1!")


def test_changing_my_password_needs_the_current_one(any_store):
    with pytest.raises(AuthError, match="current password"):
        auth.change_own_password(
            any_store, "duty1", current="wrong", new=NEW_PASSWORD, now=SEED_TIME
        )
    auth.change_own_password(
        any_store, "duty1", current=STAFF_PASSWORD, new=NEW_PASSWORD, now=SEED_TIME
    )
    assert signs_in(any_store, "duty1", NEW_PASSWORD)
    [entry] = any_store.audit_log(limit=1)
    assert (entry.action, entry.user, entry.reason) == (
        "user_password",
        "duty1",
        "own password changed",
    )


def test_a_one_time_password_signs_in_once_and_must_be_changed(any_store):
    one_time = auth.reset_password(
        any_store, "duty1", by="admin1", now=SEED_TIME, reason="forgot it"
    )
    assert not signs_in(any_store, "duty1", STAFF_PASSWORD)
    assert signs_in(any_store, "duty1", one_time) and auth.must_change_password(any_store, "duty1")
    [entry] = any_store.audit_log(limit=1)
    assert (entry.action, entry.user, entry.reason) == (
        "user_password_reset",
        "admin1",
        "forgot it",
    )
    assert one_time not in str(entry.new)
    auth.change_own_password(any_store, "duty1", current=one_time, new=NEW_PASSWORD, now=SEED_TIME)
    assert not auth.must_change_password(any_store, "duty1")


def test_unlock_clears_a_throttled_name_from_every_address(any_store):
    throttle = LoginThrottle(any_store, max_failures=2, sleep=lambda _s: None)
    for address in ("10.0.0.1", "10.0.0.2"):
        for _ in range(3):
            with pytest.raises(AuthError):
                authenticate(any_store, "duty1", "wrong", throttle=throttle, address=address)
    with pytest.raises(AuthError, match="too many"):
        authenticate(any_store, "duty1", STAFF_PASSWORD, throttle=throttle, address="10.0.0.1")
    assert auth.unlock_name(any_store, "duty1", by="admin1", now=SEED_TIME, reason="called in") >= 2
    authenticate(any_store, "duty1", STAFF_PASSWORD, throttle=throttle, address="10.0.0.1")
    assert any_store.audit_log(limit=1)[0].action == "user_unlock"


# -- the page's callbacks as plain functions -------------------------------------------------


def press(app, button: str, *, name="", role="viewer", reason="asked by the chief"):
    """Run manage_user as an admin pressing `button`, with the page's write token."""
    with app.server.test_request_context():
        login_user(User("admin1", "admin"))
        token = admin_users._token()
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": f"{button}.n_clicks"}]))
        clicks = [1 if b == button else None for b in admin_users.USER_BUTTONS]
        message, table, new_token = admin_users.manage_user(*clicks, name, role, reason, token)
        return str(message), table, new_token, token


def test_each_admin_action_through_the_page(app, any_store):
    message, table, new_token, token = press(app, ids.ADMIN_USERS_ADD, name="nodira", role="cccm")
    assert "One-time password" in message and new_token != token
    password = message.split("children='")[-1].split("'")[0]
    assert signs_in(any_store, "nodira", password) and auth.must_change_password(
        any_store, "nodira"
    )
    assert "nodira" in str(table) and "CCCM co-chair" in str(table)  # the role's name, not code
    press(app, ids.ADMIN_USERS_SET_ROLE, name="nodira", role="viewer")
    assert any_store.get_user("nodira").role == "viewer"
    press(app, ids.ADMIN_USERS_DISABLE, name="nodira")
    assert any_store.get_user("nodira").disabled
    press(app, ids.ADMIN_USERS_ENABLE, name="nodira")
    assert not any_store.get_user("nodira").disabled
    message, *_ = press(app, ids.ADMIN_USERS_RESET, name="nodira")
    assert "One-time password" in message
    message, *_ = press(app, ids.ADMIN_USERS_UNLOCK, name="nodira")
    assert "unlocked" in message
    actions = [e.action for e in any_store.audit_log(feature_id="nodira", limit=10)]
    assert actions == [
        "user_unlock",
        "user_password_reset",
        "user_enable",
        "user_disable",
        "user_role",
        "user_add",
    ]
    assert {e.user for e in any_store.audit_log(feature_id="nodira", limit=10)} == {"admin1"}
    assert {e.reason for e in any_store.audit_log(feature_id="nodira", limit=10)} == {
        "asked by the chief"
    }


def test_the_page_refuses_without_reason_without_token_and_for_the_last_admin(app, any_store):
    version = any_store.version()
    message, *_ = press(app, ids.ADMIN_USERS_DISABLE, name="duty1", reason="  ")
    assert "say why" in message
    message, *_ = press(app, ids.ADMIN_USERS_DISABLE, name="admin1")
    assert "last active admin" in message
    with app.server.test_request_context():
        login_user(User("admin1", "admin"))
        context_value.set(
            AttributeDict(triggered_inputs=[{"prop_id": f"{ids.ADMIN_USERS_DISABLE}.n_clicks"}])
        )
        message, *_ = admin_users.manage_user(
            None, 1, None, None, None, None, "duty1", "viewer", "x", None
        )
    assert "write token" in str(message)
    assert any_store.version() == version


def signed_in_client(app, name: str, password: str = STAFF_PASSWORD):
    client = app.server.test_client()
    response = client.post("/login", data={"username": name, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def post_user_change(client, button: str, name: str, *, as_user: str, role="viewer"):
    """POST /admin/users' account callback as the browser would, with a write token."""
    token = WriteTokens(client.application.secret_key).issue(
        admin_users.PURPOSE, user=as_user, version=0
    )
    deps = client.get("/_dash-dependencies").get_json()
    [dep] = [d for d in deps if d["output"].startswith(f"..{ids.ADMIN_USERS_MESSAGE}.")]
    values = {
        ids.ADMIN_USERS_NAME: name,
        ids.ADMIN_USERS_ROLE: role,
        ids.ADMIN_USERS_REASON: "through the route",
        ids.ADMIN_USERS_TOKEN: token,
    }
    body = {
        "output": dep["output"],
        "outputs": [
            {"id": o.split(".")[0], "property": o.split(".")[1].split("@")[0]}
            for o in dep["output"].strip(".").split("...")
        ],
        "inputs": [
            {"id": i["id"], "property": "n_clicks", "value": 1 if i["id"] == button else None}
            for i in dep["inputs"]
        ],
        "changedPropIds": [f"{button}.n_clicks"],
        "state": [{**s, "value": values[s["id"]]} for s in dep["state"]],
    }
    return client.post("/_dash-update-component", json=body)


def test_the_route_serves_admins_and_refuses_others(app, any_store):
    duty = signed_in_client(app, "duty1")
    refused = post_user_change(duty, ids.ADMIN_USERS_DISABLE, "viewer1", as_user="duty1")
    assert refused.status_code == 403 and b"refused" in refused.get_data()
    assert not any_store.get_user("viewer1").disabled
    admin = signed_in_client(app, "admin1")
    done = post_user_change(
        admin, ids.ADMIN_USERS_SET_ROLE, "viewer1", as_user="admin1", role="cccm"
    )
    assert done.status_code == 200 and "now has role CCCM co-chair" in done.get_data(as_text=True)
    assert any_store.get_user("viewer1").role == "cccm"
    refused = post_user_change(admin, ids.ADMIN_USERS_DISABLE, "admin1", as_user="admin1")
    assert "last active admin" in refused.get_data(as_text=True)


def test_a_user_disabled_on_the_page_is_refused_at_their_next_request(app, any_store):
    duty = signed_in_client(app, "duty1")
    assert duty.get("/capacity").status_code == 200
    admin = signed_in_client(app, "admin1")
    assert (
        post_user_change(admin, ids.ADMIN_USERS_DISABLE, "duty1", as_user="admin1").status_code
        == 200
    )
    response = duty.get("/capacity")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_one_time_password_opens_only_the_password_page_until_changed(app, any_store):
    one_time = auth.reset_password(
        any_store, "duty1", by="admin1", now=SEED_TIME, reason="new phone"
    )
    client = app.server.test_client()
    response = client.post("/login", data={"username": "duty1", "password": one_time})
    assert response.headers["Location"] == "/account/password"
    assert client.get("/capacity").headers["Location"] == "/account/password"
    assert (
        post_user_change(client, ids.ADMIN_USERS_DISABLE, "x", as_user="duty1").status_code == 403
    )
    page = client.get("/account/password").get_data(as_text=True)
    assert "set by an admin for one sign-in" in page
    token = page.split('name="token" value="')[1].split('"')[0]
    form = {"token": token, "current": one_time, "new": "1234567890", "repeat": "1234567890"}
    assert "too common" in client.post("/account/password", data=form).get_data(as_text=True)
    token = client.get("/account/password").get_data(as_text=True).split('name="token" value="')[1]
    form = {**form, "token": token.split('"')[0], "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    assert "was changed" in client.post("/account/password", data=form).get_data(as_text=True)
    assert client.get("/capacity").status_code == 200  # signed in afresh, free to go on
    assert signs_in(any_store, "duty1", NEW_PASSWORD) and not signs_in(any_store, "duty1", one_time)
