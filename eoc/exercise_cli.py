"""`eoc exercise start|run|step|pause|resume|status|stop|report`: exercises on a sandbox."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from eoc.config import Settings
from eoc.errors import ExerciseError, StoreNotInitialisedError
from eoc.i18n import _
from eoc.permissions import Role
from eoc.store import open_store


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _operator(store, name: str | None) -> str:
    """Who runs the command: an admin account of the sandbox, or the shell's operator."""
    from eoc.io_cli import cli_user

    user, role = cli_user(store, name)
    if role is not None and role != Role.ADMIN:
        raise ExerciseError(
            _("only an admin runs an exercise; {name} is {role}").format(name=user, role=role)
        )
    return user


def _sandbox(args: argparse.Namespace):
    store = open_store(args.sandbox)
    if not store.exists():
        raise StoreNotInitialisedError(store.location)
    return store


def _start(args: argparse.Namespace, settings: Settings):
    from eoc.cli import ensure_store  # late: eoc.cli imports this module
    from eoc.exercise.sandbox import start_exercise
    from eoc.exercise.scenario import read_scenario_file

    scenario = read_scenario_file(args.scenario)
    live = ensure_store(settings)  # a fresh clone: built from the seed first, as `make run` does
    sandbox = open_store(args.sandbox)
    by = _operator(live, args.user)
    record = start_exercise(live, sandbox, scenario, by=by, now=datetime.now(UTC))
    _say(
        _(
            "exercise {id} started: {store} is a copy of {live} (version {version}), "
            "marked EXERCISE"
        ).format(
            id=record.exercise_id,
            store=sandbox.location,
            live=record.source_store,
            version=record.source_version,
        )
    )
    _say(
        _("serve it with: python app.py --store {store} --port 8060").format(store=sandbox.location)
    )
    return sandbox, record


def cmd_start(args: argparse.Namespace, settings: Settings) -> int:
    _start(args, settings)
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from eoc.exercise.player import play
    from eoc.exercise.sandbox import require_exercise
    from eoc.exercise.scenario import read_scenario_file

    scenario = read_scenario_file(args.scenario)
    sandbox = open_store(args.sandbox)
    if not sandbox.exists():
        sandbox, record = _start(args, settings)
    else:
        record = require_exercise(sandbox, running=True)
        if record.scenario.digest != scenario.digest:
            raise ExerciseError(
                _(
                    "{store} plays the scenario {name} as it was at its start; this file differs"
                ).format(store=sandbox.location, name=record.scenario_name)
            )
    speed = 0.0 if args.stepped else args.speed
    by = _operator(sandbox, args.user)
    _say(
        _("playing {name} at ×{speed} ({count} injects); Ctrl+C stops, run again resumes").format(
            name=scenario.name, speed=f"{speed:g}", count=len(scenario.injects)
        )
    )
    try:
        applied = play(sandbox, speed=speed, by=by, report=lambda p: print(p.line(), flush=True))
    except KeyboardInterrupt:
        _say(_("stopped; run the same command again to carry on"))
        return 130
    _say(_("every inject applied ({count} by this run)").format(count=applied))
    return 0


def cmd_step(args: argparse.Namespace, settings: Settings) -> int:
    from eoc.exercise.player import apply_next

    sandbox = _sandbox(args)
    progress = apply_next(sandbox, by=_operator(sandbox, args.user), now=datetime.now(UTC))
    print(progress.line())
    return 0


def cmd_clock(args: argparse.Namespace, settings: Settings) -> int:
    from eoc.exercise import player

    sandbox = _sandbox(args)
    by, now = _operator(sandbox, args.user), datetime.now(UTC)
    if args.exercise_command == "pause":
        player.pause(sandbox, by=by, now=now)
        _say(_("exercise clock paused"))
    else:
        player.resume(sandbox, by=by, now=now)
        _say(_("exercise clock resumed"))
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from eoc.exercise.clock import format_exercise_time
    from eoc.exercise.injects import inject_states
    from eoc.exercise.sandbox import require_exercise

    sandbox = _sandbox(args)
    record = require_exercise(sandbox)
    states = inject_states(sandbox)
    clock = record.clock
    print(f"{record.exercise_id}  {record.title}")
    print(
        _("clock {time} at ×{speed}{paused}; started {start} by {user}").format(
            time=format_exercise_time(clock.elapsed_s(datetime.now(UTC))),
            speed=f"{clock.speed:g}",
            paused=_(" (paused)") if clock.paused else "",
            start=record.started_at.isoformat(timespec="minutes"),
            user=record.started_by,
        )
    )
    for inject in record.scenario.injects:
        state = states.get(inject.inject_id)
        mark = "✓" if state and state.applied else "·"
        print(
            f" {mark} {format_exercise_time(inject.at_s)} {inject.inject_id:6} {inject.kind:18} "
            f"{inject.text('en')[:70]}"
        )
    return 0


def cmd_stop(args: argparse.Namespace, settings: Settings) -> int:
    from eoc.exercise.sandbox import stop_exercise

    sandbox = _sandbox(args)
    archive = stop_exercise(sandbox, by=_operator(sandbox, args.user), now=datetime.now(UTC))
    _say(_("exercise stopped; the sandbox is archived at {archive}").format(archive=archive))
    return 0


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from eoc.exercise.report import write_after_action

    out = write_after_action(_sandbox(args), Path(args.out))
    _say(_("after-action report written to {path}").format(path=out))
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    from eoc.cli import add_lang_argument, add_store_argument  # late: eoc.cli imports this

    exercise = sub.add_parser(
        "exercise", help="simulation exercises on a sandbox copy of the store"
    )
    commands = exercise.add_subparsers(dest="exercise_command", required=True)
    start = commands.add_parser("start", help="copy the live store (--store) into a sandbox")
    run = commands.add_parser("run", help="play a scenario's injects on the sandbox, headless")
    run.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="exercise minutes per real minute (default 1: real time)",
    )
    run.add_argument(
        "--stepped", action="store_true", help="the clock moves only when the controller steps it"
    )
    for command, run_it in ((start, cmd_start), (run, cmd_run)):
        command.add_argument("scenario", help="the scenario file (data/exercises/*.csv)")
        add_store_argument(command)
        command.set_defaults(run=run_it)
    simple = {
        "step": (cmd_step, "apply the next inject now (the clock jumps to it)"),
        "pause": (cmd_clock, "pause the exercise clock"),
        "resume": (cmd_clock, "let the exercise clock run again"),
        "status": (cmd_status, "the clock and which injects are applied"),
        "stop": (cmd_stop, "end the exercise and archive the sandbox"),
    }
    for name, (run_it, text) in simple.items():
        command = commands.add_parser(name, help=text)
        add_store_argument(command)
        command.set_defaults(run=run_it)
    report = commands.add_parser("report", help="the after-action report (HTML or PDF)")
    report.add_argument("--out", required=True, help="the file to write: .html or .pdf")
    add_store_argument(report)
    report.set_defaults(run=cmd_report)
    for command in (start, run, report, *(commands.choices[n] for n in simple)):
        command.add_argument(
            "--sandbox",
            required=True,
            help="the sandbox store: a .gpkg path or a postgresql:// URL",
        )
        command.add_argument("--user", help="an admin account (default: the shell's operator)")
        add_lang_argument(command)
