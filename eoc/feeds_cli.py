"""`eoc feed gdacs SOURCE`, `eoc feeds run` and `eoc feeds status`: the live feeds' commands."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from eoc.config import Settings
from eoc.errors import StoreNotInitialisedError
from eoc.feeds import gdacs
from eoc.i18n import _
from eoc.store import open_store


def _store(settings: Settings):
    store = open_store(settings.store)
    if not store.exists():
        raise StoreNotInitialisedError(store.location)
    return store


def cmd_feed_gdacs(args: argparse.Namespace, settings: Settings) -> int:
    from eoc.cli import _say
    from eoc.feeds.drafts import prepare_after_feed
    from eoc.feeds.gdacs_ingest import ingest_gdacs
    from eoc.feeds.ingest import summary_lines

    store, now = _store(settings), datetime.now(UTC)
    result = ingest_gdacs(store, args.source, now=now, buffer_km=args.buffer_km)
    for line in summary_lines(result, feed="gdacs"):
        print(line)
    if not args.no_drafts:
        for line in prepare_after_feed(store, settings, now=now, alert_levels=result.alert_levels):
            print(line)
    if result.changed:
        _say(_("the store was updated"))
    return 0


def add_drafts_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-drafts",
        action="store_true",
        help="prepare no draft situation report or alert for a significant event",
    )


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add `feed gdacs` (beside `feed usgs`) and `feeds run|status` to the `eoc` parser."""
    from eoc.cli import add_lang_argument, add_store_argument

    feed = next(
        action
        for action in sub.choices["feed"]._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    alerts = feed.add_parser(
        "gdacs", help="GDACS multi-hazard alerts (events API GeoJSON): incidents and zones"
    )
    alerts.add_argument("source", help="a GDACS events file or an http(s) URL")
    alerts.add_argument(
        "--buffer-km",
        type=float,
        default=gdacs.BORDER_BUFFER_KM,
        help=f"keep events this close to Tajikistan's border (default {gdacs.BORDER_BUFFER_KM:g})",
    )
    add_drafts_argument(alerts)
    add_store_argument(alerts)
    add_lang_argument(alerts)
    alerts.set_defaults(run=cmd_feed_gdacs)
    add_runner_commands(sub)


def cmd_feeds_run(args: argparse.Namespace, settings: Settings) -> int:
    import logging
    import signal
    import threading

    from eoc.cli import _say
    from eoc.feeds.runner import FeedRunner, configured_feeds

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    feeds = configured_feeds(settings)
    if not feeds:
        _say(_("no feed is configured: set EOC_FEED_USGS_URL or EOC_FEED_GDACS_URL"))
        return 1
    from eoc.feeds.drafts import DraftRules

    runner = FeedRunner(_store(settings), feeds, draft_rules=DraftRules.from_settings(settings))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_a: stop.set())
    if args.once:
        runner.cycle()
        return 0
    _say(
        _("feed runner {holder} started: {feeds}").format(
            holder=runner.holder,
            feeds=", ".join(f"{f.name} every {f.interval_s:g} s" for f in feeds),
        )
    )
    runner.run(stop)
    return 0


def cmd_feeds_status(args: argparse.Namespace, settings: Settings) -> int:
    from eoc.feeds.drafts import waiting_lines
    from eoc.feeds.health import status_lines

    store, now = _store(settings), datetime.now(UTC)
    for line in [*status_lines(store, now=now.timestamp()), *waiting_lines(store, now=now)]:
        print(line)
    return 0


def add_runner_commands(sub: argparse._SubParsersAction) -> None:
    from eoc.cli import add_lang_argument, add_store_argument

    feeds = sub.add_parser("feeds", help="the feed runner").add_subparsers(
        dest="feeds_command", required=True
    )
    run = feeds.add_parser("run", help="poll the feeds until stopped (one runner per store)")
    run.add_argument("--once", action="store_true", help="one cycle, then exit")
    status = feeds.add_parser("status", help="each feed's health and state")
    for command, handler in ((run, cmd_feeds_run), (status, cmd_feeds_status)):
        add_store_argument(command)
        add_lang_argument(command)
        command.set_defaults(run=handler)
