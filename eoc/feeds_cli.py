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
    from eoc.feeds.gdacs_ingest import ingest_gdacs
    from eoc.feeds.ingest import summary_lines

    result = ingest_gdacs(
        _store(settings), args.source, now=datetime.now(UTC), buffer_km=args.buffer_km
    )
    for line in summary_lines(result, feed="gdacs"):
        print(line)
    if result.changed:
        _say(_("the store was updated"))
    return 0


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
    add_store_argument(alerts)
    add_lang_argument(alerts)
    alerts.set_defaults(run=cmd_feed_gdacs)
