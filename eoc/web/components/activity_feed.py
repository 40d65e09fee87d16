"""The activity feed as a list: newest first, times in Dushanbe time, labels translated.

A change names its feature ("Kyzyl-Art", its id only when it has no name) and says what
changed ("Status: open → closed"), from the old and new values the audit log keeps.
"""

from __future__ import annotations

from collections.abc import Sequence

from dash import html

import layers
from eoc.analysis.activity import INCIDENT, ActivityItem
from eoc.i18n import N_, _, format_time
from eoc.web.components.map_figure import format_value

CHANGE_MESSAGES = {
    "insert": N_("{user} added {item} {id}"),
    "update": N_("{user} updated {item} {id}"),
    "delete": N_("{user} deleted {item} {id}"),
    "replace_all": N_("{user} rebuilt the store (all layers)"),
}
NO_ACTIVITY = N_("No recent activity")
MAX_CHANGES = 3  # fields listed per change; more are counted


def build_activity_feed(items: Sequence[ActivityItem]) -> html.Div:
    """A list of `items` (already in order), or a line saying there is nothing."""
    if not items:
        return html.Div(html.P(_(NO_ACTIVITY), className="feed-empty"), className="feed")
    return html.Div(
        html.Ol([_entry(item) for item in items], className="feed-list"), className="feed"
    )


def _entry(item: ActivityItem) -> html.Li:
    changes = ""
    if item.kind == INCIDENT:
        what, detail, classes = _incident(item)
    else:
        what, detail, classes = _change(item)
        changes = describe_changes(item)
    return html.Li(
        className=f"feed-item {classes}",
        children=[
            html.Time(format_time(item.at), className="feed-time", dateTime=item.at.isoformat()),
            html.Span(what, className="feed-what"),
            html.Span(changes, className="feed-changes") if changes else None,
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
        id=item.name or item.feature_id or "",
    )
    return what.strip(), item.reason or "", f"feed-change feed-action-{item.action}"


def describe_changes(item: ActivityItem) -> str:
    """'Status: open → closed · People: 420 → 455' in the current language."""
    spec = layers.REGISTRY.get(item.layer or "")
    parts = []
    for name, old, new in item.changes[:MAX_CHANGES]:
        field = spec.field(name) if spec and name in spec.field_names else None
        title = _(field.title) if field else name
        parts.append(f"{title}: {format_value(old, field)} → {format_value(new, field)}")
    more = len(item.changes) - MAX_CHANGES
    if more > 0:
        parts.append(f"+{more}")
    return " · ".join(parts)
