"""On /reports: the drafts the feeds prepared for significant events, and one of them opened.

A prepared draft is read, never published from here: "Open" fills the form with its event,
and the duty officer builds the draft again from the data of the moment, checks it and
publishes it (eoc/web/pages/reports.py). Its Markdown in each language is served to internal
roles only (`download_draft`).
"""

from __future__ import annotations

from urllib.parse import quote

import flask
from dash import dcc, html

from eoc.feeds.drafts import PUBLISHED, EventDrafts, draft_markdown, reason_text
from eoc.i18n import LANGUAGES, _, format_time
from eoc.permissions import Action
from eoc.web.context import current_cache
from eoc.web.security import require

DRAFTS_LISTED = 20


def build_drafts_table(drafts: list[EventDrafts], *, lang: str) -> html.Div:
    """The events with prepared drafts, newest first: what, why, when, state, links."""
    if not drafts:
        return html.P(
            _("No feed event has prepared a draft yet: drafts come with significant events."),
            className="muted",
        )
    header = html.Tr(
        [
            html.Th(_("Event")),
            html.Th(_("Why")),
            html.Th(_("Prepared")),
            html.Th(_("State")),
            html.Th(_("Drafts")),
        ]
    )
    rows = []
    for d in drafts[:DRAFTS_LISTED]:
        key = quote(d.incident_id, safe="")
        state = (
            _("published as No. {number}").format(number=d.report_number)
            if d.status == PUBLISHED
            else _("waiting for a duty officer")
        )
        links: list = [html.A(_("Open"), href=f"/reports?draft={key}")]
        for code in d.titles:
            links += [" · ", html.A(f"{code} (Markdown)", href=f"/reports/drafts/{key}/{code}.md")]
        if d.alert_id:
            links += [
                " · ",
                html.A(_("CAP alert draft"), href=f"/alerts?alert={quote(d.alert_id, safe='')}"),
            ]
        rows.append(
            html.Tr(
                [
                    html.Td(d.event(lang)),
                    html.Td(reason_text(d.reason)),
                    html.Td(
                        _("{time} (store version {version})").format(
                            time=format_time(d.prepared_at), version=d.store_version
                        )
                    ),  # fmt: skip
                    html.Td(state),
                    html.Td(links),
                ],
                className=f"feed-draft-row feed-draft-{d.status}",
            )
        )
    return html.Table([html.Thead(header), html.Tbody(rows)], className="report-archive")


def build_opened_draft(drafts: EventDrafts, markdown: str | None, *, lang: str) -> html.Div:
    """The prepared draft of one event in `lang`, read-only, with what to do next."""
    note = _(
        "Prepared by {user} from the feed at {time} (store version {version}). Press Build "
        "draft to check it against the data of now, then publish it."
    ).format(user=drafts.user, time=format_time(drafts.prepared_at), version=drafts.store_version)
    if drafts.alert_note and not drafts.alert_id:
        note += " " + _("No CAP alert was drafted: {why}").format(why=drafts.alert_note)
    return html.Div(
        className="feed-draft-opened",
        children=[
            html.H3(drafts.title(lang)),
            html.P(note, className="muted"),
            # The Markdown escapes every value from data (eoc/reports/render_markdown.py);
            # dcc.Markdown renders no raw HTML.
            dcc.Markdown(markdown or "", className="feed-draft-markdown"),
        ],
    )


def opened_draft(incident_id: str, drafts: list[EventDrafts], *, lang: str) -> html.Div | None:
    """The opened draft's view, or None when the event has no drafts."""
    found = next((d for d in drafts if d.incident_id == incident_id), None)
    if found is None:
        return None
    shown = lang if lang in found.titles else next(iter(found.titles))
    markdown = draft_markdown(current_cache().store, incident_id, shown)
    return build_opened_draft(found, markdown, lang=shown)


def download_draft(incident_id: str, lang: str) -> flask.Response:
    """One prepared draft's Markdown; internal roles only (checked here too)."""
    require(Action.VIEW_INTERNAL)
    if lang not in LANGUAGES:
        flask.abort(404)
    markdown = draft_markdown(current_cache().store, incident_id, lang)
    if markdown is None:
        flask.abort(404)
    response = flask.make_response(markdown)
    response.headers["Content-Type"] = "text/markdown; charset=utf-8"
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in incident_id)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="sitrep-draft-{name}-{lang}.md"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
