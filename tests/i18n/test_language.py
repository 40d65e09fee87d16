"""Choosing the language, and formats that follow it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from babel.numbers import format_decimal

from eoc.cli import main
from eoc.i18n import _, format_number, format_time, language, resolve_language
from eoc.web import create_app
from tests.conftest import STAFF, STAFF_PASSWORD, settings_for


@pytest.mark.parametrize(
    ("query", "user", "cookie", "accept", "expected"),
    [
        ("tg", "ru", "en", "ru-RU,ru;q=0.9", "tg"),
        (None, "ru", "en", "tg", "ru"),
        (None, None, "tg", "ru", "tg"),
        (None, None, None, "ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        (None, None, None, "de-DE,de;q=0.9", "en"),
        ("xx", None, None, None, "en"),
    ],
)
def test_the_language_is_chosen_in_order(query, user, cookie, accept, expected):
    assert resolve_language(query=query, user_lang=user, cookie=cookie, accept=accept) == expected


def test_messages_and_numbers_follow_the_language():
    with language("ru"):
        assert _("Hazard zones") == "Зоны опасности"
        assert format_number(12345) == format_decimal(12345, locale="ru") == "12\xa0345"
    with language("tg"):
        assert _("Hazard zones") == "Минтақаҳои хатар"
    with language("en"):
        assert format_number(12345) == "12,345"


def test_times_are_shown_in_dushanbe_time():
    stamp = datetime(2026, 11, 22, 4, 42, tzinfo=UTC)
    with language("ru"):
        assert format_time(stamp) == "22.11.2026, 09:42"


@pytest.fixture(scope="module")
def app(staff_store):
    return create_app(staff_store, settings_for(staff_store))


def test_lang_in_the_url_sets_a_cookie_and_the_page_language(app):
    client = app.server.test_client()
    response = client.get("/public?lang=tg")
    assert '<html lang="tg">' in response.get_data(as_text=True)
    assert "eoc_lang=tg" in response.headers["Set-Cookie"]
    assert '<html lang="tg">' in client.get("/public").get_data(as_text=True)


def test_the_browser_language_is_used_without_a_choice(app):
    page = app.server.test_client().get("/login", headers={"Accept-Language": "ru-RU,ru"})
    assert "Имя пользователя" in page.get_data(as_text=True)


def test_a_signed_in_user_keeps_the_language_they_chose(app, staff_store):
    client = app.server.test_client()
    client.post("/login", data={"username": STAFF["cccm"], "password": STAFF_PASSWORD})
    client.post("/language", data={"lang": "ru", "next": "/"})
    assert staff_store.get_user(STAFF["cccm"]).lang == "ru"
    fresh = app.server.test_client()
    fresh.post("/login", data={"username": STAFF["cccm"], "password": STAFF_PASSWORD})
    layout = json.dumps(fresh.get("/_dash-layout").get_json(), ensure_ascii=False)
    assert "Оперативная карта" in layout
    client.post("/language", data={"lang": "en"})


def test_the_cli_speaks_the_chosen_language(tmp_path, capsys):
    assert main(["layers", "--store", str(tmp_path / "none.gpkg"), "--lang", "tg"]) == 1
    assert "анбор дар" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [("short", "2026-01-12 09:05"), ("medium", "12 Jan 2026, 09:05:00")],
)
def test_english_times_never_put_the_month_first(fmt, expected):
    # "1/12/26" reads as 1 December to most international staff: ISO or day-month order.
    with language("en"):
        assert format_time(datetime(2026, 1, 12, 4, 5, tzinfo=UTC), fmt=fmt) == expected


def test_english_days_never_put_the_month_first():
    from datetime import date

    from eoc.i18n import format_day

    with language("en"):
        assert format_day(date(2026, 1, 12)) == "12 Jan 2026"
        assert format_day(date(2026, 1, 12), fmt="short") == "2026-01-12"


@pytest.mark.parametrize(
    ("lang", "weekday", "month", "pattern"),
    [
        ("tg", "Сешанбе", "Декабр", "{weekday}, {day} {month} {year}"),
        ("ru", "вторник", "декабря", "{weekday}, {day} {month} {year}\u202fг."),
        ("en", "Tuesday", "December", "{weekday}, {day} {month} {year}"),
    ],
)
def test_the_wall_clock_gets_its_date_words_in_the_wall_language(lang, weekday, month, pattern):
    from eoc.i18n import clock_date_parts

    parts = clock_date_parts(lang)
    # 1 December 2026 is a Tuesday: index 1 of the Monday-first list.
    assert parts["days"][1] == weekday and parts["months"][11] == month
    assert parts["pattern"] == pattern and len(parts["days"]) == 7


@pytest.mark.parametrize(
    ("lang", "hours", "expected"),
    [
        ("tg", 240, "10 рӯз"),  # CLDR has no Tajik units: Babel alone writes "10 d"
        ("tg", 24, "24 соат"),
        ("tg", 0.5, "30 дақиқа"),
        ("ru", 240, "10 дней"),
        ("en", 24, "24 hours"),
    ],
)
def test_lengths_of_time_are_written_in_words_of_the_language(lang, hours, expected):
    from datetime import timedelta

    from eoc.i18n import format_duration

    with language(lang):
        assert format_duration(timedelta(hours=hours)) == expected


def test_the_stale_banner_says_how_old_the_data_is_in_tajik_words():
    from eoc.web.components.banners import build_stale_banner

    with language("tg"):
        banner = str(build_stale_banner(datetime(2026, 11, 12, 6, tzinfo=UTC),
                                        now=datetime(2026, 11, 22, 6, tzinfo=UTC)))  # fmt: skip
    assert "10 рӯз" in banner and "10 d" not in banner
