"""Each live feed's health as a small line on / and /wall ("USGS: 2 min ago", amber or red).

`build_feed_health` is pure (states in, components out); `register_feed_health` wires one
page's poll interval to its placeholder with a guarded callback that reads the feeds' rows
from the store (never polls a feed: that is the runner's job, outside any web request).
"""

from __future__ import annotations

import time

from dash import Input, Output, html

from eoc.feeds.health import feed_health
from eoc.feeds.state import FeedState, read_states
from eoc.i18n import _
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


def update_feed_health(_ticks: int | None) -> list:
    return build_feed_health(read_states(current_cache().store), now=time.time())


def register_feed_health(
    app, *, poll_id: str, target_id: str, action: Action = Action.VIEW_INTERNAL
) -> None:
    """The health line's refresh, allowed to whoever may see the page (`action`)."""
    guarded_callback(app, action, Output(target_id, "children"), Input(poll_id, "n_intervals"))(
        update_feed_health
    )
