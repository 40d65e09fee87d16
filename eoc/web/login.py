"""Sign-in and sign-out routes (plain Flask, server-rendered) and the session setup."""

from __future__ import annotations

import html
import time
from datetime import timedelta
from urllib.parse import quote, urlparse

import flask
from flask_login import LoginManager, login_user, logout_user

from eoc.auth import (
    AuthError,
    LoginThrottle,
    authenticate,
    end_session,
    load_or_create_secret_key,
    must_change_password,
    session_user,
    start_session,
)
from eoc.config import Settings
from eoc.i18n import LANG_COOKIE, LANGUAGES, _, current_language, normalise_language
from eoc.store import Store
from eoc.web.password_page import change_password_page
from eoc.web.security import PASSWORD_CHANGE_PATH, gate

THROTTLE_KEY = "EOC_LOGIN_THROTTLE"
SETTINGS_KEY = "EOC_AUTH_SETTINGS"
# What the signed cookie carries: the session's random token and when it was last used.
TOKEN_KEY, SEEN_KEY = "eoc_sid", "eoc_seen"
NAME_KEPT_CHARS = 200  # a failed sign-in keeps the name typed, within reason
SEEN_REFRESH_S = 60  # the cookie's "last used" moves at most once a minute
_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/eoc.css"></head>
<body class="login-body"><main class="login-box">
<p class="lang-links">{languages}</p>
<h1>{heading}</h1><p class="muted">{intro} <a href="/public">/public</a></p>{message}
<form method="post" action="/login">
<input type="hidden" name="next" value="{next}">
<label>{username} <input name="username" autocomplete="username" required{name_focus}
value="{name}"></label>
<label>{password} <input name="password" type="password" autocomplete="current-password"
required{password_focus}></label>
<button type="submit">{submit}</button></form></main></body></html>"""


def safe_next(target: str | None) -> str:
    """Only a local path: never send a user to another site after sign-in.

    Control characters (CR/LF would split the Location header) and backslashes (browsers
    read "/\\evil.example" as "//evil.example") are refused too.
    """
    if not target or any(ord(c) < 0x20 or c in "\x7f\\" for c in target):
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _render(
    next_url: str, message: str = "", status: int = 200, *, name: str = ""
) -> flask.Response:
    """The sign-in page; after a failure it keeps the `name` typed and asks for the password."""
    note = f'<p class="login-error" role="alert">{html.escape(message)}</p>' if message else ""
    here = html.escape(f"/login?next={quote(next_url)}", quote=True)
    languages = " · ".join(
        f'<a href="{here}&amp;lang={code}" lang="{code}">{html.escape(name)}</a>'
        for code, name in LANGUAGES.items()
    )
    body = _PAGE.format(
        lang=current_language(),
        title=html.escape(_("Sign in — EOC Tajikistan")),
        languages=languages,
        heading=html.escape(_("EOC Tajikistan")),
        intro=html.escape(_("Staff sign-in. The public map is at")),
        message=note,
        next=html.escape(next_url, quote=True),
        username=html.escape(_("User name")),
        name=html.escape(name[:NAME_KEPT_CHARS], quote=True),
        name_focus="" if name else " autofocus",
        password_focus=" autofocus" if name else "",
        password=html.escape(_("Password")),
        submit=html.escape(_("Sign in")),
    )
    return flask.make_response(body, status)


def login() -> flask.Response:
    request = flask.request
    if request.method == "GET":
        return _render(safe_next(request.args.get("next")))
    origin = request.headers.get("Origin")
    if origin and urlparse(origin).netloc != request.host:
        return flask.make_response(_("cross-site sign-in refused"), 403)
    next_url = safe_next(request.form.get("next"))
    store: Store = flask.current_app.config["EOC_STORE"]
    throttle: LoginThrottle = flask.current_app.config[THROTTLE_KEY]
    try:
        user = authenticate(
            store,
            request.form.get("username", ""),
            request.form.get("password", ""),
            throttle=throttle,
            address=request.remote_addr or "unknown",
        )
    except AuthError as exc:
        status = 429 if exc.throttled else 401
        return _render(next_url, str(exc), status, name=request.form.get("username", ""))
    settings: Settings = flask.current_app.config[SETTINGS_KEY]
    now = time.time()
    token = start_session(store, user, now=now, max_age_s=settings.session_max_h * 3600)
    _remember_language_with_account(store, user.name, user.lang)
    flask.session.clear()
    flask.session[TOKEN_KEY], flask.session[SEEN_KEY] = token, now
    login_user(user)
    if must_change_password(store, user.name):
        return flask.redirect(PASSWORD_CHANGE_PATH)
    return flask.redirect(next_url)


def _remember_language_with_account(store: Store, name: str, account_lang: str | None) -> None:
    """A language chosen in this browser before signing in is kept with the account."""
    chosen = normalise_language(flask.request.cookies.get(LANG_COOKIE))
    if chosen and chosen != account_lang:
        store.set_user_language(name, chosen)


def logout() -> flask.Response:
    """Sign out (POST only, from this site: another site cannot sign a user out)."""
    origin = flask.request.headers.get("Origin")
    if origin and urlparse(origin).netloc != flask.request.host:
        return flask.make_response(_("cross-site sign-out refused"), 403)
    token = flask.session.get(TOKEN_KEY)
    if token:
        end_session(flask.current_app.config["EOC_STORE"], token)
    logout_user()
    flask.session.clear()
    return flask.redirect("/public")


def load_session_user(store: Store, settings: Settings, name: str):
    """Flask-Login's user loader: the user of the cookie's live server-side session, or None.

    The cookie is signed, but only the session record makes it valid: sign-out, a new
    password, a new role or a disabled account end it at the next request, and so do the
    idle and absolute time-outs. Checking writes nothing to the store.
    """
    token, seen = flask.session.get(TOKEN_KEY), flask.session.get(SEEN_KEY)
    now = time.time()
    fresh = isinstance(seen, int | float) and 0 <= now - seen <= settings.session_idle_min * 60
    user = session_user(store, token, now=now) if token and fresh else None
    if user is None or user.name != name:
        flask.session.clear()
        return None
    if now - seen > SEEN_REFRESH_S:
        flask.session[SEEN_KEY] = now
    return user


def install_auth(server: flask.Flask, store: Store, settings: Settings) -> None:
    """Sessions, the sign-in routes and the request gate."""
    server.config.update(
        SECRET_KEY=settings.secret_key or load_or_create_secret_key(settings.secret_key_file),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_NAME="eoc_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_max_h),
        EOC_STORE=store,
    )
    server.config[SETTINGS_KEY] = settings
    server.config[THROTTLE_KEY] = LoginThrottle(
        store,
        max_failures=settings.login_max_failures,
        address_max_failures=settings.login_address_max_failures,
        window_s=settings.login_window_s,
    )
    manager = LoginManager()
    manager.init_app(server)
    manager.session_protection = "strong"
    manager.user_loader(lambda name: load_session_user(store, settings, name))
    server.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout, methods=["POST"])
    server.add_url_rule(
        PASSWORD_CHANGE_PATH, "change_password", change_password_page, methods=["GET", "POST"]
    )
    server.before_request(gate)
