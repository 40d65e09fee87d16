"""The list of published situation reports, with links to their HTML, PDF and Markdown."""

from __future__ import annotations

from datetime import datetime

from dash import html

from eoc.i18n import LANGUAGES, _, format_time


def build_archive_table(reports: list[dict]) -> html.Div:
    if not reports:
        return html.P(_("No situation report has been published yet."), className="muted")
    header = html.Tr(
        [
            html.Th(_("No.")),
            html.Th(_("Title")),
            html.Th(_("As of")),
            html.Th(_("Language")),
            html.Th(_("Data version")),
            html.Th(_("Published")),
            html.Th(_("Download")),
        ]
    )
    rows = []
    for report in reports:
        number = report["number"]
        published = _("{time} by {user}").format(
            time=format_time(datetime.fromisoformat(report["published_at"])),
            user=report["published_by"],
        )
        rows.append(
            html.Tr(
                [
                    html.Td(str(number)),
                    html.Td(report["title"]),
                    html.Td(format_time(datetime.fromisoformat(report["as_of"]))),
                    html.Td(LANGUAGES.get(report["lang"], report["lang"])),
                    html.Td(str(report["version"])),
                    html.Td(published),
                    html.Td(
                        [
                            html.A("HTML", href=f"/reports/{number}.html", target="_blank"),
                            " · ",
                            html.A("PDF", href=f"/reports/{number}.pdf"),
                            " · ",
                            html.A("Markdown", href=f"/reports/{number}.md"),
                        ]
                    ),
                ]
            )
        )
    return html.Table([html.Thead(header), html.Tbody(rows)], className="report-archive")
