"""Change my password (`/account/password`): every signed-in user, current password required.

A plain server-rendered form like the sign-in page, so it works before any Dash page: a user
whose password is a one-time password (set by an admin) is sent here, and only here, until
they have chosen their own. The form carries a write token like every other write. The change
ends every session of the user (a stolen cookie too); this browser gets a fresh one.
"""

from __future__ import annotations

import html
import time
from datetime import UTC, datetime

import flask
from flask_login import current_user, login_user

from eoc.auth import (
    MIN_PASSWORD_LENGTH,
    AuthError,
    change_own_password,
    load_user,
    must_change_password,
    start_session,
)
from eoc.config import Settings
from eoc.errors import EocError
from eoc.i18n import _, current_language
from eoc.web.context import current_write_tokens
from eoc.web.security import PASSWORD_CHANGE_PATH

PURPOSE = "change_own_password"
_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/eoc.css"></head>
<body class="login-body"><main class="login-box">
<h1>{heading}</h1><p class="muted">{intro}</p>{message}
<form method="post" action="{action}">
<input type="hidden" name="token" value="{token}">
<label>{current} <input name="current" type="password" autocomplete="current-password"
required autofocus></label>
<label>{new} <input name="new" type="password" autocomplete="new-password" required
minlength="{min}"></label>
<label>{repeat} <input name="repeat" type="password" autocomplete="new-password" required
minlength="{min}"></label>
<button type="submit">{submit}</button></form>
<p><a href="/">{back}</a></p></main></body></html>"""


def _render(name: str, message: str = "", status: int = 200, *, ok: bool = False):
    css = "login-ok" if ok else "login-error"
    note = f'<p class="{css}" role="alert">{html.escape(message)}</p>' if message else ""
    store = flask.current_app.config["EOC_STORE"]
    forced = must_change_password(store, name)
    intro = (
        _("Your password was set by an admin for one sign-in: choose your own to go on.")
        if forced
        else _("At least {count} characters, not a common password.").format(
            count=MIN_PASSWORD_LENGTH
        )
    )
    token = current_write_tokens().issue(PURPOSE, user=name, version=0)
    body = _PAGE.format(
        lang=current_language(),
        title=html.escape(_("Change my password — EOC Tajikistan")),
        heading=html.escape(_("Change my password")),
        intro=html.escape(intro),
        message=note,
        action=PASSWORD_CHANGE_PATH,
        token=html.escape(token, quote=True),
        current=html.escape(_("Current password")),
        new=html.escape(_("New password")),
        repeat=html.escape(_("New password again")),
        min=MIN_PASSWORD_LENGTH,
        submit=html.escape(_("Change my password")),
        back=html.escape(_("Back to the dashboard")),
    )
    return flask.make_response(body, status)


def change_password_page() -> flask.Response:
    from eoc.web.login import SEEN_KEY, SETTINGS_KEY, TOKEN_KEY

    if not getattr(current_user, "is_authenticated", False):
        return flask.redirect(f"/login?next={PASSWORD_CHANGE_PATH}")
    name = current_user.get_id()
    request = flask.request
    if request.method == "GET":
        return _render(name)
    store = flask.current_app.config["EOC_STORE"]
    form = request.form
    try:
        with current_write_tokens().redeem(form.get("token"), purpose=PURPOSE, user=name):
            if form.get("new", "") != form.get("repeat", ""):
                raise EocError(_("the two new passwords differ; nothing was saved"))
            change_own_password(
                store,
                name,
                current=form.get("current", ""),
                new=form.get("new", ""),
                now=datetime.now(UTC),
            )
    except AuthError as exc:
        return _render(name, str(exc), 403)
    except EocError as exc:
        return _render(name, str(exc), 400)
    # Every session of the user ended with the change: this browser signs in afresh.
    settings: Settings = flask.current_app.config[SETTINGS_KEY]
    user = load_user(store, name)
    now = time.time()
    token = start_session(store, user, now=now, max_age_s=settings.session_max_h * 3600)
    flask.session.clear()
    flask.session[TOKEN_KEY], flask.session[SEEN_KEY] = token, now
    login_user(user)
    return _render(name, _("Your password was changed."), ok=True)
