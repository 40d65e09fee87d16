"""The `eoc` command line: build the store, list its layers."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

import layers
from eoc.auth import create_user
from eoc.config import Settings, load_settings
from eoc.errors import EocError, ValidationError
from eoc.permissions import USER_ROLES
from eoc.store import Store, open_store
from eoc.store.seed import build_from_seed


def add_store_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        help="GeoPackage path of the store (default: $EOC_STORE, then data/eoc.gpkg)",
    )


def ensure_store(settings: Settings, *, rebuild: bool = False) -> Store:
    """The configured store, built from the seed if it does not exist yet (or `rebuild`)."""
    store = open_store(settings.store)
    if rebuild or not store.exists():
        version = build_from_seed(store, settings.seed_dir, now=datetime.now(UTC), progress=_say)
        _say(f"store {store.location} built from the seed (version {version})")
    return store


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.store)
    if store.exists() and not args.force:
        _say(
            f"store {store.location} already exists (version {store.version()}); "
            "use --force to rebuild it from the seed"
        )
        return 1
    ensure_store(settings, rebuild=True)
    return 0


def cmd_layers(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.store)
    if not store.exists():
        _say(f"no store at {store.location}: run 'eoc init' first")
        return 1
    counts = store.feature_counts()
    print(f"store {store.location}, version {store.version()}, data time {store.data_time()}")
    print(f"{'layer':26} {'kind':12} {'features':>8}  validation")
    failed = 0
    for name, spec in layers.REGISTRY.items():
        if name not in counts:
            print(f"{name:26} {spec.kind:12} {'-':>8}  missing from the store")
            failed += 1
            continue
        problems = layers.validate(store.read_layer(name), spec)
        status = "ok" if not problems else f"{len(problems)} problem(s): {problems[0]}"
        failed += bool(problems)
        print(f"{name:26} {spec.kind:12} {counts[name]:>8}  {status}")
    return 1 if failed else 0


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat the password: "):
        raise EocError("the two passwords differ; nothing was saved")
    return first


def cmd_users_add(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.store)
    create_user(
        store, args.name, role=args.role, password=_read_password(), now=datetime.now(UTC), by="cli"
    )
    _say(f"user {args.name} added with role {args.role}")
    return 0


def cmd_users_list(args: argparse.Namespace, settings: Settings) -> int:
    users = open_store(settings.store).list_users()
    print(f"{'user':20} {'role':14} created (UTC)")
    for user in users:
        print(f"{user.name:20} {user.role:14} {user.created_at:%Y-%m-%d %H:%M}")
    if not users:
        _say("no users yet: add the first admin with 'eoc users add NAME --role admin'")
    return 0


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    entries = open_store(settings.store).audit_log(
        layer=args.layer, user=args.user, feature_id=args.feature, limit=args.limit
    )
    for e in entries:
        print(
            f"{e.at:%Y-%m-%d %H:%M:%S}Z  v{e.version:<5} {e.user:12} {e.action:11} "
            f"{e.target:36} {e.changes()}  — {e.reason}"
        )
    if not entries:
        _say("no audit entries match")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eoc", description="EOC GIS dashboard for Tajikistan")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="build the store from the seed files in data/seed")
    add_store_argument(init)
    init.add_argument("--force", action="store_true", help="rebuild an existing store")
    init.set_defaults(run=cmd_init)
    listing = sub.add_parser("layers", help="each layer, its feature count and validation")
    add_store_argument(listing)
    listing.set_defaults(run=cmd_layers)

    users = sub.add_parser("users", help="user accounts").add_subparsers(
        dest="users_command", required=True
    )
    add = users.add_parser("add", help="add a user (password prompted, or read from stdin)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=USER_ROLES)
    add_store_argument(add)
    add.set_defaults(run=cmd_users_add)
    ulist = users.add_parser("list", help="list user accounts")
    add_store_argument(ulist)
    ulist.set_defaults(run=cmd_users_list)

    audit = sub.add_parser("audit", help="print the audit log, newest first")
    audit.add_argument("--layer")
    audit.add_argument("--user")
    audit.add_argument("--feature")
    audit.add_argument("--limit", type=int, default=200)
    add_store_argument(audit)
    audit.set_defaults(run=cmd_audit)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings({"store": args.store})
        return args.run(args, settings)
    except ValidationError as exc:
        _say(str(exc))
        return 1
    except EocError as exc:
        _say(f"error: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
