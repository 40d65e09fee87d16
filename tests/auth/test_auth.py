"""Accounts, passwords, sign-in, throttling and the session key."""

from __future__ import annotations

import sqlite3
import stat

import pytest

from eoc.auth import (
    AuthError,
    LoginThrottle,
    authenticate,
    create_user,
    load_or_create_secret_key,
)
from eoc.errors import EocError
from eoc.web import create_app
from tests.conftest import SEED_TIME, STAFF_PASSWORD, settings_for


@pytest.fixture
def store(gpkg_store):
    """The seed with one account per role (duty1 is a duty officer), for this test alone."""
    return gpkg_store


class FakeClock:
    """A clock the test moves by hand (time is an input, not a hidden global)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_passwords_are_kept_only_as_scrypt_hashes(store):
    with sqlite3.connect(store.path) as con:
        stored = [h for (h,) in con.execute("SELECT password_hash FROM eoc_users")]
        dump = "\n".join(con.iterdump())
    assert stored and all(h.startswith("scrypt:") for h in stored)
    assert STAFF_PASSWORD not in dump


def test_the_right_password_signs_in(store):
    user = authenticate(store, "duty1", STAFF_PASSWORD, throttle=LoginThrottle(store), address="a")
    assert (user.name, user.role) == ("duty1", "duty_officer")


@pytest.mark.parametrize(
    ("name", "password"), [("duty1", "wrong password!"), ("nobody", STAFF_PASSWORD)]
)
def test_a_wrong_name_or_password_gets_the_same_message(store, name, password):
    with pytest.raises(AuthError, match="^wrong user name or password$"):
        authenticate(store, name, password, throttle=LoginThrottle(store), address="a")


def test_repeated_failures_lock_the_name_from_that_address_even_with_the_right_password(store):
    clock = FakeClock()
    throttle = LoginThrottle(store, max_failures=3, window_s=600, clock=clock)
    for _ in range(3):
        with pytest.raises(AuthError, match="wrong"):
            authenticate(store, "duty1", "guess guess guess", throttle=throttle, address="a")
    with pytest.raises(AuthError, match="too many failed sign-ins; try again in 10 min"):
        authenticate(store, "duty1", STAFF_PASSWORD, throttle=throttle, address="a")
    clock.now += 601
    assert authenticate(store, "duty1", STAFF_PASSWORD, throttle=throttle, address="a")


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("Bad Name", "viewer", STAFF_PASSWORD, "use 2-32 lower-case"),
        ("ok1", "superuser", STAFF_PASSWORD, "role 'superuser' is not one of"),
        ("ok1", "viewer", "short", "at least 10 characters"),
        ("duty1", "viewer", STAFF_PASSWORD, "user 'duty1' already exists"),
    ],
)
def test_bad_accounts_are_refused_with_a_reason(store, name, role, password, message):
    with pytest.raises(EocError, match=message):
        create_user(store, name, role=role, password=password, now=SEED_TIME)


def test_the_secret_key_is_created_once_readable_by_the_owner_only(tmp_path):
    path = tmp_path / "secret_key"
    key = load_or_create_secret_key(path)
    assert len(key) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret_key(path) == key


def test_an_app_without_a_configured_key_persists_a_generated_one(store, tmp_path):
    settings = settings_for(store, secret_key=None, secret_key_file=tmp_path / "k")
    first = create_app(store, settings).server.config["SECRET_KEY"]
    assert first == create_app(store, settings).server.config["SECRET_KEY"]
    assert first != settings_for(store).secret_key


@pytest.fixture
def client(store):
    return create_app(store, settings_for(store)).server.test_client()


def test_sign_in_sets_a_protected_session_cookie_and_goes_to_next(client):
    response = client.post(
        "/login", data={"username": "duty1", "password": STAFF_PASSWORD, "next": "/capacity"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/capacity"
    cookie = response.headers["Set-Cookie"]
    assert "eoc_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookies_can_be_required(store):
    app = create_app(store, settings_for(store, secure_cookies=True))
    response = app.server.test_client().post(
        "/login", data={"username": "duty1", "password": STAFF_PASSWORD}
    )
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_sign_in_never_redirects_off_site(client, target):
    response = client.post(
        "/login", data={"username": "duty1", "password": STAFF_PASSWORD, "next": target}
    )
    assert response.headers["Location"] == "/"


def test_a_failed_sign_in_says_so_and_escapes_what_it_echoes(client):
    response = client.post(
        "/login",
        data={
            "username": "duty1",
            "password": "nope nope nope",
            "next": '/"><script>alert(1)</script>',
        },
    )
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "wrong user name or password" in page
    assert "<script>alert(1)" not in page


def test_the_sixth_failure_in_a_row_is_throttled(client):
    for _ in range(5):
        client.post("/login", data={"username": "duty1", "password": "nope nope nope"})
    response = client.post("/login", data={"username": "duty1", "password": STAFF_PASSWORD})
    assert response.status_code == 429


def test_a_cross_site_sign_in_post_is_refused(client):
    response = client.post(
        "/login",
        data={"username": "duty1", "password": STAFF_PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


def test_sign_out_ends_the_session(client):
    client.post("/login", data={"username": "duty1", "password": STAFF_PASSWORD})
    assert client.get("/").status_code == 200
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_sign_in_and_session_limits_come_from_the_environment():
    from eoc.config import load_settings

    settings = load_settings(
        environ={
            "EOC_LOGIN_MAX_FAILURES": "3",
            "EOC_LOGIN_ADDRESS_MAX_FAILURES": "40",
            "EOC_LOGIN_WINDOW_S": "600",
            "EOC_SESSION_IDLE_MIN": "20",
            "EOC_SESSION_MAX_H": "8",
        }
    )
    assert (settings.login_max_failures, settings.login_address_max_failures) == (3, 40)
    assert (settings.login_window_s, settings.session_idle_min, settings.session_max_h) == (
        600,
        20,
        8,
    )
    with pytest.raises(EocError, match="EOC_LOGIN_MAX_FAILURES='many' is not a number"):
        load_settings(environ={"EOC_LOGIN_MAX_FAILURES": "many"})
    with pytest.raises(EocError, match="idle time must be at least 1 minute and at most"):
        load_settings(environ={"EOC_SESSION_IDLE_MIN": "600", "EOC_SESSION_MAX_H": "2"})


def test_a_failed_sign_in_keeps_the_name_typed_escaped_and_asks_for_the_password(client):
    page = client.post("/login", data={"username": "duty1", "password": "nope nope nope"}).get_data(
        as_text=True
    )
    assert 'value="duty1"' in page
    assert "required autofocus></label>" in page  # the password field has the focus
    hostile = client.post(
        "/login", data={"username": '"><script>alert(3)</script>', "password": "x"}
    ).get_data(as_text=True)
    assert "<script>alert(3)" not in hostile and "&quot;&gt;&lt;script&gt;" in hostile
    fresh = client.get("/login").get_data(as_text=True)
    assert 'value=""' in fresh and 'autocomplete="username" required autofocus' in fresh
