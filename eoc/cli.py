"""The `eoc` command line: build the store, list its layers."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

import layers
from eoc.accounts_cli import add_display_commands
from eoc.accounts_cli import add_user_commands as add_account_user_commands
from eoc.auth import change_password, create_user, set_disabled, set_role
from eoc.config import Settings, language_from_environment, load_settings
from eoc.errors import EocError, StoreNotInitialisedError, ValidationError
from eoc.exercise_cli import add_commands as add_exercise_commands
from eoc.feeds_cli import add_commands as add_feed_commands
from eoc.flows.seed import load_seed_flows
from eoc.flows_cli import add_commands as add_flows_commands
from eoc.i18n import LANGUAGES, _, language
from eoc.io_cli import add_commands as add_io_commands
from eoc.permissions import USER_ROLES
from eoc.relocation_cli import add_commands as add_relocation_commands
from eoc.reports_cli import add_commands as add_report_commands
from eoc.store import Store, migrations, open_store
from eoc.store.seed import build_from_seed
from eoc.store_cli import add_commands as add_store_commands


def add_store_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        help="GeoPackage path of the store (default: $EOC_STORE, then data/eoc.gpkg)",
    )


def add_lang_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        choices=list(LANGUAGES),
        help="language of messages (default: $EOC_LANG, then $LANG, then en)",
    )


def _add_common(parser: argparse.ArgumentParser) -> None:
    add_store_argument(parser)
    add_lang_argument(parser)


def ensure_store(settings: Settings, *, rebuild: bool = False) -> Store:
    """The configured store, built from the seed if it does not exist yet (or `rebuild`)."""
    store = open_store(settings.store)
    if rebuild or not store.exists():
        if store.exists():
            # What a rebuild keeps (users, audit, reports, the shared tables) first gets this
            # release's schema; then the layers are built from this release's specs.
            migrations.upgrade(store, now=datetime.now(UTC), seed_dir=settings.seed_dir)
        version = build_from_seed(
            store,
            settings.seed_dir,
            now=datetime.now(UTC),
            progress=_say,
            cap_sender=settings.cap_sender,
        )
        migrations.stamp(store)
        flows = load_seed_flows(store, settings.seed_dir, now=datetime.now(UTC))
        version = flows.version if flows else version
        _say(
            _("store {store} built from the seed (version {version})").format(
                store=store.location, version=version
            )
        )
    return store


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.store)
    if store.exists() and not args.force:
        _say(
            _(
                "store {store} already exists (version {version}); "
                "use --force to rebuild it from the seed"
            ).format(store=store.location, version=store.version())
        )
        return 1
    ensure_store(settings, rebuild=True)
    return 0


def cmd_layers(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.store)
    if not store.exists():
        _say(_("no store at {store}: run 'eoc init' first").format(store=store.location))
        return 1
    counts = store.feature_counts()
    print(
        _("store {store}, version {version}, data time {time}").format(
            store=store.location, version=store.version(), time=store.data_time()
        )
    )
    print(f"{_('layer'):26} {_('kind'):12} {_('features'):>8}  {_('validation')}")
    failed = 0
    for name, spec in layers.REGISTRY.items():
        if name not in counts:
            print(f"{name:26} {spec.kind:12} {'-':>8}  {_('missing from the store')}")
            failed += 1
            continue
        problems = layers.validate(store.read_layer(name), spec)
        status = (
            "ok"
            if not problems
            else _("{count} problem(s): {first}").format(
                count=len(problems), first=problems[0].render(_)
            )
        )
        failed += bool(problems)
        print(f"{name:26} {spec.kind:12} {counts[name]:>8}  {status}")
    return 1 if failed else 0


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat the password: "):
        raise EocError(_("the two passwords differ; nothing was saved"))
    return first


def cmd_users_add(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.store)
    create_user(
        store, args.name, role=args.role, password=_read_password(), now=datetime.now(UTC), by="cli"
    )
    _say(_("user {name} added with role {role}").format(name=args.name, role=args.role))
    return 0


def cmd_users_passwd(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.store)
    change_password(store, args.name, _read_password(), by="cli", now=datetime.now(UTC))
    _say(_("password of {name} changed; their sessions are ended").format(name=args.name))
    return 0


def cmd_users_disable(args: argparse.Namespace, settings: Settings) -> int:
    set_disabled(open_store(settings.store), args.name, True, by="cli", now=datetime.now(UTC))
    _say(_("user {name} disabled; their sessions are ended").format(name=args.name))
    return 0


def cmd_users_enable(args: argparse.Namespace, settings: Settings) -> int:
    set_disabled(open_store(settings.store), args.name, False, by="cli", now=datetime.now(UTC))
    _say(_("user {name} enabled").format(name=args.name))
    return 0


def cmd_users_set_role(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.store)
    set_role(store, args.name, args.role, by="cli", now=datetime.now(UTC))
    _say(
        _("user {name} now has role {role}; their sessions are ended").format(
            name=args.name, role=args.role
        )
    )
    return 0


def cmd_users_list(args: argparse.Namespace, settings: Settings) -> int:
    users = open_store(settings.store).list_users()
    state_heading = _("state")
    print(f"{_('user'):20} {_('role'):14} {_('created (UTC)'):17} {state_heading}")
    for user in users:
        state = _("disabled") if user.disabled else _("active")
        print(f"{user.name:20} {user.role:14} {user.created_at:%Y-%m-%d %H:%M}  {state}")
    if not users:
        _say(_("no users yet: add the first admin with 'eoc users add NAME --role admin'"))
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
        _say(_("no audit entries match"))
    return 0


def cmd_publish_map(args: argparse.Namespace, settings: Settings) -> int:
    from eoc.export.public_map import write_public_map

    store = open_store(settings.store)
    if not store.exists():
        raise StoreNotInitialisedError(store.location)
    out = write_public_map(store, args.out)
    _say(
        _("public map written to {path} (store version {version}); it opens offline").format(
            path=out, version=store.version()
        )
    )
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Run the background jobs queued in Redis (EOC_REDIS_URL) until stopped."""
    from eoc.web.jobs import run_worker

    store = open_store(settings.store)
    if not store.exists():
        raise StoreNotInitialisedError(store.location)
    return run_worker(settings, store, concurrency=args.concurrency)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eoc", description="EOC GIS dashboard for Tajikistan")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="build the store from the seed files in data/seed")
    add_store_argument(init)
    add_lang_argument(init)
    init.add_argument("--force", action="store_true", help="rebuild an existing store")
    init.set_defaults(run=cmd_init)
    listing = sub.add_parser("layers", help="each layer, its feature count and validation")
    add_store_argument(listing)
    add_lang_argument(listing)
    listing.set_defaults(run=cmd_layers)

    users = sub.add_parser("users", help="user accounts").add_subparsers(
        dest="users_command", required=True
    )
    add = users.add_parser("add", help="add a user (password prompted, or read from stdin)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=USER_ROLES)
    add_store_argument(add)
    add_lang_argument(add)
    add.set_defaults(run=cmd_users_add)
    ulist = users.add_parser("list", help="list user accounts")
    add_store_argument(ulist)
    add_lang_argument(ulist)
    ulist.set_defaults(run=cmd_users_list)
    for name, run, text in (
        ("passwd", cmd_users_passwd, "set a new password (prompted, or read from stdin)"),
        ("disable", cmd_users_disable, "disable an account: its password stops working"),
        ("enable", cmd_users_enable, "enable a disabled account again"),
    ):
        command = users.add_parser(name, help=text)
        command.add_argument("name")
        add_store_argument(command)
        add_lang_argument(command)
        command.set_defaults(run=run)
    set_role_parser = users.add_parser("set-role", help="give a user another role")
    set_role_parser.add_argument("name")
    set_role_parser.add_argument("role", choices=USER_ROLES)
    add_store_argument(set_role_parser)
    add_lang_argument(set_role_parser)
    set_role_parser.set_defaults(run=cmd_users_set_role)
    add_account_user_commands(users, _add_common)
    add_display_commands(sub, _add_common)

    audit = sub.add_parser("audit", help="print the audit log, newest first")
    audit.add_argument("--layer")
    audit.add_argument("--user")
    audit.add_argument("--feature")
    audit.add_argument("--limit", type=int, default=200)
    add_store_argument(audit)
    add_lang_argument(audit)
    audit.set_defaults(run=cmd_audit)

    publish = sub.add_parser(
        "publish-map", help="write the public donor map as one offline HTML file"
    )
    publish.add_argument("--out", required=True, help="the HTML file to write")
    add_store_argument(publish)
    add_lang_argument(publish)
    publish.set_defaults(run=cmd_publish_map)
    worker = sub.add_parser(
        "worker", help="run the dashboard's background jobs from Redis (EOC_REDIS_URL)"
    )
    worker.add_argument("--concurrency", type=int, help="jobs at once (default: cores)")
    add_store_argument(worker)
    add_lang_argument(worker)
    worker.set_defaults(run=cmd_worker)
    add_io_commands(sub)
    add_report_commands(sub)
    add_feed_commands(sub)
    add_relocation_commands(sub)
    add_store_commands(sub)
    add_flows_commands(sub)
    add_exercise_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with language(args.lang or language_from_environment()):
        try:
            settings = load_settings({"store": args.store})
            return args.run(args, settings)
        except ValidationError as exc:
            _say(exc.render(_))
            return 1
        except EocError as exc:
            _say(_("error: {message}").format(message=exc))
            return 1


if __name__ == "__main__":
    sys.exit(main())
