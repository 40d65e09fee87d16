"""The banner of CAP alerts in force, for /wall: one line, each headline in the screen's
language (one line, so the wall still fits its screen with the other banners)."""

from __future__ import annotations

from collections.abc import Sequence

from dash import html

from eoc.alerts.workflow import AlertRow
from eoc.i18n import N_, _

MAX_SHOWN = 3  # the newest; the wall is read from across the room
SCOPE_LABELS = {"Public": N_("Public alert"), "Restricted": N_("Restricted alert")}
KINDS = {"Update": N_("Alert update"), "Cancel": N_("Alert cancelled")}  # else: an Alert


def alert_kind(msg_type: str, scope: str) -> str:
    """ "Public alert", or "Alert update · Public alert" for an Update or Cancel, in the
    page's language (the CAP codes "Restricted", "Update" never reach a reader)."""
    label = _(SCOPE_LABELS.get(scope, scope))
    return f"{_(KINDS[msg_type])} · {label}" if msg_type in KINDS else label


def build_alert_banners(
    rows: Sequence[AlertRow],
    *,
    lang: str,
    max_shown: int = MAX_SHOWN,
    files: bool = False,
    authoring_href: str | None = None,
) -> list[html.Div]:
    """No banner when no alert is in force; else one, the newest `max_shown` alerts first.

    `files`: each headline links to its CAP file (staff pages); `authoring_href`: the label
    links there (the alerts page, for those who may issue an update or a cancel).
    """
    if not rows:
        return []
    newest = sorted(rows, key=lambda r: r.published_at, reverse=True)
    items = []
    for row in newest[:max_shown]:
        alert = row.alert
        info = alert.info(lang) or alert.info("en") or alert.infos[0]
        headline = (
            html.A(info.headline, href=f"/cap/{row.alert_id}.xml") if files else info.headline
        )
        items.append(
            html.Span(
                [html.B(f"{alert_kind(alert.msg_type, alert.scope)}: "), headline],
                className=f"banner-alert-item banner-alert-{row.scope.lower()}",
                title=info.headline,
            )
        )
    label = _("Alerts in force (CAP)") + f" ({len(rows)})"
    head = html.A(label, href=authoring_href) if authoring_href else label
    return [html.Div([html.B(head), *items], className="banner banner-alert", role="alert")]


def build_public_alert_list(rows: Sequence[AlertRow], *, lang: str) -> html.Section | None:
    """The Public alerts in force for /public: headline, CAP file, and the feed's address.

    Refuses (AlertError) anything but published Public alerts, as the feed does.
    """
    from eoc.alerts.model import AlertError
    from eoc.alerts.workflow import PUBLISHED

    if not rows:
        return None
    items = []
    for row in sorted(rows, key=lambda r: r.published_at, reverse=True):
        if row.scope != "Public" or row.state != PUBLISHED:
            raise AlertError("scope", "only published Public alerts are shown to the public")
        alert = row.alert
        info = alert.info(lang) or alert.info("en") or alert.infos[0]
        items.append(
            html.Li([info.headline, " (", html.A("CAP", href=f"/cap/{row.alert_id}.xml"), ")"])
        )
    return html.Section(
        className="public-alerts",
        role="alert",
        children=[
            html.H3(_("Alerts in force (CAP)")),
            html.Ul(items),
            html.A(_("All alerts as an Atom feed"), href="/cap/feed.xml"),
        ],
    )
