"""Server-side access control for pages, callbacks and routes.

Every Dash callback is registered with the action it needs (`guarded_callback`); the request
gate refuses a callback request whose action the session's role may not do, and refuses any
callback nobody registered an action for (default deny). Each guarded callback checks again
inside, so calling it by any other path is refused too. Page layouts check likewise, because
Dash's router returns any registered page's layout to whoever asks.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import flask
from dash import Dash, dcc, html
from flask_login import current_user

from eoc.errors import EocError
from eoc.i18n import N_, _
from eoc.permissions import Action, Role, is_allowed

CALLBACK_ACTIONS_KEY = "EOC_CALLBACK_ACTIONS"
# Paths anyone may GET; every other page path needs an internal role.
PUBLIC_PATHS = frozenset({"/public", "/login", "/logout", "/language", "/healthz"})
PUBLIC_PREFIXES = ("/assets/", "/_dash-", "/_reload-hash", "/_favicon", "/favicon.ico", "/public/")
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
    """The role of the session's user, or PUBLIC for anonymous visitors."""
    if getattr(current_user, "is_authenticated", False):
        return Role(current_user.role)
    return Role.PUBLIC


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
                return sign_in_required() if role is Role.PUBLIC else not_allowed(role)
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
    if path == "/_dash-update-component" and request.method == "POST":
        return _gate_callback(request)
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return None
    if not is_allowed(current_role(), Action.VIEW_INTERNAL):
        target = request.full_path.rstrip("?")
        return flask.redirect(f"/login?next={quote(target)}")
    return None


def _gate_callback(request: flask.Request) -> flask.Response | None:
    try:
        output = json.loads(request.get_data(cache=True) or b"{}").get("output", "")
    except (ValueError, AttributeError):
        return _refuse(_("malformed callback request"), 400)
    action = callback_action(flask.current_app, output)
    if action is None:
        return _refuse(_("refused: no permission is registered for this callback"), 403)
    role = current_role()
    if not is_allowed(role, action):
        return _refuse(str(PermissionDeniedError(action, role)), 403)
    return None


def _refuse(message: str, status: int) -> flask.Response:
    return flask.make_response(flask.jsonify({"error": message}), status)
