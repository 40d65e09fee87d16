"""The feed-health chips of / and /wall, and the stale banner telling "feed down" apart."""

from __future__ import annotations

from datetime import UTC, datetime

from eoc.feeds.state import FeedState
from eoc.web.components.banners import build_stale_banner
from eoc.web.components.feed_health import build_feed_health, feed_down_text

NOW = 1795340000.0


def test_chips_say_ago_and_offline_in_their_colours():
    states = {
        "usgs": FeedState("usgs", last_success=NOW - 120, last_attempt=NOW - 120),
        "gdacs": FeedState("gdacs", failures=4, offline_since=NOW - 3600, last_error="HTTP 500"),
    }
    chips = build_feed_health(states, now=NOW)
    assert [(c.children, c.className.split()[-1]) for c in chips] == [
        ("GDACS: offline since 13:33", "feed-health-down"),
        ("USGS: 2 min ago", "feed-health-ok"),
    ]
    assert chips[0].title == "HTTP 500"


def test_the_stale_banner_says_feed_down_or_no_new_data():
    now = datetime.fromtimestamp(NOW, UTC)
    old = datetime.fromtimestamp(NOW - 7200, UTC)
    down = {"gdacs": FeedState("gdacs", failures=1, offline_since=NOW)}
    up = {"gdacs": FeedState("gdacs", last_success=NOW)}
    banner = build_stale_banner(old, now=now, feed_down=feed_down_text(down))
    assert "feed down: GDACS" in str(banner)
    quiet = build_stale_banner(old, now=now, feed_down=feed_down_text(up))
    assert "feed down" not in str(quiet) and "the newest data is from" in str(quiet)
