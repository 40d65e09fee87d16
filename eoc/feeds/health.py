"""Each feed's health in words: "USGS: 2 min ago", "GDACS: offline since 10:42"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from eoc.feeds import state
from eoc.i18n import _

DUSHANBE = timedelta(hours=5)  # Dushanbe time, UTC+5, no daylight saving
FEED_LABELS = {"usgs": "USGS", "gdacs": "GDACS"}
# A feed that last succeeded this many of its intervals ago is late (amber) though not failing.
LATE_AFTER_S = 30 * 60


@dataclass(frozen=True)
class FeedHealth:
    """What a screen shows of one feed."""

    feed: str
    label: str
    level: str  # "ok", "late" (amber) or "down" (red)
    text: str
    detail: str  # the last error, or what the last poll did


def feed_health(states: dict[str, state.FeedState], *, now: float) -> list[FeedHealth]:
    """One line per feed the store knows, in a stable order."""
    out = []
    for name in sorted(states, key=lambda n: (n not in FEED_LABELS, n)):
        s = states[name]
        label = FEED_LABELS.get(name, name.upper())
        if s.offline:
            since = _clock(s.offline_since or s.last_attempt or now)
            text = _("{feed}: offline since {time}").format(feed=label, time=since)
            # Down for a few minutes is amber (one failed poll); longer is red.
            down_s = now - (s.offline_since or now)
            level = "down" if down_s >= LATE_AFTER_S or s.failures >= 3 else "late"
            detail = s.last_error or ""
        elif s.last_success is None:
            text, level, detail = _("{feed}: not polled yet").format(feed=label), "late", ""
        else:
            text = _("{feed}: {ago}").format(feed=label, ago=_ago(now - s.last_success))
            level = "late" if now - s.last_success >= LATE_AFTER_S else "ok"
            detail = _("{count} events added or changed").format(count=s.events_added)
        out.append(FeedHealth(name, label, level, text, detail))
    return out


def any_feed_down(states: dict[str, state.FeedState]) -> bool:
    return any(s.offline for s in states.values())


def status_lines(store, *, now: float) -> list[str]:
    """`eoc feeds status`: each feed's state, and who holds the runner lease."""
    states = state.read_states(store)
    if not states:
        return [_("no feed has been polled yet: start 'eoc feeds run'")]
    lines = []
    for health in feed_health(states, now=now):
        s = states[health.feed]
        lines.append(f"{health.text}  [{health.level}]")
        lines.append(
            "  "
            + _(
                "last attempt {attempt}, last success {success}, failures in a row {failures}, "
                "events added or changed {added}"
            ).format(
                attempt=_stamp(s.last_attempt),
                success=_stamp(s.last_success),
                failures=s.failures,
                added=s.events_added,
            )
        )
        if s.last_error:
            lines.append(
                "  "
                + _("last error ({time}): {error}").format(
                    time=_stamp(s.last_error_at), error=s.last_error
                )
            )
        lines.append(
            "  " + _("next poll {time}; {url}").format(time=_stamp(s.next_attempt), url=s.url)
        )
    lease = state.lease_holder(store)
    if lease and lease[1] >= now:
        lines.append(
            _("runner: {holder} (lease until {time})").format(
                holder=lease[0], time=_stamp(lease[1])
            )
        )
    else:
        lines.append(_("runner: none is running"))
    return lines


def _ago(seconds: float) -> str:
    minutes = int(max(seconds, 0) // 60)
    if minutes < 1:
        return _("just now")
    if minutes < 120:
        return _("{count} min ago").format(count=minutes)
    return _("{count} h ago").format(count=minutes // 60)


def _clock(stamp: float) -> str:
    """HH:MM in Dushanbe time, the time on the EOC's wall clock."""
    return (datetime.fromtimestamp(stamp, UTC) + DUSHANBE).strftime("%H:%M")


def _stamp(stamp: float | None) -> str:
    if stamp is None:
        return "—"
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
