"""Warnings out (`/alerts`): draft a CAP alert from a hazard zone, an incident or a feed
event; a second person approves it; then it is published to /cap/feed.xml, /wall and the
sitrep. The messaging library's texts are edited here too.

Callbacks are thin: the form becomes an alert in eoc/alerts/form.py, the workflow and its
checks are eoc/alerts/workflow.py, the library eoc/alerts/library.py. Every write redeems a
write token issued with the form (eoc/write_tokens.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

import dash
from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from eoc.alerts import library as lib
from eoc.alerts import model
from eoc.alerts import workflow as wf
from eoc.alerts.form import AlertForm, alert_from_form, library_texts, source_options, start_from
from eoc.errors import EocError
from eoc.i18n import LANGUAGES, N_, _, format_time
from eoc.permissions import Action, is_allowed
from eoc.web.components import alert_ids as ids
from eoc.web.context import (
    current_cache,
    current_exercise_title,
    current_settings,
    current_write_tokens,
)
from eoc.web.security import current_role, current_username, guarded_callback, guarded_layout

DRAFT_PURPOSE, REVIEW_PURPOSE, MESSAGE_PURPOSE = "alert-draft", "alert-review", "key-message"
TEXT_LABELS = {"headline": N_("Headline"), "description": N_("Description"),
               "instruction": N_("Instruction")}  # fmt: skip
TEXT_IDS = [(lang, name) for lang in LANGUAGES for name in TEXT_LABELS]


def _frames() -> dict:
    cache = current_cache()
    return cache.read_layers(
        ["hazard_zones", "incidents", "districts"], version=cache.store.version()
    )


def _select(id_: str, values: tuple[str, ...], value: str, *, labels: dict | None = None):
    options = [{"label": _(labels[v]) if labels else v, "value": v} for v in values]
    return dcc.Dropdown(id=id_, options=options, value=value, clearable=False)


def _token(purpose: str, state: dict | None = None) -> str:
    return current_write_tokens().issue(
        purpose, user=current_username() or "?", version=current_cache().store.version(),
        state=state,
    )  # fmt: skip


@guarded_layout(Action.VIEW_INTERNAL)
def layout(source: str | None = None, alert: str | None = None, **_query: str) -> html.Div:
    """`?source=hazard_zones/ID` starts a draft from that zone (a link from the map or a
    zone's detail); `?alert=ID` chooses that alert for review."""
    can_draft = is_allowed(current_role(), Action.DRAFT_ALERTS)
    children = [dcc.Store(id=ids.VERSION, data=0), html.H2(_("Alerts (CAP 1.2)"))]
    if can_draft:
        children.append(_draft_form(source))
    children += [
        html.H3(_("Drafts and published alerts")),
        html.Div(id=ids.LIST),
        dcc.Store(id=ids.REVIEW_TOKEN),
        html.Div(
            className="alert-review",
            hidden=not is_allowed(current_role(), Action.APPROVE_ALERTS),
            children=[
                dcc.Dropdown(
                    id=ids.CHOSEN,
                    options=[] if not alert else [{"label": str(alert), "value": str(alert)}],
                    value=alert or None,
                    placeholder=_("Choose an alert"),
                ),
                html.Button(_("Approve"), id=ids.APPROVE, n_clicks=0),
                html.Button(_("Publish"), id=ids.PUBLISH, n_clicks=0),
                html.Div(id=ids.REVIEW_MESSAGE, role="status"),
            ],
        ),
        html.H3(_("Messaging library")),
        html.A(_("Export for an SMS gateway (CSV)"), href="/alerts/messages.csv"),
        html.Div(
            hidden=not can_draft,
            children=[
                dcc.Dropdown(id=ids.LIB_KEY, options=[], placeholder=_("Choose a key message")),
                dcc.Textarea(id=ids.LIB_TEXT, value="", className="alert-text"),
                html.Div(id=ids.LIB_LENGTH),
                dcc.Store(id=ids.LIB_TOKEN),
                html.Button(_("Save the text"), id=ids.LIB_SAVE, n_clicks=0),
                html.Div(id=ids.LIB_MESSAGE, role="status"),
            ],
        ),
        html.Div(id=ids.LIB_TABLE),
    ]
    return html.Div(className="alerts-page", children=children)


def _draft_form(source: str | None) -> html.Section:
    frames = _frames()
    texts = []
    for lang, name in TEXT_IDS:
        texts += [
            html.Label(f"{LANGUAGES[lang]} · {_(TEXT_LABELS[name])}"),
            dcc.Textarea(
                id=ids.text_id(lang, name),
                value="",
                className="alert-text",
                maxLength=model.TEXT_MAX_CHARS,
            ),  # fmt: skip
        ]
    return html.Section(
        className="alert-form",
        children=[
            html.Label(_("Start from")),
            dcc.Dropdown(
                id=ids.SOURCE,
                options=(options := source_options(frames["hazard_zones"], frames["incidents"])),
                value=source if any(o["value"] == source for o in options) else None,
                placeholder=_("a hazard zone, an incident or a feed event"),
            ),
            html.Label(_("Phase")), _select(ids.PHASE, lib.PHASES, "warning", labels=lib.LABELS),
            html.Label(_("Audience")),
            _select(ids.AUDIENCE, lib.AUDIENCES, "public", labels=lib.LABELS),
            # On an exercise sandbox every alert is saved as Exercise (eoc/alerts/workflow.py).
            html.Label("status"),
            _select(ids.STATUS, model.STATUSES,
                    "Actual" if current_exercise_title() is None else "Exercise"),
            html.Label("msgType"), _select(ids.MSG_TYPE, model.MSG_TYPES, "Alert"),
            html.Label(_("References (for an Update or Cancel)")),
            dcc.Dropdown(id=ids.REFERENCES, options=[], multi=True),
            html.Label("scope"), _select(ids.SCOPE, model.SCOPES, "Public"),
            html.Label(_("Restriction (who may receive a Restricted alert)")),
            dcc.Input(id=ids.RESTRICTION, type="text", value="", maxLength=200),
            html.Label("urgency"), _select(ids.URGENCY, model.URGENCIES, "Expected"),
            html.Label("severity"), _select(ids.SEVERITY, model.SEVERITIES, "Severe"),
            html.Label("certainty"), _select(ids.CERTAINTY, model.CERTAINTIES, "Likely"),
            html.Label(_("Expires in (hours)")),
            dcc.Input(id=ids.EXPIRES_H, type="number", value=24, min=1, max=336),
            html.Button(_("Fill from the library"), id=ids.FILL, n_clicks=0),
            html.Div(id=ids.AREA),
            *texts,
            dcc.Store(id=ids.DRAFT_TOKEN, data=_token(DRAFT_PURPOSE)),
            html.Button(_("Save draft"), id=ids.SAVE, n_clicks=0),
            html.Div(id=ids.MESSAGE, role="status"),
        ],
    )  # fmt: skip


def _failure(exc: EocError) -> html.Div:
    return html.Div(str(exc), className="message-error")


def _start(source):
    frames = _frames()
    return start_from(source, zones=frames["hazard_zones"], incidents=frames["incidents"],
                      districts=frames["districts"])  # fmt: skip


def fill_texts(_clicks, source, phase, audience):
    """The texts of every language from the library, and the area the alert will cover."""
    if not source:
        raise PreventUpdate
    try:
        start = _start(source)
    except EocError as exc:
        return *([dash.no_update] * len(TEXT_IDS)), _failure(exc)
    messages = lib.current_messages(current_cache().store.sql)
    texts = library_texts(start, messages, phase=str(phase), audience=str(audience))
    points = ", ".join(str(len(p.split())) for p in start.area.polygons)
    area = html.Div(
        [
            html.Strong(start.area.description),
            html.Div(_("CAP polygon points: {points}").format(points=points)),
            html.Div(", ".join(f"{g.value_name}={g.value}" for g in start.area.geocodes)),
        ],
        className="alert-area",
    )
    return *[texts[lang][name] for lang, name in TEXT_IDS], area


def save_draft(
    _clicks, token, source, phase, audience, status, msg_type, scope, restriction, references,
    urgency, severity, certainty, expires_h, *texts, now: datetime | None = None,
):  # fmt: skip
    """Check the form's alert and save it as a draft (one audited transaction)."""
    if not _clicks:
        raise PreventUpdate
    now = now or datetime.now(UTC)
    user = current_username() or "?"
    values = {}
    for (lang, name), text in zip(TEXT_IDS, texts, strict=True):
        values.setdefault(lang, {})[name] = text if isinstance(text, str) else ""
    refs = tuple(str(r) for r in references) if isinstance(references, list) else ()
    form = AlertForm(
        source=str(source or ""), phase=str(phase), audience=str(audience), status=str(status),
        msg_type=str(msg_type), scope=str(scope), restriction=str(restriction or ""),
        references=refs, urgency=str(urgency), severity=str(severity),
        certainty=str(certainty), expires_h=expires_h, texts=values,
    )  # fmt: skip
    store = current_cache().store
    try:
        with current_write_tokens().redeem(token, purpose=DRAFT_PURPOSE, user=user):
            sender = current_settings().cap_sender
            alert = alert_from_form(form, _start(form.source), now=now, sender=sender)
            row = wf.save_draft(store.sql, alert, by=user, now=now, source=form.source)
    except EocError as exc:
        return _failure(exc), dash.no_update, dash.no_update
    message = _("Draft {id} saved: another duty officer must approve it.").format(id=row.alert_id)
    return html.Div(message, className="message-ok"), _token(DRAFT_PURPOSE), store.version()


def refresh_list(_version):
    """The alerts table, the ones that may be reviewed, and references for an Update."""
    role = current_role()
    rows = wf.list_alerts(current_cache().store.sql)
    header = html.Tr([html.Th(h) for h in (_("Identifier"), _("State"), "scope", "msgType",
                      _("Headline"), _("Drafted by"), _("Approved by"), _("Expires"))])  # fmt: skip
    body = []
    for r in rows:
        info = r.alert.info("en") or r.alert.infos[0]
        body.append(html.Tr([html.Td(c) for c in (
            html.A(r.alert_id, href=f"/cap/{r.alert_id}.xml"), _(r.state), r.scope, r.msg_type,
            info.headline, r.drafted_by, r.approved_by or "—", format_time(r.expires_at),
        )], className=f"alert-row alert-{r.state}"))  # fmt: skip
    table = html.Table([html.Thead(header), html.Tbody(body)], className="alert-table")
    pending = [r for r in rows if r.state in (wf.DRAFT, wf.APPROVED)]
    chosen = [{"label": f"{r.alert_id} ({_(r.state)})", "value": r.alert_id} for r in pending]
    token = None
    if is_allowed(role, Action.APPROVE_ALERTS):
        token = _token(REVIEW_PURPOSE, {"ids": [r.alert_id for r in pending]})
    refs = [{"label": f"{r.alert_id} · {(r.alert.info('en') or r.alert.infos[0]).headline}",
             "value": r.alert.reference} for r in rows if r.state == wf.PUBLISHED]  # fmt: skip
    return table, chosen, token, refs


def review(_approve, _publish, chosen, token, *, now: datetime | None = None):
    """Approve (not one's own draft) or publish the chosen alert."""
    step = dash.ctx.triggered_id
    if step not in (ids.APPROVE, ids.PUBLISH) or not chosen:
        raise PreventUpdate
    now = now or datetime.now(UTC)
    user = current_username() or "?"
    store = current_cache().store
    try:
        with current_write_tokens().redeem(token, purpose=REVIEW_PURPOSE, user=user,
                                           key=f"{step}:{chosen}") as issued:  # fmt: skip
            if str(chosen) not in issued.state.get("ids", []):
                raise wf.AlertStateError(_("the list of alerts is out of date: reload the page"))
            act = wf.approve_alert if step == ids.APPROVE else wf.publish_alert
            row = act(store.sql, str(chosen), by=user, now=now)
    except EocError as exc:
        return _failure(exc), dash.no_update
    message = _("Alert {id} is now {state}.").format(id=row.alert_id, state=_(row.state))
    return html.Div(message, className="message-ok"), store.version()


def library_table(_version):
    messages = lib.current_messages(current_cache().store.sql)
    rows = [html.Tr([html.Td(c) for c in (
        _(lib.LABELS[m.hazard]), _(lib.LABELS[m.phase]), _(lib.LABELS[m.audience]), m.lang,
        m.text, m.sms.label(), f"v{m.version}", m.source,
    )]) for m in messages]  # fmt: skip
    names = (_("Hazard"), _("Phase"), _("Audience"), _("Language"), _("Text"),
             _("SMS (length / parts)"), _("Version"), _("Source"))  # fmt: skip
    header = html.Tr([html.Th(h) for h in names])
    options = [{"label": f"{m.key} (v{m.version})", "value": m.key} for m in messages]
    return html.Table([html.Thead(header), html.Tbody(rows)], className="library-table"), options


def choose_message(key):
    """The chosen key message's text and a token to save its next version."""
    if not key:
        raise PreventUpdate
    parts = str(key).split("/")
    if len(parts) != 4:
        raise PreventUpdate
    history = lib.message_history(current_cache().store.sql, *parts)
    if not history:
        raise PreventUpdate
    token = None
    if is_allowed(current_role(), Action.DRAFT_ALERTS):
        token = _token(MESSAGE_PURPOSE, {"key": str(key), "version": history[0].version})
    return history[0].text, token


def show_length(text):
    length = lib.sms_length(text if isinstance(text, str) else "")
    return _("SMS: {units} characters ({encoding}), {parts} part(s)").format(
        units=length.units, encoding=length.encoding, parts=length.parts
    )


def save_message(_clicks, text, token, *, now: datetime | None = None):
    """Save the library text as its next version (the key and version from the token)."""
    if not _clicks:
        raise PreventUpdate
    user = current_username() or "?"
    store = current_cache().store
    try:
        with current_write_tokens().redeem(token, purpose=MESSAGE_PURPOSE, user=user) as issued:
            hazard, phase, audience, lang = str(issued.state["key"]).split("/")
            saved = lib.edit_message(
                store.sql, hazard, phase, audience, lang, text if isinstance(text, str) else "",
                by=user, now=now or datetime.now(UTC),
                expected_version=int(issued.state["version"]),
            )  # fmt: skip
    except EocError as exc:
        return _failure(exc), dash.no_update
    message = _("Saved as version {version}.").format(version=saved.version)
    return html.Div(message, className="message-ok"), store.version()


def register(app: Dash) -> None:
    dash.register_page(__name__, path="/alerts", title=N_("EOC Tajikistan — Alerts"),
                       layout=layout, name=N_("Alerts"), action=Action.VIEW_INTERNAL)  # fmt: skip
    guarded_callback(
        app, Action.DRAFT_ALERTS,
        *[Output(ids.text_id(lang, name), "value") for lang, name in TEXT_IDS],
        Output(ids.AREA, "children"),
        Input(ids.FILL, "n_clicks"), Input(ids.SOURCE, "value"),
        State(ids.PHASE, "value"), State(ids.AUDIENCE, "value"),
        prevent_initial_call=True,
    )(fill_texts)  # fmt: skip
    guarded_callback(
        app, Action.DRAFT_ALERTS,
        Output(ids.MESSAGE, "children"), Output(ids.DRAFT_TOKEN, "data"),
        Output(ids.VERSION, "data", allow_duplicate=True),
        Input(ids.SAVE, "n_clicks"), State(ids.DRAFT_TOKEN, "data"),
        *[State(i, "value") for i in (ids.SOURCE, ids.PHASE, ids.AUDIENCE, ids.STATUS,
          ids.MSG_TYPE, ids.SCOPE, ids.RESTRICTION, ids.REFERENCES, ids.URGENCY, ids.SEVERITY,
          ids.CERTAINTY, ids.EXPIRES_H)],
        *[State(ids.text_id(lang, name), "value") for lang, name in TEXT_IDS],
        prevent_initial_call=True,
    )(save_draft)  # fmt: skip
    guarded_callback(
        app, Action.VIEW_INTERNAL,
        Output(ids.LIST, "children"), Output(ids.CHOSEN, "options"),
        Output(ids.REVIEW_TOKEN, "data"), Output(ids.REFERENCES, "options"),
        Input(ids.VERSION, "data"),
    )(refresh_list)  # fmt: skip
    guarded_callback(
        app, Action.APPROVE_ALERTS,
        Output(ids.REVIEW_MESSAGE, "children"), Output(ids.VERSION, "data", allow_duplicate=True),
        Input(ids.APPROVE, "n_clicks"), Input(ids.PUBLISH, "n_clicks"),
        State(ids.CHOSEN, "value"), State(ids.REVIEW_TOKEN, "data"),
        prevent_initial_call=True,
    )(review)  # fmt: skip
    guarded_callback(
        app, Action.VIEW_INTERNAL,
        Output(ids.LIB_TABLE, "children"), Output(ids.LIB_KEY, "options"),
        Input(ids.VERSION, "data"),
    )(library_table)  # fmt: skip
    guarded_callback(
        app, Action.VIEW_INTERNAL,
        Output(ids.LIB_TEXT, "value"), Output(ids.LIB_TOKEN, "data"),
        Input(ids.LIB_KEY, "value"), prevent_initial_call=True,
    )(choose_message)  # fmt: skip
    guarded_callback(
        app, Action.VIEW_INTERNAL, Output(ids.LIB_LENGTH, "children"), Input(ids.LIB_TEXT, "value")
    )(show_length)  # fmt: skip
    guarded_callback(
        app, Action.DRAFT_ALERTS,
        Output(ids.LIB_MESSAGE, "children"), Output(ids.VERSION, "data", allow_duplicate=True),
        Input(ids.LIB_SAVE, "n_clicks"), State(ids.LIB_TEXT, "value"),
        State(ids.LIB_TOKEN, "data"), prevent_initial_call=True,
    )(save_message)  # fmt: skip
