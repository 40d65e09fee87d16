"""Per-request language: the URL's ?lang=, this browser's choice, the account, the browser.

A language is a preference, not data: choosing one never writes the store on a GET (a
foreign page could make a browser send one), never moves the store version and never adds
to the audit log. A ?lang= choice is kept in a cookie; the account keeps it only on an
explicit POST (/language, or signing in with the cookie set), for the user's other browsers.
"""

from __future__ import annotations

from urllib.parse import urlparse

import flask
from dash import Dash, html
from flask_login import current_user

from eoc.i18n import (
    LANG_COOKIE,
    LANGUAGES,
    _,
    current_language,
    normalise_language,
    resolve_language,
)

COOKIE_MAX_AGE_S = 365 * 24 * 3600


def choose_language() -> None:
    """`before_request`: settle the language of this request in flask.g."""
    request = flask.request
    cookie = request.cookies.get(LANG_COOKIE)
    # This browser's latest choice outranks the account's, which serves browsers with none.
    user_lang = None
    if not normalise_language(cookie) and current_user:
        user_lang = getattr(current_user, "lang", None)
    flask.g.eoc_lang = resolve_language(
        query=request.args.get("lang"),
        user_lang=user_lang,
        cookie=cookie,
        accept=request.headers.get("Accept-Language"),
    )


def _set_cookie(response: flask.Response, lang: str) -> None:
    response.set_cookie(LANG_COOKIE, lang, max_age=COOKIE_MAX_AGE_S, samesite="Lax", httponly=True)


def remember_language(response: flask.Response) -> flask.Response:
    """`after_request`: a ?lang= choice is kept in a cookie (and nowhere else)."""
    chosen = normalise_language(flask.request.args.get("lang"))
    if chosen and flask.request.cookies.get(LANG_COOKIE) != chosen:
        _set_cookie(response, chosen)
    return response


def save_language() -> flask.Response:
    """POST /language (lang, next): keep the choice in the cookie and with the account."""
    from eoc.web.login import safe_next  # late: login imports the request gate

    request = flask.request
    origin = request.headers.get("Origin")
    if origin and urlparse(origin).netloc != request.host:
        return flask.make_response(_("cross-site request refused"), 403)
    chosen = normalise_language(request.form.get("lang"))
    if not chosen:
        message = _("unknown language; choose one of: {languages}")
        return flask.make_response(message.format(languages=", ".join(LANGUAGES)), 400)
    if getattr(current_user, "is_authenticated", False):
        flask.current_app.config["EOC_STORE"].set_user_language(current_user.name, chosen)
    response = flask.redirect(safe_next(request.form.get("next")))
    _set_cookie(response, chosen)
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
    server.add_url_rule("/language", "language", save_language, methods=["POST"])
