"""Accounts and wall displays (`/admin/users`, admins only).

Every user with role, state and last sign-in; add a user, disable or enable, change role,
reset the password (a one-time password shown once), unlock a throttled name; issue and
revoke display tokens for wall screens (the token shown once). Each change needs a reason,
is audited, and carries the page's write token (a fresh one after each change). The rules
(the last admin, common passwords) live in eoc/auth.py, so the CLI keeps them too.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dash
from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from eoc import auth, displays
from eoc.errors import EocError
from eoc.i18n import N_, _
from eoc.permissions import ROLE_LABELS, USER_ROLES, Action
from eoc.store.accounts import account_states
from eoc.web import ids
from eoc.web.components.footer import format_data_time
from eoc.web.context import current_cache, current_write_tokens
from eoc.web.pages.wall import VIEWS
from eoc.web.security import current_username, guarded_callback, guarded_layout

PURPOSE = "manage_users"
ALL_VIEWS = ""
USER_BUTTONS = (
    ids.ADMIN_USERS_ADD,
    ids.ADMIN_USERS_DISABLE,
    ids.ADMIN_USERS_ENABLE,
    ids.ADMIN_USERS_SET_ROLE,
    ids.ADMIN_USERS_RESET,
    ids.ADMIN_USERS_UNLOCK,
)


def _token() -> str:
    return current_write_tokens().issue(
        PURPOSE, user=current_username() or "?", version=current_cache().store.version()
    )


@guarded_layout(Action.MANAGE_USERS)
def layout(**_query: str) -> html.Div:
    store = current_cache().store
    role_options = [{"label": _(ROLE_LABELS[role]), "value": role} for role in USER_ROLES]
    view_options = [{"label": _("every view (rotation)"), "value": ALL_VIEWS}] + [
        {"label": name, "value": name} for name in VIEWS
    ]
    return html.Div(
        className="admin-users-page",
        children=[
            html.H2(_("Users")),
            html.Div(build_users_table(store), id=ids.ADMIN_USERS_TABLE),
            html.Div(
                className="admin-form",
                children=[
                    dcc.Input(
                        id=ids.ADMIN_USERS_NAME,
                        placeholder=_("user name"),
                        maxLength=32,
                        className="admin-field",
                    ),
                    dcc.Dropdown(
                        id=ids.ADMIN_USERS_ROLE,
                        options=role_options,
                        value="viewer",
                        clearable=False,
                        className="admin-field",
                    ),
                    dcc.Input(
                        id=ids.ADMIN_USERS_REASON,
                        placeholder=_("reason (kept in the audit log)"),
                        maxLength=500,
                        className="admin-field admin-reason",
                    ),
                ],
            ),
            html.Div(
                className="admin-buttons",
                children=[
                    html.Button(_("Add user"), id=ids.ADMIN_USERS_ADD),
                    html.Button(_("Set role"), id=ids.ADMIN_USERS_SET_ROLE, className="secondary"),
                    html.Button(
                        _("Reset password"), id=ids.ADMIN_USERS_RESET, className="secondary"
                    ),
                    html.Button(
                        _("Unlock sign-in"), id=ids.ADMIN_USERS_UNLOCK, className="secondary"
                    ),
                    html.Button(_("Enable"), id=ids.ADMIN_USERS_ENABLE, className="secondary"),
                    html.Button(_("Disable"), id=ids.ADMIN_USERS_DISABLE, className="secondary"),
                ],
            ),
            html.Div(id=ids.ADMIN_USERS_MESSAGE, role="status"),
            html.H2(_("Wall displays")),
            html.P(
                _(
                    "A display token opens only the wall (one view, if chosen), read-only, "
                    "until it is revoked. It is shown once: put it in the kiosk's URL."
                ),
                className="muted",
            ),
            html.Div(build_displays_table(store), id=ids.ADMIN_DISPLAYS_TABLE),
            html.Div(
                className="admin-form",
                children=[
                    dcc.Input(
                        id=ids.ADMIN_DISPLAYS_LABEL,
                        placeholder=_("display name"),
                        maxLength=displays.MAX_LABEL_LENGTH,
                        className="admin-field",
                    ),
                    dcc.Dropdown(
                        id=ids.ADMIN_DISPLAYS_VIEW,
                        options=view_options,
                        value=ALL_VIEWS,
                        clearable=False,
                        className="admin-field",
                    ),
                    html.Button(_("Issue display token"), id=ids.ADMIN_DISPLAYS_ISSUE),
                ],
            ),
            html.Div(
                className="admin-form",
                children=[
                    dcc.Input(
                        id=ids.ADMIN_DISPLAYS_ID,
                        placeholder=_("display id"),
                        maxLength=16,
                        className="admin-field",
                    ),
                    html.Button(_("Revoke"), id=ids.ADMIN_DISPLAYS_REVOKE, className="secondary"),
                ],
            ),
            html.Div(id=ids.ADMIN_DISPLAYS_MESSAGE, role="status"),
            dcc.Store(id=ids.ADMIN_USERS_TOKEN, data=_token()),
        ],
    )


def build_users_table(store) -> html.Table:
    states = account_states(store.sql)
    header = [_("User"), _("Role"), _("State"), _("Last sign-in"), _("Password")]
    rows = []
    for user in store.list_users():
        state = states.get(user.name)
        last = state.last_sign_in_at if state else None
        when = format_data_time(datetime.fromtimestamp(last, UTC)) if last else _("never")
        one_time = state is not None and state.must_change_password
        rows.append(
            html.Tr(
                [
                    html.Td(user.name),
                    html.Td(_(ROLE_LABELS[user.role]) if user.role in ROLE_LABELS else user.role),
                    html.Td(_("disabled") if user.disabled else _("active")),
                    html.Td(when),
                    html.Td(_("one-time, must be changed") if one_time else ""),
                ]
            )
        )
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in header])), html.Tbody(rows)],
        className="admin-table",
    )


def build_displays_table(store) -> html.Table | html.P:
    records = displays.list_displays(store)
    if not records:
        return html.P(_("No display tokens yet."), className="muted")
    header = [_("Id"), _("Display"), _("View"), _("Issued by"), _("Issued"), _("State")]
    rows = [
        html.Tr(
            [
                html.Td(r.id),
                html.Td(r.label),
                html.Td(r.view or _("every view")),
                html.Td(r.created_by),
                html.Td(r.created_at[:16].replace("T", " ")),
                html.Td(_("revoked") if r.revoked else _("active")),
            ]
        )
        for r in records
    ]
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in header])), html.Tbody(rows)],
        className="admin-table",
    )


def _user_change(button: str, name: str, role: str | None, reason: str, *, by: str, now):
    """Do one account change; returns the message for the admin."""
    store = current_cache().store
    reason = displays.required_reason(reason)
    name = (name or "").strip().lower()
    if not name:
        raise EocError(_("type the user name first"))
    if button == ids.ADMIN_USERS_ADD:
        password = auth.add_user_with_one_time_password(
            store, name, role=role or "viewer", by=by, now=now, reason=reason
        )
        return _one_time(_("User {name} added.").format(name=name), password)
    if button == ids.ADMIN_USERS_RESET:
        password = auth.reset_password(store, name, by=by, now=now, reason=reason)
        return _one_time(_("Password of {name} reset.").format(name=name), password)
    if button == ids.ADMIN_USERS_UNLOCK:
        cleared = auth.unlock_name(store, name, by=by, now=now, reason=reason)
        return _("{name} unlocked ({count} failure counts cleared).").format(
            name=name, count=cleared
        )
    if button == ids.ADMIN_USERS_SET_ROLE:
        auth.set_role(store, name, role or "", by=by, now=now, reason=reason)
        return _("{name} now has role {role}; their sessions are ended.").format(
            name=name, role=_(ROLE_LABELS.get(role, role))
        )
    disable = button == ids.ADMIN_USERS_DISABLE
    auth.set_disabled(store, name, disable, by=by, now=now, reason=reason)
    text = N_("{name} disabled; their sessions are ended.") if disable else N_("{name} enabled.")
    return _(text).format(name=name)


def _one_time(done: str, password: str) -> html.Div:
    return html.Div(
        [
            html.P(done),
            html.P(
                [
                    _("One-time password (shown once; they must change it at sign-in):") + " ",
                    html.Code(password, className="one-time-secret"),
                ]
            ),
        ]
    )


def manage_user(
    *args,
    now: datetime | None = None,
):
    """One admin change to an account (the button pressed says which), with a fresh token."""
    *_clicks, name, role, reason, token = args
    button = dash.ctx.triggered_id
    if button not in USER_BUTTONS or not any(_clicks):
        raise PreventUpdate
    by = current_username() or "?"
    try:
        with current_write_tokens().redeem(token, purpose=PURPOSE, user=by):
            message = _user_change(button, name, role, reason, by=by, now=now or datetime.now(UTC))
    except EocError as exc:
        return html.Div(str(exc), className="message-error"), dash.no_update, dash.no_update
    store = current_cache().store
    return html.Div(message, className="message-ok"), build_users_table(store), _token()


def manage_display(
    _issue: int | None,
    _revoke: int | None,
    label: str | None,
    view: str | None,
    display_id: str | None,
    reason: str | None,
    token: str | None,
    now: datetime | None = None,
):
    """Issue a display token (shown once, with the kiosk URL) or revoke one."""
    button = dash.ctx.triggered_id
    if button not in (ids.ADMIN_DISPLAYS_ISSUE, ids.ADMIN_DISPLAYS_REVOKE):
        raise PreventUpdate
    store = current_cache().store
    by = current_username() or "?"
    now = now or datetime.now(UTC)
    try:
        with current_write_tokens().redeem(token, purpose=PURPOSE, user=by):
            if button == ids.ADMIN_DISPLAYS_ISSUE:
                display_id, secret = displays.issue_display(
                    store,
                    label or "",
                    view=view,
                    views=list(VIEWS),
                    by=by,
                    now=now,
                    reason=reason or "",
                )
                message = html.Div(
                    [
                        html.P(
                            _("Display {id} issued. Its kiosk address (shown once):").format(
                                id=display_id
                            )
                        ),
                        html.Code(
                            displays.kiosk_url(secret, view or None), className="one-time-secret"
                        ),
                    ]
                )
            else:
                displays.revoke_display(
                    store, display_id or "", by=by, now=now, reason=reason or ""
                )
                message = _("Display {id} revoked: its screen blanks at its next poll.").format(
                    id=(display_id or "").strip()
                )
    except EocError as exc:
        return html.Div(str(exc), className="message-error"), dash.no_update, dash.no_update
    return html.Div(message, className="message-ok"), build_displays_table(store), _token()


def register(app: Dash) -> None:
    dash.register_page(
        __name__,
        path="/admin/users",
        title=N_("EOC Tajikistan — Users and displays"),
        layout=layout,
        name=N_("Users"),
        action=Action.MANAGE_USERS,
    )
    guarded_callback(
        app,
        Action.MANAGE_USERS,
        Output(ids.ADMIN_USERS_MESSAGE, "children"),
        Output(ids.ADMIN_USERS_TABLE, "children"),
        Output(ids.ADMIN_USERS_TOKEN, "data"),
        *(Input(button, "n_clicks") for button in USER_BUTTONS),
        State(ids.ADMIN_USERS_NAME, "value"),
        State(ids.ADMIN_USERS_ROLE, "value"),
        State(ids.ADMIN_USERS_REASON, "value"),
        State(ids.ADMIN_USERS_TOKEN, "data"),
        prevent_initial_call=True,
    )(manage_user)
    guarded_callback(
        app,
        Action.MANAGE_USERS,
        Output(ids.ADMIN_DISPLAYS_MESSAGE, "children"),
        Output(ids.ADMIN_DISPLAYS_TABLE, "children"),
        Output(ids.ADMIN_USERS_TOKEN, "data", allow_duplicate=True),
        Input(ids.ADMIN_DISPLAYS_ISSUE, "n_clicks"),
        Input(ids.ADMIN_DISPLAYS_REVOKE, "n_clicks"),
        State(ids.ADMIN_DISPLAYS_LABEL, "value"),
        State(ids.ADMIN_DISPLAYS_VIEW, "value"),
        State(ids.ADMIN_DISPLAYS_ID, "value"),
        State(ids.ADMIN_USERS_REASON, "value"),
        State(ids.ADMIN_USERS_TOKEN, "data"),
        prevent_initial_call=True,
    )(manage_display)
