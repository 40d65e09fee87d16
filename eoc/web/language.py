"""Per-request language: the URL's ?lang=, the user's setting, a cookie, the browser."""

from __future__ import annotations

from datetime import UTC, datetime

import flask
from dash import Dash, html
from flask_login import current_user

from eoc.i18n import LANG_COOKIE, LANGUAGES, current_language, normalise_language, resolve_language

COOKIE_MAX_AGE_S = 365 * 24 * 3600


def choose_language() -> None:
    """`before_request`: settle the language of this request in flask.g."""
    request = flask.request
    user_lang = getattr(current_user, "lang", None) if current_user else None
    flask.g.eoc_lang = resolve_language(
        query=request.args.get("lang"),
        user_lang=user_lang,
        cookie=request.cookies.get(LANG_COOKIE),
        accept=request.headers.get("Accept-Language"),
    )


def remember_language(response: flask.Response) -> flask.Response:
    """`after_request`: a ?lang= choice is kept in a cookie, and with the signed-in user."""
    chosen = normalise_language(flask.request.args.get("lang"))
    if chosen:
        response.set_cookie(
            LANG_COOKIE, chosen, max_age=COOKIE_MAX_AGE_S, samesite="Lax", httponly=True
        )
        if getattr(current_user, "is_authenticated", False) and current_user.lang != chosen:
            store = flask.current_app.config["EOC_STORE"]
            store.set_user_language(current_user.name, chosen, now=datetime.now(UTC))
    return response


def language_links() -> html.Span:
    """TG · RU · EN links; a full reload with ?lang= so every part of the page follows."""
    now = current_language()
    return html.Span(
        [
            html.A(
                code.upper(),
                href=f"?lang={code}",
                title=name,
                lang=code,
                className="lang-link" + (" current" if code == now else ""),
            )
            for code, name in LANGUAGES.items()
        ],
        className="lang-links",
    )


class LocalisedDash(Dash):
    """A Dash app whose page carries `<html lang="…">` for the request's language."""

    def interpolate_index(self, **kwargs):
        page = super().interpolate_index(**kwargs)
        return page.replace("<html>", f'<html lang="{current_language()}">', 1)


def install_language(server: flask.Flask) -> None:
    server.before_request(choose_language)
    server.after_request(remember_language)
