"""`eoc upgrade`, `eoc backup` and `eoc restore`: keeping a store across releases and mishaps."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from eoc.config import Settings
from eoc.errors import EocError, StoreNotInitialisedError
from eoc.i18n import _
from eoc.store import migrations, open_store
from eoc.store.backup import backup_into_folder, backup_store, restore_store


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _existing(settings: Settings):
    store = open_store(settings.store)
    if not store.exists():
        raise StoreNotInitialisedError(store.location)
    return store


def cmd_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    store = _existing(settings)
    result = migrations.upgrade(
        store, now=datetime.now(UTC), seed_dir=settings.seed_dir, user=args.user
    )
    if result.store_version is None:
        _say(
            _("{store} is up to date (schema version {version})").format(
                store=store.location, version=result.to_version
            )
        )
        return 0
    for change in result.done:
        _say(f"  {change}")
    _say(
        _("{store} upgraded from schema version {old} to {new} (store version {version})").format(
            store=store.location,
            old=result.from_version,
            new=result.to_version,
            version=result.store_version,
        )
    )
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    store = _existing(settings)
    out = Path(args.out)
    if out.is_dir() or args.out.endswith("/"):
        made = backup_into_folder(store, out, keep=args.keep, now=datetime.now(UTC))
    elif args.keep is not None:
        raise EocError(_("--keep needs --out to be a folder"))
    else:
        made = backup_store(store, out)
    _say(_("backup of {store} written to {path}").format(store=store.location, path=made))
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    target = open_store(settings.store)
    kept = restore_store(Path(args.file), target, force=args.force, now=datetime.now(UTC))
    _say(_("{path} restored into {store}").format(path=args.file, store=target.location))
    if kept is not None:
        _say(_("the store it replaced is kept as {kept}").format(kept=kept))
    try:
        migrations.check_servable(target)
    except EocError as exc:
        _say(str(exc))
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    from eoc.cli import add_lang_argument, add_store_argument  # late: eoc.cli imports this

    upgrade = sub.add_parser("upgrade", help="upgrade the store to this release's schema")
    upgrade.add_argument("--user", default="system", help="who upgrades (for the audit log)")
    backup = sub.add_parser("backup", help="write a consistent copy of the store (a .gpkg)")
    backup.add_argument("--out", required=True, help="the .gpkg to write, or a folder")
    backup.add_argument("--keep", type=int, help="in a folder: keep only the newest N backups")
    restore = sub.add_parser("restore", help="replace the store with a backup")
    restore.add_argument("file", help="the backup .gpkg")
    restore.add_argument("--force", action="store_true", help="replace an existing store")
    for parser, run in ((upgrade, cmd_upgrade), (backup, cmd_backup), (restore, cmd_restore)):
        add_store_argument(parser)
        add_lang_argument(parser)
        parser.set_defaults(run=run)
