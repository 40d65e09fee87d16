"""Situation reports (`/reports`): build a draft, edit its text, preview, publish, download.

Building the draft (figures, map, preview), its PDF and publishing run as background jobs
(eoc/web/jobs.py): the click only starts the job; its progress moves the progress bar, and
the web workers stay free for everyone else while a PDF renders. The job may run in another
process (a Celery worker), so nothing is handed from the click to the job but the choices:
the job reads the store itself, and keeps the model in its own process's cache, keyed by the
store version (the dcc.Store holds only the choices). A published report is rendered once and
archived in the store; its files are served by the routes below, to internal roles only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from html import escape as html_escape

import dash
import flask
from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

import layers
from eoc.analysis.active import AnalysisInputError, as_utc
from eoc.errors import EocError
from eoc.feeds.drafts import mark_published, read_drafts
from eoc.i18n import (
    LANGUAGES,
    N_,
    _,
    current_language,
    format_time,
    from_dushanbe,
    language,
)
from eoc.permissions import Action, is_allowed
from eoc.reports import wording
from eoc.reports.archive import (
    FREE_TEXT_MAX_LENGTH,
    PRODUCED_BY_MAX_LENGTH,
    PUBLISH,
    check_report_text,
    publish_sitrep,
)
from eoc.reports.build import DEFAULT_NEEDS_PROFILE, compose_sitrep, with_map
from eoc.reports.model import FreeText
from eoc.reports.render_html import render_html
from eoc.reports.render_pdf import render_pdf
from eoc.reports.snapshot import read_snapshot
from eoc.web.components import report_ids as ids
from eoc.web.components.feed_drafts import build_drafts_table, opened_draft
from eoc.web.components.report_archive import build_archive_table
from eoc.web.context import current_cache, current_write_tokens
from eoc.web.jobs import background_callback
from eoc.web.pages.report_routes import register_report_routes
from eoc.web.security import (
    current_role,
    current_username,
    guarded_callback,
    guarded_layout,
    require,
)
from layers.hazard_zones import HAZARD_TYPES

COUNTRY = "country"
PROFILES = {"sphere": N_("Sphere"), "inasafe": N_("InaSAFE")}
SCOPE_TYPES = HAZARD_TYPES  # an event report is about a hazard

AS_OF_LABEL = N_("As of (Dushanbe time; empty: now)")
PREVIEW_HINT = N_(
    "Choose the event and the time, then press Build draft: the report's preview appears here."
)


@contextmanager
def report_language(lang: str) -> Iterator[None]:
    """Render in `lang` inside a request (whose own language would otherwise win)."""
    saved = flask.g.get("eoc_lang") if flask.has_request_context() else None
    if flask.has_request_context():
        flask.g.eoc_lang = lang
    try:
        with language(lang):
            yield
    finally:
        if flask.has_request_context():
            flask.g.eoc_lang = saved


def _scope_options() -> list[dict]:
    cache = current_cache()
    incidents = cache.read_layers(["incidents"], version=cache.store.version())["incidents"]
    hazards = incidents[incidents["incident_type"].isin(SCOPE_TYPES).to_numpy(dtype=bool)]
    hazards = hazards.sort_values("time_utc", ascending=False)
    kind = layers.get("incidents").field("incident_type")
    options = [{"label": _("Whole country"), "value": COUNTRY}]
    for row in hazards.itertuples(index=False):
        what = row.description if isinstance(row.description, str) else row.incident_id
        options.append(
            {
                "label": f"{format_time(row.time_utc)} · {_(kind.value_label(row.incident_type))}"
                f" · {what}",
                "value": str(row.incident_id),
            }
        )
    return options


@guarded_layout(Action.VIEW_INTERNAL)
def layout(draft: str | None = None, **_query: str) -> html.Div:
    """`?draft=INCIDENT` opens the drafts a feed prepared for that event (and chooses it)."""
    can_publish = is_allowed(current_role(), Action.PUBLISH_REPORTS)
    lang = current_language()
    options = _scope_options()
    prepared = read_drafts(current_cache().store)
    opened = opened_draft(str(draft), prepared, lang=lang) if draft else None
    scope = draft if opened is not None and any(o["value"] == draft for o in options) else COUNTRY
    return html.Div(
        className="reports-page",
        children=[
            html.Section(
                className="report-controls",
                children=[
                    html.H2(_("Situation report")),
                    html.Label(_("Event")),
                    dcc.Dropdown(id=ids.SCOPE, options=options, value=scope, clearable=False),
                    html.Label(_(AS_OF_LABEL)),
                    # A date-time picker in Dushanbe time (no typed ISO 8601 needed).
                    dcc.Input(
                        id=ids.AS_OF,
                        type="datetime-local",
                        step=60,
                        value="",
                        debounce=True,
                        className="report-as-of",
                    ),  # fmt: skip
                    html.Label(_("Language of the report")),
                    dcc.RadioItems(
                        id=ids.LANG,
                        options=[
                            {"label": name, "value": code} for code, name in LANGUAGES.items()
                        ],
                        value=lang,
                        inline=True,
                    ),
                    html.Label(_("Needs profile")),
                    dcc.RadioItems(
                        id=ids.PROFILE,
                        options=[{"label": _(label), "value": v} for v, label in PROFILES.items()],
                        value=DEFAULT_NEEDS_PROFILE,
                        inline=True,
                    ),
                    html.Label(_("Produced by")),
                    dcc.Input(
                        id=ids.PRODUCED_BY,
                        type="text",
                        value=_("EOC Dushanbe ({user})").format(user=current_username()),
                        maxLength=PRODUCED_BY_MAX_LENGTH,
                    ),  # fmt: skip
                    html.Label(_("Situation overview")),
                    dcc.Textarea(
                        id=ids.OVERVIEW, className="report-text", maxLength=FREE_TEXT_MAX_LENGTH
                    ),
                    html.Label(_("Response")),
                    dcc.Textarea(
                        id=ids.RESPONSE, className="report-text", maxLength=FREE_TEXT_MAX_LENGTH
                    ),
                    html.Label(_("Gaps and constraints")),
                    dcc.Textarea(
                        id=ids.GAPS, className="report-text", maxLength=FREE_TEXT_MAX_LENGTH
                    ),
                    html.Div(
                        className="report-buttons",
                        children=[
                            html.Button(_("Build draft"), id=ids.BUILD, n_clicks=0),
                            html.Button(
                                _("Update preview"),
                                id=ids.REFRESH,
                                n_clicks=0,
                                className="secondary",
                            ),  # fmt: skip
                            html.Button(
                                _("Draft as PDF"),
                                id=ids.DRAFT_PDF,
                                n_clicks=0,
                                className="secondary",
                            ),  # fmt: skip
                            html.Button(
                                _("Publish"), id=ids.PUBLISH, n_clicks=0, className="danger"
                            )
                            if can_publish
                            else None,  # fmt: skip
                        ],
                    ),
                    html.Progress(
                        id=ids.PROGRESS, value="0", max="100", className="report-progress"
                    ),  # fmt: skip
                    html.Div(
                        id=ids.PROGRESS_LABEL, className="report-progress-label", role="status"
                    ),  # fmt: skip
                    html.Div(id=ids.MESSAGE, className="report-message", role="status"),
                ],
            ),
            html.Div(
                className="report-preview-column",
                children=[
                    opened,  # a feed's draft, opened from its notice: above the preview
                    dcc.Loading(
                        html.Iframe(
                            id=ids.PREVIEW,
                            className="report-preview",
                            title=_("Preview of the situation report"),
                            srcDoc=_preview_placeholder(),
                        ),  # fmt: skip
                        type="default",
                    ),
                ],
            ),
            html.Section(
                className="report-archive-box",
                children=[
                    html.H2(_("Drafts prepared from the feeds")),
                    build_drafts_table(prepared, lang=lang),
                ],
            ),
            # The whole width: in the controls' column the table was squeezed into ~400 px.
            html.Section(
                className="report-archive-box",
                children=[
                    html.H2(_("Published reports")),
                    html.Div(id=ids.ARCHIVE, children=build_archive_table(_reports())),
                ],
            ),
            dcc.Store(id=ids.REQUEST),
            dcc.Store(id=ids.STAGE),
            dcc.Store(id=ids.DRAFT),
            dcc.Download(id=ids.DRAFT_PDF_FILE),
        ],
    )


def _preview_placeholder() -> str:
    """What the preview shows before the first draft: what to do, not a blank frame."""
    return (
        '<!doctype html><html><body style="font: 15px sans-serif; color: #4a5562; '
        'margin: 2em;"><p>' + html_escape(_(PREVIEW_HINT)) + "</p></body></html>"
    )


def _reports() -> list[dict]:
    return current_cache().store.list_reports()


# -- the draft, in three steps ---------------------------------------------------------------


def start_draft(
    clicks: int | None,
    scope: str | None,
    as_of_text: str | None,
    lang: str | None,
    profile: str | None,
    produced_by: str | None,
    *,
    now: datetime | None = None,
):
    """Step 1: check the choices; the next step reads the store."""
    if not clicks:
        raise PreventUpdate
    try:
        text = (as_of_text or "").strip()
        moment = (
            as_utc(from_dushanbe(text)) if text else as_utc(now or datetime.now(UTC)).floor("min")
        )
    except (AnalysisInputError, ValueError):
        message = _(
            "{text} is not a date and time: give it in ISO 8601 with its time zone, "
            "for example 2026-11-22T06:00Z"
        ).format(text=as_of_text)
        return dash.no_update, "0", "", _message(message, ok=False)
    try:
        check_report_text(produced_by or "")
    except EocError as exc:
        return dash.no_update, "0", "", _message(str(exc), ok=False)
    request = {
        "scope": scope or COUNTRY,
        "as_of": moment.isoformat(),
        "lang": lang if lang in LANGUAGES else current_language(),
        "profile": profile or DEFAULT_NEEDS_PROFILE,
        "produced_by": (produced_by or "").strip() or _("EOC Dushanbe"),
    }
    return request, "10", _("Reading the store and computing the figures…"), ""


def _draft_key(request: dict) -> tuple:
    return ("sitrep-draft", *(request[k] for k in ("scope", "as_of", "lang", "profile")))


def _snapshot(version: int):
    cache = current_cache()
    return cache.get(("sitrep-snapshot",), lambda: read_snapshot(cache.store), version=version)


def compute_draft(request: dict | None):
    """Step 2: the report's figures from the store at one version (cached by version)."""
    if not request:
        raise PreventUpdate
    cache = current_cache()
    version = cache.store.version()
    snapshot = _snapshot(version)

    def compute():
        with report_language(request["lang"]):
            return compose_sitrep(
                snapshot,
                as_of=request["as_of"],
                produced_by=request["produced_by"],
                event_id=None if request["scope"] == COUNTRY else request["scope"],
                needs_profile=request["profile"],
                draw_map=False,
            )

    try:
        cache.get(_draft_key(request), compute, version=version)
    except EocError as exc:
        return dash.no_update, "0", "", _message(str(exc), ok=False)
    stage = request | {"version": version}
    return stage, "60", _("Drawing the map…"), ""


def _drawn_report(stage: dict):
    """The draft's model with its map, at the stage's version (computed here if need be)."""
    cache = current_cache()
    version = stage["version"]
    snapshot = _snapshot(version)
    report = cache.get(_draft_key(stage), lambda: None, version=version)
    if report is None:
        raise PreventUpdate

    def draw():
        with report_language(stage["lang"]):
            return with_map(report, snapshot)

    return cache.get((*_draft_key(stage), "map"), draw, version=version)


def _changed_meanwhile(stage: dict) -> bool:
    return current_cache().store.version() != stage["version"]


def finish_draft(
    stage: dict | None,
    _refresh: int | None,
    overview: str | None,
    response: str | None,
    gaps: str | None,
):
    """Step 3: the map and the preview (again, without recomputing, when the text changes)."""
    if not stage:
        raise PreventUpdate
    if _changed_meanwhile(stage):
        message = _("The data changed meanwhile: build the draft again.")
        return dash.no_update, dash.no_update, "0", "", _message(message, ok=False)
    drawn = _drawn_report(stage)
    text = FreeText(overview or "", response or "", gaps or "")
    with report_language(stage["lang"]):
        page = render_html(replace(drawn, free_text=text))
    label = _("Draft ready: store version {version}, as of {time} (Dushanbe time).").format(
        version=drawn.store_version, time=format_time(drawn.as_of)
    )
    # Beside the figures on screen too: what the residents are counted from.
    label = " ".join([label, *wording.coverage_notes(drawn)[:1]])
    return page, _with_token(stage), "100", label, ""


def build_draft(
    set_progress,
    request: dict | None,
    _refresh: int | None,
    overview: str | None,
    response: str | None,
    gaps: str | None,
):
    """The job of the draft: its figures (step 2), then its map and preview (step 3)."""
    if not request:
        raise PreventUpdate
    set_progress(("10", _("Reading the store and computing the figures…")))
    stage, progress, label, message = compute_draft(request)
    if stage is dash.no_update:
        return dash.no_update, dash.no_update, progress, label, message
    set_progress((progress, label))
    return finish_draft(stage, None, overview, response, gaps)


def _draft_failed(message: str):
    return dash.no_update, dash.no_update, "0", "", _message(message, ok=False)


def draft_pdf(
    set_progress,
    clicks: int | None,
    draft: dict | None,
    overview: str | None,
    response: str | None,
    gaps: str | None,
):
    """The job of the draft's PDF (as previewed, with the text typed since): a download."""
    if not clicks:
        raise PreventUpdate
    if not draft:
        return dash.no_update, _message(_("Build a draft first."), ok=False)
    stage = {k: draft[k] for k in ("scope", "as_of", "lang", "profile", "produced_by", "version")}
    check_report_text(str(stage["produced_by"]))
    if _changed_meanwhile(stage):
        message = _("The data changed meanwhile: build the draft again.")
        return dash.no_update, _message(message, ok=False)
    set_progress(("30", _("Reading the store and computing the figures…")))
    computed, _progress, _label, message = compute_draft(stage)
    if computed is dash.no_update:
        return dash.no_update, message
    set_progress(("60", _("Drawing the map and the PDF…")))
    drawn = _drawn_report(stage)
    text = FreeText(overview or "", response or "", gaps or "")
    with report_language(stage["lang"]):
        pdf = render_pdf(replace(drawn, free_text=text))
    set_progress(("100", _("PDF ready.")))
    name = f"sitrep-draft-v{int(stage['version'])}.pdf"
    return dcc.send_bytes(pdf, name), ""


def _with_token(stage: dict) -> dict:
    """The draft's choices, with a write token to publish exactly them for roles that may."""
    if not is_allowed(current_role(), Action.PUBLISH_REPORTS):
        return stage
    draft = {k: v for k, v in stage.items() if k != "token"}
    token = current_write_tokens().issue(
        PUBLISH, user=current_username() or "?", version=int(draft["version"]), state=draft
    )
    return draft | {"token": token}


def publish(
    clicks: int | None,
    draft: dict | None,
    overview: str | None,
    response: str | None,
    gaps: str | None,
    *,
    now: datetime | None = None,
):
    """Publish the previewed draft: next number, archived with its HTML, Markdown and PDF."""
    require(Action.PUBLISH_REPORTS)
    if not clicks:
        raise PreventUpdate
    if not draft:
        return _message(_("Build and check a draft before publishing."), ok=False), dash.no_update
    store = current_cache().store
    user = current_username() or "?"
    now = now or datetime.now(UTC)
    try:
        with current_write_tokens().redeem(draft.get("token"), purpose=PUBLISH, user=user) as t:
            reviewed = t.state  # what the server issued the preview with, not the browser's copy
            with report_language(str(reviewed["lang"])):
                published = publish_sitrep(
                    store,
                    as_of=as_utc(reviewed["as_of"]).to_pydatetime(),
                    produced_by=str(reviewed["produced_by"]),
                    user=user,
                    now=now,
                    lang=str(reviewed["lang"]),
                    event_id=None if reviewed["scope"] == COUNTRY else str(reviewed["scope"]),
                    free_text=FreeText(overview or "", response or "", gaps or ""),
                    needs_profile=str(reviewed["profile"]),
                    expected_version=t.version,
                )
        if reviewed["scope"] != COUNTRY:  # a feed's drafts for this event stop waiting
            mark_published(
                store,
                str(reviewed["scope"]),
                number=published.number,
                user=user,
                now=now,
            )
    except EocError as exc:
        return _message(str(exc), ok=False), dash.no_update
    text = _("Published situation report No. {number} (store version {version}).").format(
        number=published.number, version=published.data_version
    )
    return _message(text, ok=True), build_archive_table(store.list_reports())


def _message(text: str, *, ok: bool) -> html.Div:
    return html.Div(text, className="message-ok" if ok else "message-error")


def register(app: Dash) -> None:
    dash.register_page(
        __name__,
        path="/reports",
        title=N_("EOC Tajikistan — Situation reports"),
        layout=layout,
        name=N_("Reports"),
        action=Action.VIEW_INTERNAL,
    )
    register_report_routes(app.server)
    view = Action.VIEW_INTERNAL
    guarded_callback(
        app,
        view,
        Output(ids.REQUEST, "data"),
        Output(ids.PROGRESS, "value"),
        Output(ids.PROGRESS_LABEL, "children"),
        Output(ids.MESSAGE, "children"),
        Input(ids.BUILD, "n_clicks"),
        State(ids.SCOPE, "value"),
        State(ids.AS_OF, "value"),
        State(ids.LANG, "value"),
        State(ids.PROFILE, "value"),
        State(ids.PRODUCED_BY, "value"),
        prevent_initial_call=True,
    )(start_draft)
    progress = [Output(ids.PROGRESS, "value"), Output(ids.PROGRESS_LABEL, "children")]
    background_callback(
        app,
        view,
        Output(ids.PREVIEW, "srcDoc"),
        Output(ids.DRAFT, "data"),
        Output(ids.PROGRESS, "value", allow_duplicate=True),
        Output(ids.PROGRESS_LABEL, "children", allow_duplicate=True),
        Output(ids.MESSAGE, "children", allow_duplicate=True),
        Input(ids.REQUEST, "data"),
        Input(ids.REFRESH, "n_clicks"),
        State(ids.OVERVIEW, "value"),
        State(ids.RESPONSE, "value"),
        State(ids.GAPS, "value"),
        failed=_draft_failed,
        progress=progress,
        running=[(Output(ids.BUILD, "disabled"), True, False)],
        prevent_initial_call=True,
    )(build_draft)
    background_callback(
        app,
        view,
        Output(ids.DRAFT_PDF_FILE, "data"),
        Output(ids.MESSAGE, "children", allow_duplicate=True),
        Input(ids.DRAFT_PDF, "n_clicks"),
        State(ids.DRAFT, "data"),
        State(ids.OVERVIEW, "value"),
        State(ids.RESPONSE, "value"),
        State(ids.GAPS, "value"),
        failed=lambda message: (dash.no_update, _message(message, ok=False)),
        progress=progress,
        running=[(Output(ids.DRAFT_PDF, "disabled"), True, False)],
        prevent_initial_call=True,
    )(draft_pdf)
    background_callback(
        app,
        Action.PUBLISH_REPORTS,
        Output(ids.MESSAGE, "children", allow_duplicate=True),
        Output(ids.ARCHIVE, "children"),
        Input(ids.PUBLISH, "n_clicks"),
        State(ids.DRAFT, "data"),
        State(ids.OVERVIEW, "value"),
        State(ids.RESPONSE, "value"),
        State(ids.GAPS, "value"),
        failed=lambda message: (_message(message, ok=False), dash.no_update),
        running=[(Output(ids.PUBLISH, "disabled"), True, False)],
        prevent_initial_call=True,
    )(publish)
