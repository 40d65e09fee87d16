"""The audit log as an HTML table."""

from __future__ import annotations

from collections.abc import Sequence

from dash import html

from eoc.i18n import N_, _, format_time
from eoc.store.records import AuditEntry

COLUMNS = (
    N_("When (UTC)"),
    N_("Dushanbe"),
    N_("Version"),
    N_("User"),
    N_("Action"),
    N_("Layer / feature"),
    N_("Change"),
    N_("Reason"),
)


def build_audit_table(entries: Sequence[AuditEntry]) -> html.Table | html.P:
    if not entries:
        return html.P(_("No audit entries match these filters."), className="muted")
    rows = [
        html.Tr(
            [
                html.Td(f"{e.at:%Y-%m-%d %H:%M:%S}"),
                # The day too: a log read across midnight (or a week back) needs it.
                html.Td(format_time(e.at)),
                html.Td(str(e.version)),
                html.Td(e.user),
                html.Td(e.action),
                html.Td(e.target),
                html.Td(e.changes()),
                html.Td(e.reason),
            ]
        )
        for e in entries
    ]
    return html.Table(
        [html.Thead(html.Tr([html.Th(_(c)) for c in COLUMNS])), html.Tbody(rows)],
        className="audit-table",
    )
