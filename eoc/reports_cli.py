"""`eoc feed usgs …` and `eoc sitrep …`: the feed into the store, the situation report out."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from eoc.analysis.active import AnalysisInputError, as_utc
from eoc.config import Settings
from eoc.errors import StoreNotInitialisedError
from eoc.feeds import usgs
from eoc.i18n import _, current_language
from eoc.store import open_store

PROFILES = ("sphere", "inasafe")


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give the box as W,S,E,N in degrees, e.g. 66.5,36,76,42"
        ) from None
    if not (west < east and south < north):
        raise argparse.ArgumentTypeError(f"{text!r}: west must be < east and south < north")
    return west, south, east, north


def _as_of(text: str) -> datetime:
    try:
        return as_utc(text).to_pydatetime()
    except (AnalysisInputError, ValueError) as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give a time in ISO 8601 with its zone, e.g. 2026-11-22T06:00Z"
        ) from exc


def _store(settings: Settings):
    store = open_store(settings.store)
    if not store.exists():
        raise StoreNotInitialisedError(store.location)
    return store


def cmd_feed_usgs(args: argparse.Namespace, settings: Settings) -> int:
    from eoc.cli import _say
    from eoc.feeds.drafts import prepare_after_feed
    from eoc.feeds.ingest import ingest_usgs, summary_lines

    store, now = _store(settings), datetime.now(UTC)
    result = ingest_usgs(
        store, args.source, now=now, min_magnitude=args.min_magnitude, bbox=args.bbox
    )
    for line in summary_lines(result):
        print(line)
    if not args.no_drafts:
        for line in prepare_after_feed(store, settings, now=now):
            print(line)
    if result.changed:
        _say(_("the store was updated"))
    return 0


def cmd_sitrep(args: argparse.Namespace, settings: Settings) -> int:
    from eoc.cli import _say
    from eoc.reports.build import build_sitrep

    store = _store(settings)
    report = build_sitrep(
        store,
        as_of=args.as_of or datetime.now(UTC),
        produced_by=args.produced_by,
        event_id=args.event,
        needs_profile=args.profile,
        draw_map=args.format != "md",
    )
    out = Path(args.out)
    if args.format == "pdf":
        from eoc.reports.render_pdf import render_pdf

        out.write_bytes(render_pdf(report))
    elif args.format == "md":
        from eoc.reports.render_markdown import render_markdown

        out.write_text(render_markdown(report), encoding="utf-8")
    else:
        from eoc.reports.render_html import render_html

        out.write_text(render_html(report), encoding="utf-8")
    _say(
        _("situation report written to {path} ({lang}, store version {version})").format(
            path=out, lang=current_language(), version=report.store_version
        )
    )
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add `feed` and `sitrep` to the `eoc` parser's subcommands."""
    from eoc.cli import add_lang_argument, add_store_argument

    feed = sub.add_parser("feed", help="bring a live feed into the store").add_subparsers(
        dest="feed_command", required=True
    )
    quakes = feed.add_parser(
        "usgs", help="USGS earthquakes (GeoJSON summary feed): incidents and shaking zones"
    )
    quakes.add_argument("source", help="a feed file or an http(s) URL")
    quakes.add_argument(
        "--min-magnitude",
        type=float,
        default=usgs.MIN_MAGNITUDE,
        help=f"leave out smaller events (default {usgs.MIN_MAGNITUDE})",
    )
    quakes.add_argument(
        "--bbox",
        type=_bbox,
        default=usgs.TAJIKISTAN_BBOX,
        help="W,S,E,N box of epicentres to keep (default: Tajikistan and a margin)",
    )
    from eoc.feeds_cli import add_drafts_argument

    add_drafts_argument(quakes)
    add_store_argument(quakes)
    add_lang_argument(quakes)
    quakes.set_defaults(run=cmd_feed_usgs)

    sitrep = sub.add_parser("sitrep", help="write a situation report (HTML, PDF or Markdown)")
    sitrep.add_argument("--format", choices=("html", "pdf", "md"), default="html")
    sitrep.add_argument("--out", required=True, help="the file to write")
    sitrep.add_argument(
        "--as-of", type=_as_of, help="report time, ISO 8601 with zone (default: now)"
    )
    sitrep.add_argument("--event", help="an incident id: report on that event only")
    sitrep.add_argument("--profile", choices=PROFILES, default="sphere", help="needs profile")
    sitrep.add_argument(
        "--produced-by",
        default="EOC Dushanbe",
        help="who produced the report (default: %(default)s)",
    )
    add_store_argument(sitrep)
    add_lang_argument(sitrep)
    sitrep.set_defaults(run=cmd_sitrep)
