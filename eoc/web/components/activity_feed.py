"""The activity feed as a list: newest first, times in Dushanbe time, labels translated."""

from __future__ import annotations

from collections.abc import Sequence

from dash import html

import layers
from eoc.analysis.activity import INCIDENT, ActivityItem
from eoc.i18n import N_, _, format_time

CHANGE_MESSAGES = {
    "insert": N_("{user} added {item} {id}"),
    "update": N_("{user} updated {item} {id}"),
    "delete": N_("{user} deleted {item} {id}"),
    "replace_all": N_("{user} rebuilt the store (all layers)"),
}
NO_ACTIVITY = N_("No recent activity")


def build_activity_feed(items: Sequence[ActivityItem]) -> html.Div:
    """A list of `items` (already in order), or a line saying there is nothing."""
    if not items:
        return html.Div(html.P(_(NO_ACTIVITY), className="feed-empty"), className="feed")
    return html.Div(
        html.Ol([_entry(item) for item in items], className="feed-list"), className="feed"
    )


def _entry(item: ActivityItem) -> html.Li:
    if item.kind == INCIDENT:
        what, detail, classes = _incident(item)
    else:
        what, detail, classes = _change(item)
    return html.Li(
        className=f"feed-item {classes}",
        children=[
            html.Time(format_time(item.at), className="feed-time", dateTime=item.at.isoformat()),
            html.Span(what, className="feed-what"),
            html.Span(detail, className="feed-detail") if detail else None,
        ],
    )


def _incident(item: ActivityItem) -> tuple[str, str, str]:
    spec = layers.get("incidents")
    parts = [
        _(spec.field(name).value_label(value))
        for name, value in (("severity", item.severity), ("incident_type", item.incident_type))
        if value
    ]
    severity = item.severity or "unknown"
    return " · ".join(parts), item.description or "", f"feed-incident feed-severity-{severity}"


def _change(item: ActivityItem) -> tuple[str, str, str]:
    message = CHANGE_MESSAGES.get(item.action or "", CHANGE_MESSAGES["update"])
    spec = layers.REGISTRY.get(item.layer or "")
    what = _(message).format(
        user=item.user or "—",
        item=_(spec.item_label) if spec else (item.layer or ""),
        id=item.feature_id or "",
    )
    return what.strip(), item.reason or "", f"feed-change feed-action-{item.action}"
