"""`eoc flows import FILE` and `eoc flows export --out FILE`: the flow-monitoring registry."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from eoc.config import Settings
from eoc.errors import EocError, StoreNotInitialisedError
from eoc.flows.importer import read_flow_file
from eoc.flows.registry import hxl_table, import_counts, read_counts
from eoc.i18n import _
from eoc.io.columns import parse_map_options
from eoc.io.limits import ImportLimits
from eoc.io_cli import cli_user
from eoc.permissions import Action, is_allowed
from eoc.store import open_store


def cmd_flows_import(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.store)
    if not store.exists():
        raise StoreNotInitialisedError(store.location)
    user, role = cli_user(store, args.user)
    if role is not None and not is_allowed(role, Action.ENTER_FLOWS):
        raise EocError(
            _("user {name} may not change the flow monitoring registry").format(name=user)
        )
    path = Path(args.file)
    counts = read_flow_file(
        path,
        limits=ImportLimits.from_settings(settings),
        mapping=parse_map_options(args.map or []),
    )
    done = import_counts(store.sql, counts, source=path.name, by=user, now=datetime.now(UTC))
    print(
        _(
            "{file}: {added} counts added, {changed} changed, {same} unchanged "
            "(store version {version})"
        ).format(
            file=path.name,
            added=done.added,
            changed=done.changed,
            same=done.unchanged,
            version=done.version,
        ),
        file=sys.stderr,
    )
    return 0


def cmd_flows_export(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.store)
    if not store.exists():
        raise StoreNotInitialisedError(store.location)
    out = Path(args.out)
    tmp = out.with_name(out.name + ".part")
    hxl_table(read_counts(store.sql)).to_csv(tmp, index=False, encoding="utf-8")
    tmp.replace(out)  # a reader never sees half a file
    print(_("flow counts written to {path} (HXL CSV)").format(path=out), file=sys.stderr)
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    from eoc.cli import add_lang_argument, add_store_argument  # late: eoc.cli imports this

    flows = sub.add_parser("flows", help="the flow monitoring registry (DTM counts at points)")
    commands = flows.add_subparsers(dest="flows_command", required=True)
    imp = commands.add_parser(
        "import", help="add or replace daily counts from a DTM/Kobo CSV or XLSX file"
    )
    imp.add_argument("file")
    imp.add_argument("--map", action="append", help="SOURCE_COLUMN=FIELD (repeatable)")
    imp.add_argument("--user", help="apply this account's rights and name it in the audit log")
    exp = commands.add_parser("export", help="write the registry as an HXL CSV")
    exp.add_argument("--out", required=True)
    for command, run in ((imp, cmd_flows_import), (exp, cmd_flows_export)):
        add_store_argument(command)
        add_lang_argument(command)
        command.set_defaults(run=run)
