"""Languages: Tajik, Russian and English, chosen per request, per user or per command.

Message ids are English. Catalogues are gettext `.po` files in `eoc/locale/<lang>/LC_MESSAGES/`,
read with Babel when first needed (no compiled `.mo` files to keep in step). Numbers, dates and
times are formatted by Babel from CLDR data, never by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import flask
from babel.core import Locale, get_global
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.dates import format_timedelta, get_date_format, get_day_names, get_month_names
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from layers.spec import N_

LANGUAGES: dict[str, str] = {"tg": "Тоҷикӣ", "ru": "Русский", "en": "English"}
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DUSHANBE_TZ = "Asia/Dushanbe"
LANG_COOKIE = "eoc_lang"
# English dates in day-month order or ISO: "12/1/26" (US order) reads as 12 January to most
# international staff. Short forms are ISO 8601; the others follow British English (CLDR en_GB).
ENGLISH_DATES = "en_GB"
ISO_SHORT = {"datetime": "yyyy-MM-dd HH:mm", "date": "yyyy-MM-dd"}

_language: ContextVar[str] = ContextVar("eoc_language", default=DEFAULT_LANGUAGE)


@lru_cache(maxsize=8)
def catalogue(lang: str) -> dict[str, str]:
    """msgid -> translation for `lang` (empty translations left out)."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        po = read_po(handle, locale=lang)
    return {str(m.id): str(m.string) for m in po if m.id and m.string and not m.fuzzy}


def normalise_language(value: str | None) -> str | None:
    """'ru-RU' -> 'ru'; None for languages we do not offer."""
    if not value:
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def current_language() -> str:
    if flask.has_request_context():
        lang = flask.g.get("eoc_lang")
        if lang:
            return lang
    return _language.get()


@contextmanager
def language(lang: str | None) -> Iterator[str]:
    """Use `lang` (outside a web request: the CLI, reports, tests) within the block."""
    chosen = normalise_language(lang) or DEFAULT_LANGUAGE
    token = _language.set(chosen)
    try:
        yield chosen
    finally:
        _language.reset(token)


def gettext(message: str) -> str:
    """`message` in the current language (the English id when no translation exists)."""
    lang = current_language()
    if lang == "en" or not message:
        return message
    return catalogue(lang).get(message, message)


_ = gettext


def format_number(value: float | int | None, *, decimals: int | None = None) -> str:
    if value is None:
        return "—"
    pattern = None if decimals is None else "#,##0." + "0" * decimals if decimals else "#,##0"
    return format_decimal(value, format=pattern, locale=current_language())


def plotly_separators() -> str:
    """Plotly's `layout.separators` for the current language: decimal mark, then the group
    mark ("9 470" in Russian and Tajik, "9,470" in English), from CLDR."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    lang = current_language()
    return get_decimal_symbol(lang) + get_group_symbol(lang)


def to_dushanbe(value: datetime) -> datetime:
    """A UTC datetime as Dushanbe wall-clock time without zone (for chart axes)."""
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(DUSHANBE_TZ)).replace(tzinfo=None)


def from_dushanbe(text: str) -> datetime:
    """An ISO 8601 date-time; one without a zone (a browser's date-time picker) is taken as
    Dushanbe time. Raises ValueError for anything else."""
    from zoneinfo import ZoneInfo

    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(DUSHANBE_TZ))


def format_percentage(fraction: float | None) -> str:
    if fraction is None:
        return "—"
    return format_percent(fraction, locale=current_language())


def _date_locale() -> str:
    lang = current_language()
    return ENGLISH_DATES if lang == "en" else lang


def format_time(value: datetime | None, *, fmt: str = "short") -> str:
    """A UTC datetime as Dushanbe local time (UTC+5), per locale (English: ISO 8601 short)."""
    if value is None:
        return "—"
    if fmt == "short" and current_language() == "en":
        fmt = ISO_SHORT["datetime"]
    return _babel_datetime(value, fmt, tzinfo=DUSHANBE_TZ, locale=_date_locale())


# The zone every local time is shown in, named beside it (Tajikistan keeps UTC+5 all year).
ZONE_NAME = N_("Dushanbe time, UTC+5")


def format_zoned_time(value: datetime | None, *, fmt: str = "short") -> str:
    """A UTC datetime as Dushanbe local time with its zone named: '22.11.2026, 15:00 (…UTC+5)'."""
    if value is None:
        return "—"
    return f"{format_time(value, fmt=fmt)} ({gettext(ZONE_NAME)})"


# CLDR has no Tajik units of time (Babel writes "10 d", "24 h"): the Tajik words, largest
# first, with Babel's sizes. A Tajik noun after a numeral takes no plural ending.
TAJIK_TIME_UNITS = (
    ("сол", 365 * 86400),
    ("моҳ", 30 * 86400),
    ("ҳафта", 7 * 86400),
    ("рӯз", 86400),
    ("соат", 3600),
    ("дақиқа", 60),
    ("сония", 1),
)


def format_duration(delta: timedelta, *, threshold: float = 2) -> str:
    """A length of time in words of the language ("10 days", "10 дней", "10 рӯз"), in the
    largest unit of which there are at least `threshold` (Babel's rule)."""
    lang = current_language()
    if lang != "tg":
        return format_timedelta(delta, threshold=threshold, locale=lang)
    seconds = abs(delta.total_seconds())
    word, size = next(
        ((w, n) for w, n in TAJIK_TIME_UNITS if seconds / n >= threshold), TAJIK_TIME_UNITS[-1]
    )
    return f"{format_number(max(1, round(seconds / size)))} {word}"


def country_name(code: str) -> str:
    """An ISO 3166 country code (alpha-2 or alpha-3) as the country's name in the language."""
    alpha2 = get_global("territory_aliases").get(code.upper(), [code.upper()])[0]
    return Locale.parse(current_language()).territories.get(alpha2, code)


def format_day(value: date | datetime | None, *, fmt: str = "medium") -> str:
    """A day, per locale (English: day-month order, or ISO 8601 for the short form)."""
    if value is None:
        return "—"
    if fmt == "short" and current_language() == "en":
        fmt = ISO_SHORT["date"]
    return _babel_date(value, fmt, locale=_date_locale())


_PATTERN_TOKENS = re.compile(r"'([^']*)'|(EEEE|d{1,2}|M{3,4}|y+)")


def clock_date_parts(lang: str | None = None) -> dict:
    """What a browser clock needs to write the full date in `lang` without its own locale data.

    Chromium's ICU has no Tajik, so `Intl` falls back to English; CLDR (Babel) has it. Returns
    `pattern` with {weekday} {day} {month} {year} slots, `days` (Monday first) and `months`.
    """
    code = normalise_language(lang) or current_language()
    locale = ENGLISH_DATES if code == "en" else code

    def slot(match: re.Match) -> str:
        literal, token = match.groups()
        if literal is not None:
            return literal or "'"
        if token == "EEEE":
            return "{weekday}"
        if token.startswith("d"):
            return "{day}"
        if token.startswith("M"):
            return "{month}"
        return "{year}"

    pattern = _PATTERN_TOKENS.sub(slot, get_date_format("full", locale=locale).pattern)
    days = get_day_names("wide", context="format", locale=locale)
    months = get_month_names("wide", context="format", locale=locale)
    return {
        "pattern": pattern,
        "days": [days[i] for i in range(7)],
        "months": [months[i] for i in range(1, 13)],
    }


def localised(record: object, field: str = "name") -> str:
    """`record.name_ru` or `record.name_tg` where it exists, else `record.<field>`."""
    lang = current_language()
    if lang != "en":
        value = getattr(record, f"name_{lang}", None)
        if isinstance(value, str) and value.strip():
            return value
    return str(getattr(record, field))


# The name fields of a place tried in turn on a page in each language, before the Latin
# `name`: the other language's Cyrillic spelling reads better than Latin letters on a Tajik
# or a Russian page. The maps' label expression (basemap.label_text) follows the same order.
PLACE_NAME_FIELDS = {"tg": ("name_tg", "name_ru"), "ru": ("name_ru", "name_tg")}


def place_name(record: object, lang: str | None = None) -> str:
    """A place's name in `lang` (the current language), as the maps label it: in its own
    Cyrillic spelling, else in the other language's, else the Latin name. `record`: a row
    tuple, a mapping or a pandas row."""
    for field in PLACE_NAME_FIELDS.get(lang or current_language(), ()):
        value = _record_value(record, field)
        if isinstance(value, str) and value.strip():
            return value
    return str(_record_value(record, "name"))


def _record_value(record: object, field: str) -> object:
    # A mapping or a pandas row by key: a row's `.name` is its index label, not the field.
    get = getattr(record, "get", None)
    return get(field) if callable(get) else getattr(record, field, None)


def spells_names(field_names) -> bool:
    """Whether a layer with these fields holds Cyrillic spellings of its `name` (places,
    checkpoints), so pages name its features with `place_name`."""
    return "name" in field_names and any(f in field_names for f in PLACE_NAME_FIELDS["tg"])


def resolve_language(
    *, query: str | None, user_lang: str | None, cookie: str | None, accept: str | None
) -> str:
    """The URL's ?lang= wins, then the user's setting, the cookie, the browser, the default."""
    for candidate in (query, user_lang, cookie):
        lang = normalise_language(candidate)
        if lang:
            return lang
    for part in (accept or "").split(","):
        lang = normalise_language(part.split(";")[0])
        if lang:
            return lang
    return DEFAULT_LANGUAGE


# Language names are shown in their own language in the selector; this marks them anyway.
LANGUAGE_LABEL = N_("Language")

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "N_",
    "_",
    "current_language",
    "format_day",
    "format_number",
    "format_percentage",
    "format_time",
    "format_zoned_time",
    "country_name",
    "gettext",
    "language",
    "resolve_language",
]
