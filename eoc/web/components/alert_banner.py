"""The banner of CAP alerts in force, for /wall: each headline in the screen's language."""

from __future__ import annotations

from collections.abc import Sequence

from dash import html

from eoc.alerts.workflow import AlertRow
from eoc.i18n import _

MAX_BANNERS = 3  # the newest; the wall is read from across the room


def build_alert_banners(rows: Sequence[AlertRow], *, lang: str) -> list[html.Div]:
    newest = sorted(rows, key=lambda r: r.published_at, reverse=True)[:MAX_BANNERS]
    banners = []
    for row in newest:
        alert = row.alert
        info = alert.info(lang) or alert.info("en") or alert.infos[0]
        kind = {"Update": _("Alert update"), "Cancel": _("Alert cancelled")}.get(
            alert.msg_type, _("Alert")
        )
        banners.append(
            html.Div(
                [html.B(f"{kind} · {alert.scope}: "), info.headline],
                className=f"banner banner-alert banner-alert-{row.scope.lower()}",
                role="alert",
            )
        )
    return banners
