"""Publishing: a report gets the next number, is rendered once and archived, immutable.

The archive lives in the store (table eoc_reports: number, language, the store version the
figures come from, the HTML, Markdown and PDF as published). A published report is never
rebuilt: what was sent out is what is downloaded later.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from eoc.errors import ConflictError, EocError
from eoc.i18n import _, language
from eoc.reports import wording
from eoc.reports.build import DEFAULT_NEEDS_PROFILE, NO_FREE_TEXT, build_sitrep
from eoc.reports.model import FreeText, Sitrep
from eoc.reports.render_html import render_html
from eoc.reports.render_markdown import render_markdown
from eoc.reports.render_pdf import render_pdf

_ATTEMPTS = 3
# What the write token of a reviewed draft is for.
PUBLISH = "report:publish"
# Limits of what the publisher types: a signature line, and a few pages per free-text section.
PRODUCED_BY_MAX_LENGTH = 200
FREE_TEXT_MAX_LENGTH = 5000
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class Published:
    number: int
    data_version: int  # the store version the figures come from
    store_version: int  # the store version after archiving
    title: str


class DataChangedError(ConflictError):
    """The store changed after the draft was reviewed; nothing was published."""

    def __init__(self, seen: int, now: int) -> None:
        self.seen, self.now = seen, now
        EocError.__init__(
            self,
            _(
                "the data changed since this draft was built (store version {seen}, now "
                "{now}); build the draft again, check it, then publish"
            ).format(seen=seen, now=now),
        )


def check_report_text(produced_by: str, free_text: FreeText = NO_FREE_TEXT) -> None:
    """Refuse (EocError) a "Produced by" or a free-text section over its length limit."""
    sections = (
        (_("Produced by"), produced_by, PRODUCED_BY_MAX_LENGTH),
        (_("Situation overview"), free_text.overview, FREE_TEXT_MAX_LENGTH),
        (_("Response"), free_text.response, FREE_TEXT_MAX_LENGTH),
        (_("Gaps and constraints"), free_text.gaps, FREE_TEXT_MAX_LENGTH),
    )
    for label, text, limit in sections:
        if len(text or "") > limit:
            raise EocError(
                _("{field}: at most {count} characters").format(field=label, count=limit)
            )


def render_all(report: Sitrep, lang: str) -> tuple[str, str, bytes]:
    """(html, markdown, pdf) of `report` in `lang`."""
    with language(lang):
        return render_html(report), render_markdown(report), render_pdf(report)


def publish_sitrep(
    store,
    *,
    as_of: datetime,
    produced_by: str,
    user: str,
    now: datetime,
    lang: str,
    event_id: str | None = None,
    free_text: FreeText = NO_FREE_TEXT,
    needs_profile: str = DEFAULT_NEEDS_PROFILE,
    expected_version: int | None = None,
) -> Published:
    """Build the report, give it the next number and archive it in the store.

    `expected_version` is the store version of the draft the publisher reviewed: if the store
    has moved on since, nothing is published (DataChangedError), so a report never goes out
    with figures nobody looked at.
    """
    check_report_text(produced_by, free_text)
    with language(lang):
        report = build_sitrep(
            store,
            as_of=as_of,
            produced_by=produced_by,
            event_id=event_id,
            free_text=free_text,
            needs_profile=needs_profile,
        )
    if expected_version is not None and report.store_version != expected_version:
        raise DataChangedError(expected_version, report.store_version)
    for _attempt in range(_ATTEMPTS):
        number = store.next_report_number()
        numbered = replace(report, number=number)
        html, markdown, pdf = render_all(numbered, lang)
        with language(lang):
            title = wording.title(numbered) + " — " + wording.scope(numbered)
        try:
            version = store.add_report(
                number=number,
                lang=lang,
                version=report.store_version,
                as_of=report.as_of,
                title=title,
                html=html,
                markdown=markdown,
                pdf=pdf,
                user=user,
                now=now,
            )
        except EocError:
            if store.next_report_number() != number:
                continue  # someone published first: take the next number and render again
            raise
        return Published(number, report.store_version, version, title)
    raise EocError(_("too many reports were published at once; try again"))
