"""The situation report as Markdown (pipe tables), for e-mail, chat and wikis.

The map is left out (Markdown readers seldom show embedded images); the HTML and PDF editions
carry it.
"""

from __future__ import annotations

from eoc.i18n import _
from eoc.reports import wording
from eoc.reports.model import Sitrep, Table

S = wording.SECTIONS


# Characters that start Markdown markup inside a line (emphasis, links, code, tables).
MARKUP = frozenset("\\`*_[]|~")


def _plain(text: str) -> str:
    """Free text as Markdown text: HTML a reader typed is shown, not interpreted."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape(text: object) -> str:
    """A value from data (table cell, name, "Produced by") as literal text on one line.

    HTML is shown as typed and every inline Markdown character is backslash-escaped, so a
    site called `**x**` or `[a](javascript:…)` is printed as such, never bold or a link.
    """
    flat = " ".join(str(text).split())
    return "".join("\\" + c if c in MARKUP else c for c in _plain(flat))


def markdown_table(table: Table, report: Sitrep) -> list[str]:
    if not table.rows:
        return [f"_{_(table.empty)}_", ""]
    head = [_escape(_(c.label)) for c in table.columns]
    align = ["---:" if wording.numeric(c) else "---" for c in table.columns]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    rows = wording.table_rows(table, report.region_names)
    for number, row in enumerate(rows):
        cells = [_escape(value) for value in row]
        if table.total and number == len(rows) - 1:
            cells = [f"**{value}**" if value else value for value in cells]
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def render_markdown(report: Sitrep) -> str:
    """The report in the current language as Markdown text."""
    out = [f"# {_escape(wording.title(report))}", "", f"**{_escape(wording.scope(report))}**", ""]
    if report.exercise:
        note = _(wording.WATERMARK_NOTE).format(title=report.exercise)
        out = [f"**{_(wording.EXERCISE_WORD)}** · {_escape(note)}", "", *out]
    out += [f"- {label}: **{_escape(value)}**" for label, value in wording.header_rows(report)]
    out += ["", f"## {_(S['highlights'])}", ""]
    out += [f"- {_escape(wording.sentence(item))}" for item in report.highlights]
    out += ["", f"## {_(S['key_figures'])}", ""]
    out += [f"| {_('Figure')} | {_('Value')} |", "| --- | ---: |"]
    out += [
        f"| {_escape(_(item.label))} [^{n}] | {wording.value_text(item.value)} |"
        for n, item in enumerate(report.key_figures, start=1)
    ]
    out.append("")
    out += [f"[^{n}]: {_(item.footnote)}" for n, item in enumerate(report.key_figures, start=1)]
    out.append("")
    if report.coverage:
        out += [f"**{_(wording.COVERAGE_LABEL)}**", ""]
        out += [f"- {text}" for text in wording.coverage_notes(report)] + [""]

    def free(key: str, text: str) -> None:
        if text.strip():
            paragraphs = [_plain(p) + "\n" for p in wording.paragraphs(text)]
            out.extend([f"## {_(S[key])}", "", *paragraphs])

    def section(key: str, table: Table, note: str = "") -> None:
        lead = [f"_{_escape(note)}_", ""] if note else []
        out.extend([f"## {_(S[key])}", "", *lead, *markdown_table(table, report)])

    free("overview", report.free_text.overview)
    method = wording.coverage_line(report)
    section("zones", report.zones, method)
    section("exposure_region", report.exposure_by_region, method)
    section("exposure_district", report.exposure_by_district, method)
    section("sites", report.sites)
    out += [f"## {_(S['displaced'])}", ""]
    out += [f"**{wording.value_text(report.displaced)}** {_(wording.DISPLACED_LABEL)}", ""]
    out += markdown_table(report.displaced_by_zone, report)
    out += [wording.needs_note(report), ""]
    out += markdown_table(report.needs, report)
    section("checkpoints", report.checkpoints)
    if report.flows is not None:
        flows = report.flows
        out += [f"## {_(S['flows'])}", "", f"### {_escape(wording.sentence(flows.arrivals_title))}"]
        out += ["", *markdown_table(flows.arrivals, report)]
        out += [f"- {_escape(wording.sentence(item))}" for item in flows.projection] + [""]
        out += [f"### {_escape(wording.sentence(flows.days_to_full_title))}", ""]
        out += markdown_table(flows.days_to_full, report)
        for item in flows.notes:
            out += [f"_{_escape(wording.sentence(item))}_", ""]
    section("infrastructure", report.infrastructure)
    section("incidents", report.incidents)
    if report.alerts is not None:
        section("alerts", report.alerts)
    free("response", report.free_text.response)
    free("gaps", report.free_text.gaps)
    out += [f"## {_(S['sources'])}", ""]
    out += [f"- **{_(s.name)}**: {_escape(s.detail)}" for s in report.sources]
    out += [f"- **{_(wording.STORE_LABEL)}**: {_escape(wording.header_rows(report)[-1][1])}", ""]
    return "\n".join(out)
