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


# What each audit action is called on the page (the code stays in the log, the CLI and the
# cell's tooltip). Every action the code writes: layer edits (eoc/store/edits.py, import
# plans), sql_store, accounts, displays, alerts, feeds, flows, exercises and upgrades.
ACTION_LABELS = {
    "insert": N_("added"),
    "update": N_("changed"),
    "delete": N_("removed"),
    "replace_all": N_("store rebuilt"),
    "protection": N_("protection changed"),
    "user_add": N_("user added"),
    "user_disable": N_("user disabled"),
    "user_enable": N_("user enabled"),
    "user_role": N_("role changed"),
    "user_password": N_("password changed"),
    "user_password_reset": N_("password reset"),
    "user_unlock": N_("sign-in unlocked"),
    "display_issue": N_("display token issued"),
    "display_revoke": N_("display token revoked"),
    "report_publish": N_("situation report published"),
    "alert_draft": N_("alert drafted"),
    "alert_approve": N_("alert approved"),
    "alert_publish": N_("alert published"),
    "feed_drafts": N_("drafts made from a feed"),
    "feed_drafts_done": N_("feed drafts closed"),
    "flows_import": N_("flow counts imported"),
    "flows_entry": N_("flow count entered"),
    "flows_seed": N_("flow counts seeded"),
    "exercise_start": N_("exercise started"),
    "exercise_stop": N_("exercise ended"),
    "exercise_clock": N_("exercise clock set"),
    "exercise_inject": N_("inject played"),
    "exercise_inject_added": N_("inject added live"),
    "schema_upgrade": N_("store upgraded"),
}


def action_label(action: str) -> str:
    """The action in the page's language; an action this release does not know, as written."""
    label = ACTION_LABELS.get(action)
    return _(label) if label else action


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
                html.Td(action_label(e.action), title=e.action),
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
