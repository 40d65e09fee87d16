"""Server-side access control for pages, callbacks and routes.

Every Dash callback is registered with the action it needs (`guarded_callback`); the request
gate refuses a callback request whose action the session's role may not do, and refuses any
callback nobody registered an action for (default deny). Each guarded callback checks again
inside, so calling it by any other path is refused too. Page layouts check likewise, because
Dash's router returns any registered page's layout to whoever asks.

A wall screen opened with a display token (`/wall?display=TOKEN`, eoc/displays.py) is the
DISPLAY principal: the token, kept in the signed session cookie, is looked up in the store on
every request, so it opens the wall's read-only callbacks (of its one view, if bound) and
nothing else, and a revoked token is refused at the screen's next poll.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from html import escape as html_escape
from typing import Any
from urllib.parse import quote

import flask
from dash import Dash, dcc, html
from flask_login import current_user

from eoc.auth import must_change_password
from eoc.displays import TOKEN_PARAMETER, display_for
from eoc.errors import EocError
from eoc.i18n import N_, _
from eoc.permissions import Action, Role, is_allowed
from eoc.web import ids

CALLBACK_ACTIONS_KEY = "EOC_CALLBACK_ACTIONS"
DISPLAY_KEY = "eoc_display"  # the session cookie's display token (a wall screen, no user)
WALL_PATH = "/wall"
# The only pages a session with a one-time password may open until it has changed it.
PASSWORD_CHANGE_PATH = "/account/password"
# Paths anyone may GET; every other page path needs an internal role.
PUBLIC_PATHS = frozenset({"/public", "/login", "/logout", "/language", "/healthz"})
PUBLIC_PREFIXES = ("/assets/", "/_dash-", "/_reload-hash", "/_favicon", "/favicon.ico", "/public/")
# The CAP outputs check the role themselves (eoc/web/cap_routes.py): Public alerts for anyone.
PUBLIC_PREFIXES += ("/cap/",)
# Dash's own router callbacks (page_container): they only return layouts, which check roles.
ROUTER_OUTPUTS = frozenset(
    {".._pages_content.children..._pages_store.data..", "_pages_dummy.children"}
)


class PermissionDeniedError(EocError):
    """The signed-in role may not do this."""

    def __init__(self, action: str, role: str) -> None:
        self.action, self.role = action, role
        super().__init__(
            _("refused: role '{role}' may not {action}").format(
                role=role, action=_(action.replace("_", " "))
            )
        )


def current_role() -> Role:
    """The role of the session's user, DISPLAY for a wall screen's live token, else PUBLIC."""
    if getattr(current_user, "is_authenticated", False):
        return Role(current_user.role)
    if flask.has_request_context() and current_display() is not None:
        return Role.DISPLAY
    return Role.PUBLIC


def current_display():
    """The live display the session's token opens (None without one, or once revoked).

    Looked up in the store once per request: a revoked token stops working at once.
    """
    if "eoc_display" not in flask.g:
        token = flask.session.get(DISPLAY_KEY)
        found = display_for(flask.current_app.config["EOC_STORE"], token) if token else None
        flask.g.eoc_display, flask.g.eoc_display_revoked = found, bool(token) and found is None
    return flask.g.eoc_display


def display_revoked() -> bool:
    """Whether the session carries a display token that no longer opens anything."""
    current_display()
    return flask.g.eoc_display_revoked


def current_username() -> str | None:
    return current_user.get_id() if getattr(current_user, "is_authenticated", False) else None


def require(action: Action) -> None:
    """Raise PermissionDeniedError unless the session's role may do `action`."""
    role = current_role()
    if not is_allowed(role, action):
        raise PermissionDeniedError(action, role)


def guarded_callback(app: Dash, action: Action, *dependencies: Any, **kwargs: Any) -> Callable:
    """Register `fn` as a callback that runs only for roles allowed `action`.

    Returns the plain function, so tests can call it directly.
    """

    def decorator(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def checked(*args: Any, **kw: Any) -> Any:
            require(action)
            return fn(*args, **kw)

        before = set(app.callback_map)
        app.callback(*dependencies, **kwargs)(checked)
        actions = app.server.config.setdefault(CALLBACK_ACTIONS_KEY, {})
        for key in set(app.callback_map) - before:
            actions[key] = Action(action)
        return fn

    return decorator


def guarded_layout(action: Action) -> Callable:
    """Make a page's `layout()` return a sign-in prompt to roles not allowed `action`."""

    def decorator(layout: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(layout)
        def checked(**query: Any) -> Any:
            role = current_role()
            if not is_allowed(role, action):
                # Signed in, but not for this page: say so (a sign-in page explains nothing).
                # A wall display is no member of staff: it gets the sign-in prompt too.
                staff = role not in (Role.PUBLIC, Role.DISPLAY)
                return not_allowed(role) if staff else sign_in_required()
            return layout(**query)

        return checked

    return decorator


def sign_in_required() -> html.Div:
    return html.Div(
        className="sign-in-required",
        children=[
            dcc.Location(id="sign-in-redirect", href="/login", refresh=True),
            html.P(
                [_("This page is for signed-in staff.") + " ", html.A(_("Sign in"), href="/login")]
            ),
        ],
    )


NOT_ALLOWED = N_("This page is not allowed for your role ({role}).")
BACK_HOME = N_("Back to the operations map")


def not_allowed(role: Role) -> html.Div:
    return html.Div(
        className="not-allowed",
        role="alert",
        children=[
            html.P(_(NOT_ALLOWED).format(role=role.value)),
            html.A(_(BACK_HOME), href="/"),
        ],
    )


def callback_action(server: flask.Flask, output_key: str) -> Action | None:
    """The action registered for the callback whose output key is `output_key`."""
    action = server.config.get(CALLBACK_ACTIONS_KEY, {}).get(output_key)
    if action is None and output_key in ROUTER_OUTPUTS:
        return Action.VIEW_PUBLIC
    return action


def gate() -> flask.Response | None:
    """`before_request` hook: refuse what the session may not see or do."""
    request = flask.request
    path = request.path
    if path == WALL_PATH and request.args.get(TOKEN_PARAMETER):
        refused = _open_display(request.args[TOKEN_PARAMETER])
        if refused is not None:
            return refused
    if path == "/_dash-update-component" and request.method == "POST":
        return _gate_callback(request)
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES) or path == PASSWORD_CHANGE_PATH:
        return None
    role = current_role()
    if role is Role.DISPLAY and path == WALL_PATH:
        return _check_display_views(request.args.get("views"))
    if display_revoked() and path == WALL_PATH:
        return _refuse_display()
    if not is_allowed(role, Action.VIEW_INTERNAL):
        target = request.full_path.rstrip("?")
        return flask.redirect(f"/login?next={quote(target)}")
    if must_change_password_now():
        return flask.redirect(PASSWORD_CHANGE_PATH)
    return None


def must_change_password_now() -> bool:
    """Whether the signed-in user still has a one-time password (set by an admin)."""
    name = current_username()
    return bool(name) and must_change_password(flask.current_app.config["EOC_STORE"], name)


def _open_display(token: str) -> flask.Response | None:
    """A kiosk URL's token: kept in the session if it is live (a signed-in user keeps theirs)."""
    if getattr(current_user, "is_authenticated", False):
        return None
    flask.session[DISPLAY_KEY] = token
    flask.g.pop("eoc_display", None)
    if current_display() is None:
        flask.session.pop(DISPLAY_KEY, None)
        return _refuse_display()
    return None


def _check_display_views(views: str | None) -> flask.Response | None:
    bound = current_display().view
    asked = {v.strip().lower() for v in (views or "").split(",") if v.strip()}
    if bound is None or asked <= {bound}:
        return None
    return flask.make_response(
        _("This display may show only the view '{view}'.").format(view=bound), 403
    )


def _refuse_display() -> flask.Response:
    message = _("This display was revoked. Ask an admin for a new display link.")
    page = (
        '<!doctype html><html><head><meta charset="utf-8"><title>EOC</title>'
        '<link rel="stylesheet" href="/assets/eoc.css"></head><body class="display-revoked">'
        f'<p class="display-revoked-message" role="alert">{html_escape(message)}</p></body></html>'
    )
    return flask.make_response(page, 403)


def _gate_callback(request: flask.Request) -> flask.Response | None:
    try:
        output = json.loads(request.get_data(cache=True) or b"{}").get("output", "")
    except (ValueError, AttributeError):
        return _refuse(_("malformed callback request"), 400)
    action = callback_action(flask.current_app, output)
    if action is None:
        return _refuse(_("refused: no permission is registered for this callback"), 403)
    role = current_role()
    if role is Role.PUBLIC and display_revoked():
        response = _refuse(_("This display was revoked. Ask an admin for a new display link."), 403)
        response.headers["X-EOC-Display"] = "revoked"  # assets/display.js blanks the screen
        return response
    if not is_allowed(role, action):
        return _refuse(str(PermissionDeniedError(action, role)), 403)
    if role is Role.DISPLAY and not _views_allowed(request):
        return _refuse(_("refused: this display may show only its own view"), 403)
    if action is not Action.VIEW_PUBLIC and must_change_password_now():
        return _refuse(_("refused: change your one-time password first"), 403)
    return None


def _views_allowed(request: flask.Request) -> bool:
    """A bound display's callbacks may only ask for its view (the wall's params store)."""
    bound = current_display().view
    if bound is None:
        return True
    body = json.loads(request.get_data(cache=True) or b"{}")
    for item in [*(body.get("inputs") or []), *(body.get("state") or [])]:
        if isinstance(item, dict) and item.get("id") == ids.WALL_PARAMS:
            views = (
                (item.get("value") or {}).get("views")
                if isinstance(item.get("value"), dict)
                else None
            )
            if views != [bound]:
                return False
    return True


def _refuse(message: str, status: int) -> flask.Response:
    return flask.make_response(flask.jsonify({"error": message}), status)
