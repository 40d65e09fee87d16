"""The language is a preference: no GET writes the store; no choice moves the version or audit.

Regression test for issue 11 finding 8: 200 GETs with ?lang= moved the version from 46 to
246, each adding an audit row that pushed real edits out of the activity feed.
"""

from __future__ import annotations

import pytest

from eoc.web import create_app
from tests.conftest import STAFF_PASSWORD, settings_for


def state(store) -> tuple[int, int]:
    return store.version(), len(store.audit_log(limit=100_000))


@pytest.fixture
def app(gpkg_store):
    return create_app(gpkg_store, settings_for(gpkg_store))


@pytest.fixture
def client(app):
    client = app.server.test_client()
    client.post("/login", data={"username": "cccm1", "password": STAFF_PASSWORD})
    return client


def test_200_gets_with_lang_change_neither_the_version_nor_the_audit(client, gpkg_store):
    before = state(gpkg_store)
    for i in range(200):
        lang = ("tg", "ru", "en")[i % 3]
        assert client.get(f"/?lang={lang}").status_code == 200
    assert state(gpkg_store) == before
    assert gpkg_store.get_user("cccm1").lang is None


def test_the_choice_is_still_kept_for_this_browser(client):
    client.get("/?lang=tg")
    assert '<html lang="tg">' in client.get("/").get_data(as_text=True)
    assert "Оперативная карта" not in str(client.get("/_dash-layout").get_json())
    client.get("/?lang=ru")
    assert "Оперативная карта" in str(client.get("/_dash-layout").get_json())


def test_a_post_keeps_it_with_the_account_without_moving_the_version(app, client, gpkg_store):
    before = state(gpkg_store)
    response = client.post("/language", data={"lang": "ru", "next": "/capacity"})
    assert (response.status_code, response.headers["Location"]) == (302, "/capacity")
    assert gpkg_store.get_user("cccm1").lang == "ru"
    assert state(gpkg_store) == before
    # Another browser with no choice of its own follows the account.
    other = app.server.test_client()
    other.post("/login", data={"username": "cccm1", "password": STAFF_PASSWORD})
    assert '<html lang="ru">' in other.get("/").get_data(as_text=True)


def test_a_choice_made_before_signing_in_is_kept_with_the_account(app, gpkg_store):
    client = app.server.test_client()
    client.get("/login?lang=tg")
    client.post("/login", data={"username": "viewer1", "password": STAFF_PASSWORD})
    assert gpkg_store.get_user("viewer1").lang == "tg"


@pytest.mark.parametrize(
    ("method", "kwargs", "status"),
    [
        ("get", {"query_string": {"lang": "ru"}}, 200),  # Dash's page, nothing saved
        ("post", {"data": {"lang": "xx"}}, 400),
        ("post", {"data": {"lang": "ru"}, "headers": {"Origin": "https://evil.example"}}, 403),
    ],
)
def test_no_language_is_saved_by_a_get_a_foreign_site_or_a_bad_code(
    client, gpkg_store, method, kwargs, status
):
    assert getattr(client, method)("/language", **kwargs).status_code == status
    assert gpkg_store.get_user("cccm1").lang is None
