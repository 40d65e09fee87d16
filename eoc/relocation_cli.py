"""`eoc plan-relocation`: the relocation planner of the page, for SOP work and scripts.

Reads the store at one version, plans with the same rules as /relocation (eoc.relocation_planner),
writes the plan as CSV and prints its warnings. It changes nothing in the store.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from eoc.analysis.active import AnalysisInputError, as_utc
from eoc.analysis.capacity import PHASES, CapacityRules, load_standards
from eoc.analysis.relocation import DEFAULT_SPLIT_PENALTY_KM, plan_to_csv
from eoc.analysis.relocation_warnings import NOT_PLACED_KINDS
from eoc.analysis.road_graph import build_road_graph
from eoc.config import Settings
from eoc.errors import EocError, StoreNotInitialisedError
from eoc.i18n import _, format_number
from eoc.relocation_planner import (
    PLAN_LAYERS,
    SITE_STATUSES,
    RelocationRequest,
    plan_request,
    warning_text,
)
from eoc.store import open_store

_READ_ATTEMPTS = 3  # the store changed while reading: read again, at most this often


def _as_of(text: str) -> datetime:
    try:
        return as_utc(text).to_pydatetime()
    except (AnalysisInputError, ValueError) as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give a time in ISO 8601 with its zone, e.g. 2026-11-22T06:00Z"
        ) from exc


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _read(store) -> tuple[int, dict]:
    """The plan's layers, all at one store version."""
    for _attempt in range(_READ_ATTEMPTS):
        version = store.version()
        frames = {name: store.read_layer(name) for name in PLAN_LAYERS}
        if store.version() == version:
            return version, frames
    raise EocError(_("the store kept changing while it was read; try again"))


def _place_ids(places, wanted: list[str]) -> list[str]:
    """geonameids for village names (any case) or ids; unknown names are refused."""
    by_name = {
        str(n).casefold(): str(g) for n, g in zip(places["name"], places["geonameid"], strict=True)
    }
    ids = set(places["geonameid"].astype(str))
    found, unknown = [], []
    for name in wanted:
        if name in ids:
            found.append(name)
        elif name.casefold() in by_name:
            found.append(by_name[name.casefold()])
        else:
            unknown.append(name)
    if unknown:
        raise EocError(_("no village named {names} in the store").format(names=", ".join(unknown)))
    return found


def cmd_plan_relocation(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.store)
    if not store.exists():
        raise StoreNotInitialisedError(store.location)
    version, frames = _read(store)
    now = args.as_of or datetime.now(UTC)
    mode = "zone" if args.zone else "district" if args.district else "places"
    request = RelocationRequest.from_inputs(
        mode,
        _names(args.zone or ""),
        args.district,
        _place_ids(frames["places"], _names(args.villages)) if args.villages else None,
        args.people,
        None,
        settings.relocation_max_distance_km if args.max_km is None else args.max_km,
        statuses=_names(args.statuses),
        allow_hazard_sites=args.allow_hazard_sites,
        road_mode="penalise" if args.penalise_closed_roads else "remove",
        fill_limit_pct=settings.relocation_fill_limit_pct
        if args.fill_limit is None
        else args.fill_limit,
        split_penalty_km=args.split_penalty_km,
        long_trip_km=settings.relocation_long_trip_km,
    )
    day = now.date() if args.on is None else args.on
    rules = CapacityRules(load_standards(), on=day, phase=args.phase)
    graph = build_road_graph(frames["roads"])
    planned = plan_request(frames, request, road_graph=graph, rules=rules, now=now)
    plan = planned.plan
    Path(args.out).write_text(plan_to_csv(plan), encoding="utf-8")
    placed, total = plan.people_placed, plan.people_to_move
    average = plan.total_person_km / placed if placed else 0.0
    longest = float(plan.flows["distance_km"].max()) if placed else 0.0
    print(
        _(
            "{label} (store version {version}): {placed} of {total} people placed in {sites} "
            "sites, {km} km by road on average, {max_km} km at most; plan written to {path}"
        ).format(
            label=planned.label,
            version=version,
            placed=format_number(placed),
            total=format_number(total),
            sites=format_number(int(plan.flows["site_id"].nunique())),
            km=format_number(round(average, 1)),
            max_km=format_number(round(longest)),
            path=args.out,
        )
    )
    unplaced = [w for w in plan.warnings if w.kind in NOT_PLACED_KINDS]
    if unplaced:
        print(
            _(
                "NOT PLACED: {unmet} of {total} people. Why, and the places the rules held back:"
            ).format(unmet=format_number(plan.people_unmet), total=format_number(total))
        )
        for warning in unplaced:
            print("  - " + warning_text(warning, max_distance_km=request.max_distance_km))
    for warning in plan.warnings:
        if warning.kind not in NOT_PLACED_KINDS:
            text = warning_text(warning, max_distance_km=request.max_distance_km)
            print(_("warning: {text}").format(text=text))
    if planned.closures.road_ids:
        print(
            _("closed roads: {count}, closed by: {causes}").format(
                count=len(planned.closures.road_ids), causes="; ".join(planned.closures.causes())
            ),
            file=sys.stderr,
        )
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add `plan-relocation` to the `eoc` parser's subcommands."""
    from eoc.cli import add_lang_argument, add_store_argument

    plan = sub.add_parser(
        "plan-relocation",
        help="plan where people can go (as /relocation); writes a CSV, changes nothing",
    )
    who = plan.add_mutually_exclusive_group(required=True)
    who.add_argument("--zone", help="hazard zone id(s) people leave, e.g. TJ-HZ-006")
    who.add_argument("--district", help="district name, e.g. 'Shughnon District'")
    who.add_argument("--villages", help="village names or geonameids, comma-separated")
    plan.add_argument("--people", type=int, help="people to move (default: the population)")
    plan.add_argument("--out", required=True, help="the CSV file to write")
    plan.add_argument(
        "--max-km",
        type=float,
        help="maximum road distance km (default: EOC_RELOCATION_MAX_DISTANCE_KM, else 250)",
    )
    plan.add_argument(
        "--fill-limit",
        type=float,
        help="fill sites to this %% of capacity (default: EOC_RELOCATION_FILL_LIMIT_PCT, else 90)",
    )
    plan.add_argument(
        "--split-penalty-km",
        type=float,
        default=DEFAULT_SPLIT_PENALTY_KM,
        help="each extra site a village is split over counts as the whole village travelling "
        "this much further (default %(default)s; 0: none)",
    )
    plan.add_argument(
        "--statuses",
        default="open",
        help=f"site statuses that may receive people, of {','.join(SITE_STATUSES)} (default: open)",
    )
    plan.add_argument(
        "--allow-hazard-sites",
        action="store_true",
        help="allow sites inside active hazard zones (each such move is warned about)",
    )
    plan.add_argument(
        "--penalise-closed-roads",
        action="store_true",
        help="use closed roads at 3× their length when there is no other way (default: never)",
    )
    plan.add_argument("--as-of", type=_as_of, help="time of the hazards, ISO 8601 (default: now)")
    plan.add_argument("--on", type=date.fromisoformat, help="season date for the standards")
    plan.add_argument("--phase", choices=PHASES, default="first", help="response phase")
    add_store_argument(plan)
    add_lang_argument(plan)
    plan.set_defaults(run=cmd_plan_relocation)
