"""The alerts in force at a report's moment, as a sitrep table (eoc/reports renders it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from eoc.alerts.workflow import AlertRow, in_force
from eoc.i18n import N_
from eoc.reports.model import Column, Table


def alert_table(rows: Sequence[AlertRow], moment: datetime) -> Table:
    """Published alerts in force at `moment`, Public and Restricted (the sitrep is internal)."""
    chosen = in_force(rows, now=moment)
    body = tuple(
        (
            r.published_at,
            r.alert.msg_type,
            r.scope,
            tuple((i.language, i.headline) for i in r.alert.infos),
            r.expires_at,
            r.alert_id,
        )
        for r in sorted(chosen, key=lambda r: r.published_at)
    )
    return Table(
        columns=(
            Column("published", N_("Published"), "time"),
            Column("msg_type", "msgType"),
            Column("scope", "scope"),
            Column("headline", N_("Headline"), "languages"),
            Column("expires", N_("Expires"), "time"),
            Column("identifier", N_("Identifier")),
        ),
        rows=body,
        empty=N_("No alert was in force."),
    )
