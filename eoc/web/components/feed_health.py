"""Each live feed's health as a small line on / and /wall ("USGS: 2 min ago", amber or red),
and the drafts a significant event prepared, waiting for a duty officer.

`build_feed_health` is pure (states in, components out); `register_feed_health` wires one
page's poll interval to its placeholder with a guarded callback that reads the feeds' rows
from the store (never polls a feed: that is the runner's job, outside any web request).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import quote

from dash import Input, Output, html

from eoc.feeds.drafts import WAITING, EventDrafts, read_drafts, waiting_drafts
from eoc.feeds.health import feed_health
from eoc.feeds.state import FeedState, read_states
from eoc.i18n import _, current_language
from eoc.permissions import Action
from eoc.web.context import current_cache
from eoc.web.security import guarded_callback


def build_feed_health(states: dict[str, FeedState], *, now: float) -> list:
    """One chip per feed; amber when late, red when down; the error as its tooltip."""
    return [
        html.Span(
            h.text,
            title=h.detail,
            className=f"feed-health feed-health-{h.level}",
            role="alert" if h.level == "down" else None,
        )
        for h in feed_health(states, now=now)
    ]


def build_draft_notices(waiting: list[EventDrafts], *, lang: str, links: bool) -> list:
    """One notice per event whose drafts wait: a link to /reports where one can follow it."""
    notices = []
    for drafts in waiting:
        text = (
            _("Draft situation report and CAP alert ready for {event}: waiting for a duty officer")
            if drafts.alert_id
            else _("Draft situation report ready for {event}: waiting for a duty officer")
        ).format(event=drafts.event(lang))
        if links:
            notices.append(
                html.A(
                    text,
                    href=f"/reports?draft={quote(drafts.incident_id, safe='')}",
                    className="feed-draft",
                    role="status",
                )
            )
        else:
            notices.append(html.Span(text, className="feed-draft", role="status"))
    return notices


def current_waiting_drafts(now: datetime) -> list[EventDrafts]:
    """The drafts waiting now (the incidents read only when some could be)."""
    cache = current_cache()
    drafts = [d for d in read_drafts(cache.store) if d.status == WAITING]
    if not drafts:
        return []
    incidents = cache.read_layers(["incidents"], version=cache.store.version())["incidents"]
    return waiting_drafts(drafts, incidents, now=now)


def feed_down_text(states: dict[str, FeedState]) -> str | None:
    """For the stale banner: which feeds are down, or None when every feed answers."""
    down = sorted(name.upper() for name, s in states.items() if s.offline)
    if not down:
        return None
    return _("feed down: {feeds}; the data may be old because no new data can arrive").format(
        feeds=", ".join(down)
    )


def feed_health_placeholder(component_id: str) -> html.Div:
    return html.Div(id=component_id, className="feed-health-line", **{"aria-live": "polite"})


def update_feed_health(_ticks: int | None, *, links: bool = True) -> list:
    now = time.time()
    waiting = current_waiting_drafts(datetime.fromtimestamp(now, UTC))
    return [
        *build_feed_health(read_states(current_cache().store), now=now),
        *build_draft_notices(waiting, lang=current_language(), links=links),
    ]


def update_wall_feed_health(_ticks: int | None) -> list:
    """The wall's line: the same, without links (a screen nobody clicks)."""
    return update_feed_health(_ticks, links=False)


def register_feed_health(
    app,
    *,
    poll_id: str,
    target_id: str,
    action: Action = Action.VIEW_INTERNAL,
    links: bool = True,
) -> None:
    """The health line's refresh, allowed to whoever may see the page (`action`); `links`:
    the draft notices link to /reports (not on the wall, where nobody clicks)."""
    update = update_feed_health if links else update_wall_feed_health
    guarded_callback(app, action, Output(target_id, "children"), Input(poll_id, "n_intervals"))(
        update
    )
