"""The audit log as an HTML table."""

from __future__ import annotations

from collections.abc import Sequence

from dash import html

from eoc.i18n import N_, _
from eoc.store.records import AuditEntry
from eoc.web.components.footer import DUSHANBE

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
                html.Td(f"{e.at.astimezone(DUSHANBE):%H:%M}"),
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
