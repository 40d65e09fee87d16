"""`eoc users reset|unlock` and `eoc displays issue|list|revoke`: the admin page's commands."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from eoc import auth, displays
from eoc.config import Settings
from eoc.i18n import _
from eoc.store import open_store

# The wall's saved views (eoc/web/pages/wall.py VIEWS), without importing the web app here.
WALL_VIEWS = ("country", "gbao", "khatlon", "sughd", "dushanbe", "drs")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_users_reset(args: argparse.Namespace, settings: Settings) -> int:
    password = auth.reset_password(
        open_store(settings.store), args.name, by="cli", now=datetime.now(UTC), reason=args.reason
    )
    print(password)
    _say(
        _(
            "one-time password of {name} printed above (shown once; it must be changed at sign-in)"
        ).format(name=args.name)
    )
    return 0


def cmd_users_unlock(args: argparse.Namespace, settings: Settings) -> int:
    cleared = auth.unlock_name(
        open_store(settings.store), args.name, by="cli", now=datetime.now(UTC), reason=args.reason
    )
    _say(
        _("{name} unlocked ({count} failure counts cleared).").format(name=args.name, count=cleared)
    )
    return 0


def cmd_displays_issue(args: argparse.Namespace, settings: Settings) -> int:
    display_id, token = displays.issue_display(
        open_store(settings.store),
        args.label,
        view=args.view,
        views=WALL_VIEWS,
        by="cli",
        now=datetime.now(UTC),
        reason=args.reason,
    )
    print(displays.kiosk_url(token, args.view))
    _say(
        _("display {id} issued; its kiosk address is printed above (shown once)").format(
            id=display_id
        )
    )
    return 0


def cmd_displays_list(args: argparse.Namespace, settings: Settings) -> int:
    records = displays.list_displays(open_store(settings.store))
    print(f"{_('id'):14} {_('display'):24} {_('view'):10} {_('issued (UTC)'):17} {_('state')}")
    for r in records:
        state = _("revoked") if r.revoked else _("active")
        issued = r.created_at[:16].replace("T", " ")
        print(f"{r.id:14} {r.label[:24]:24} {r.view or '*':10} {issued:17} {state}")
    if not records:
        _say(_("No display tokens yet."))
    return 0


def cmd_displays_revoke(args: argparse.Namespace, settings: Settings) -> int:
    displays.revoke_display(
        open_store(settings.store), args.id, by="cli", now=datetime.now(UTC), reason=args.reason
    )
    _say(_("Display {id} revoked: its screen blanks at its next poll.").format(id=args.id))
    return 0


def add_user_commands(users, add_common) -> None:
    """`users reset` and `users unlock` under the `users` sub-parsers."""
    for name, run, text in (
        ("reset", cmd_users_reset, "give a one-time password (printed once; changed at sign-in)"),
        ("unlock", cmd_users_unlock, "clear a name's failed sign-ins from every address"),
    ):
        command = users.add_parser(name, help=text)
        command.add_argument("name")
        command.add_argument("--reason", required=True, help="why (kept in the audit log)")
        add_common(command)
        command.set_defaults(run=run)


def add_display_commands(sub, add_common) -> None:
    """`eoc displays issue|list|revoke`."""
    group = sub.add_parser("displays", help="display tokens for wall screens").add_subparsers(
        dest="displays_command", required=True
    )
    issue = group.add_parser("issue", help="issue a read-only wall token (URL printed once)")
    issue.add_argument("label", help="which screen, e.g. 'EOC wall 1'")
    issue.add_argument("--view", choices=WALL_VIEWS, help="bind the token to one saved view")
    issue.add_argument("--reason", required=True, help="why (kept in the audit log)")
    add_common(issue)
    issue.set_defaults(run=cmd_displays_issue)
    listing = group.add_parser("list", help="list display tokens")
    add_common(listing)
    listing.set_defaults(run=cmd_displays_list)
    revoke = group.add_parser("revoke", help="revoke a display token: its screen blanks")
    revoke.add_argument("id")
    revoke.add_argument("--reason", required=True, help="why (kept in the audit log)")
    add_common(revoke)
    revoke.set_defaults(run=cmd_displays_revoke)
