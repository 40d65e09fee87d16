"""The feed runner: polls each feed at its interval, offline-tolerant, one runner at a time.

`eoc feeds run` runs `FeedRunner.run` until stopped. Each cycle it renews the lease in the
store (another runner waits), polls every feed that is due, and sleeps until the next one is.
A poll is a conditional GET (ETag / If-Modified-Since): a 304, or a body identical to the last
one, costs no parsing and no store read. A failure (no network, HTTP 500, a timeout, a body
cut off or not JSON) records the error and retries later with exponential backoff and jitter;
it never writes half an update, because each feed's changes are one transaction.

After a poll that changed the store (and once when it starts, for an event a previous runner
brought in but stopped before drafting), the runner prepares the drafts of every significant
event that has none (eoc/feeds/drafts.py): in its own process, never in a web request.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from eoc.feeds import drafts, gdacs, state, usgs
from eoc.feeds.http import conditional_get
from eoc.feeds.ingest import IngestResult, apply_usgs

log = logging.getLogger("eoc.feeds")

LEASE_TTL_S = 30.0  # a runner that stops renewing loses the lease this long after
MAX_SLEEP_S = 5.0  # the loop wakes at least this often (lease renewal, stop requests)
DRAFT_RETRY_S = 60.0  # drafts that failed are tried again after this, then backing off


@dataclass(frozen=True)
class FeedConfig:
    """One feed the runner polls."""

    name: str  # "usgs" or "gdacs"
    url: str
    interval_s: float
    timeout_s: float = 10.0


def configured_feeds(settings) -> list[FeedConfig]:
    """The feeds the settings switch on, with their URLs and intervals."""
    feeds = []
    if settings.feed_usgs_url:
        feeds.append(
            FeedConfig(
                "usgs",
                usgs.summary_url(settings.feed_usgs_url),
                settings.feed_usgs_interval_s,
                settings.feed_timeout_s,
            )
        )
    if settings.feed_gdacs_url:
        feeds.append(
            FeedConfig(
                "gdacs",
                settings.feed_gdacs_url,
                settings.feed_gdacs_interval_s,
                settings.feed_timeout_s,
            )
        )
    return feeds


def backoff_s(failures: int, interval_s: float, *, max_s: float, rng: random.Random) -> float:
    """Wait before retry number `failures`: interval·2^(failures−1), capped, jittered.

    The jitter ("equal jitter": half fixed, half random) keeps many servers that lost the link
    at the same moment from all coming back at the same second.
    """
    ceiling = min(max_s, interval_s * 2 ** max(failures - 1, 0))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


class FeedRunner:
    """Polls `feeds` into `store` while it holds the lease."""

    def __init__(
        self,
        store,
        feeds: list[FeedConfig],
        *,
        holder: str | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        backoff_max_s: float = 1800.0,
        lease_ttl_s: float = LEASE_TTL_S,
        on_result: Callable[[FeedConfig, IngestResult], None] | None = None,
        draft_rules: drafts.DraftRules | None = None,
    ) -> None:
        self.store = store
        self.feeds = feeds
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.clock = clock
        self.rng = rng or random.Random()
        self.backoff_max_s = backoff_max_s
        self.lease_ttl_s = lease_ttl_s
        self.on_result = on_result
        self.draft_rules = draft_rules  # None: no drafts
        self._drafts_due = True  # a sweep at start-up
        self._draft_failures = 0
        self._drafts_retry_at = 0.0
        self._alert_levels: dict[str, str] = {}

    # -- one poll --------------------------------------------------------------------------

    def poll(self, feed: FeedConfig) -> state.FeedState:
        """Poll `feed` once, apply what changed, record the outcome; never raises for the feed."""
        held = state.read_states(self.store).get(feed.name) or state.FeedState(feed.name)
        if held.url != feed.url:  # another address: its validators say nothing about this one
            held = state.FeedState(
                feed.name, events_added=held.events_added, last_added_at=held.last_added_at
            )
        held = state.FeedState(**{**held.__dict__, "url": feed.url})
        now = self.clock()
        try:
            added, validators = self._fetch_and_apply(feed, held, now)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
            log.warning("feed %s failed: %s", feed.name, exc)
            wait = backoff_s(
                held.failures + 1, feed.interval_s, max_s=self.backoff_max_s, rng=self.rng
            )
            new = held.failed(now, str(exc) or type(exc).__name__, next_attempt=now + wait)
        else:
            new = held.succeeded(now, next_attempt=now + feed.interval_s, added=added, **validators)
        state.save_state(self.store, new)
        return new

    def _fetch_and_apply(
        self, feed: FeedConfig, held: state.FeedState, now: float
    ) -> tuple[int, dict]:
        label = feed.name.upper()
        reply = conditional_get(
            feed.url,
            etag=held.etag,
            last_modified=held.last_modified,
            timeout_s=feed.timeout_s,
            label=f"{label} feed",
        )
        if reply.not_modified:
            return 0, {}
        digest = hashlib.sha256(reply.body or b"").hexdigest()
        validators = {
            "etag": reply.etag,
            "last_modified": reply.last_modified,
            "body_sha256": digest,
        }
        if digest == held.body_sha256:
            return 0, validators
        moment = datetime.fromtimestamp(now, UTC)
        if feed.name == "gdacs":
            result = self._apply_gdacs(feed, reply.body or b"", moment)
        else:
            body = usgs.decode_feed(reply.body or b"", feed.url)
            result = apply_usgs(self.store, body, source=feed.url, now=moment)
        if result.changed:
            self._drafts_due = True
            self._alert_levels.update(result.alert_levels)
            if self.on_result is not None:
                self.on_result(feed, result)
        changed = (
            len(result.new_incidents) + len(result.updated_incidents) + len(result.closed_incidents)
        )
        return changed, validators

    def _apply_gdacs(self, feed: FeedConfig, body: bytes, moment: datetime) -> IngestResult:
        from eoc.feeds.gdacs_ingest import apply_gdacs

        def fetch(url: str) -> dict:
            reply = conditional_get(url, timeout_s=feed.timeout_s, label="GDACS geometry")
            return gdacs.decode_gdacs(reply.body or b"", url)

        return apply_gdacs(
            self.store,
            gdacs.decode_gdacs(body, feed.url),
            source=feed.url,
            now=moment,
            fetch_json=fetch,
        )

    def prepare_drafts(self) -> list[drafts.EventDrafts]:
        """Drafts for the significant events that have none, if a poll may have brought one.

        A failure is logged and tried again next cycle; the feeds' data is already written.
        """
        now = self.clock()
        if self.draft_rules is None or not self._drafts_due or now < self._drafts_retry_at:
            return []
        try:
            made = drafts.prepare_drafts(
                self.store,
                self.draft_rules,
                now=datetime.fromtimestamp(now, UTC),
                alert_levels=self._alert_levels,
            )
        except Exception as exc:  # noqa: BLE001 - the feed data stands; drafts are retried
            self._draft_failures += 1
            wait = backoff_s(
                self._draft_failures, DRAFT_RETRY_S, max_s=self.backoff_max_s, rng=self.rng
            )
            self._drafts_retry_at = now + wait
            log.warning("preparing the drafts failed (%s); trying again in %.0f s", exc, wait)
            return list(getattr(exc, "made", []))
        self._drafts_due, self._draft_failures, self._drafts_retry_at = False, 0, 0.0
        return made

    # -- the loop --------------------------------------------------------------------------

    def cycle(self) -> float:
        """Renew the lease and poll what is due; seconds until the next feed is due."""
        now = self.clock()
        if not state.acquire_lease(self.store, self.holder, now=now, ttl_s=self.lease_ttl_s):
            return MAX_SLEEP_S
        states = state.read_states(self.store)
        for feed in self.feeds:
            held = states.get(feed.name)
            due = held.next_attempt if held and held.url == feed.url and held.next_attempt else 0
            if due <= now:
                self.poll(feed)
        self.prepare_drafts()
        states = state.read_states(self.store)
        due_times = [
            (states[f.name].next_attempt or 0) if f.name in states else 0 for f in self.feeds
        ]
        return max(0.0, min([MAX_SLEEP_S, *(d - self.clock() for d in due_times)]))

    def run(self, stop: threading.Event) -> None:
        """Cycle until `stop` is set; give the lease up on the way out."""
        try:
            while not stop.is_set():
                try:
                    wait = self.cycle()
                except Exception:  # the store itself failed: log, wait, try again
                    log.exception("feed runner cycle failed")
                    wait = MAX_SLEEP_S
                stop.wait(max(wait, 0.05))
        finally:
            try:
                state.release_lease(self.store, self.holder)
            except Exception:  # noqa: BLE001 - the lease expires by itself
                log.warning("could not release the feed lease", exc_info=True)
