"""`eoc users passwd|disable|enable|set-role`: audited account changes from the command line."""

from __future__ import annotations

import io

import pytest

from eoc.auth import AuthError, LoginThrottle, authenticate
from eoc.cli import main
from tests.conftest import STAFF_PASSWORD

NEW_PASSWORD = "a brand new long password"


def run(store, *args: str, stdin: str = "", monkeypatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["users", *args, "--store", str(store.path), "--lang", "en"])


def signs_in(store, password: str) -> bool:
    try:
        authenticate(store, "duty1", password, throttle=LoginThrottle(store), address="cli-test")
    except AuthError:
        return False
    return True


def test_passwd_sets_a_new_password_and_is_audited(gpkg_store, monkeypatch, capsys):
    version = gpkg_store.version()
    assert (
        run(gpkg_store, "passwd", "duty1", stdin=NEW_PASSWORD + "\n", monkeypatch=monkeypatch) == 0
    )
    assert signs_in(gpkg_store, NEW_PASSWORD) and not signs_in(gpkg_store, STAFF_PASSWORD)
    [entry] = gpkg_store.audit_log(limit=1)
    assert (entry.action, entry.user, entry.feature_id) == ("user_password", "cli", "duty1")
    assert entry.version == version + 1
    assert "scrypt" not in str(entry.new) and "scrypt" not in str(entry.old)
    assert "sessions are ended" in capsys.readouterr().err


def test_disable_and_enable(gpkg_store, monkeypatch, capsys):
    assert run(gpkg_store, "disable", "duty1", monkeypatch=monkeypatch) == 0
    assert not signs_in(gpkg_store, STAFF_PASSWORD)
    assert run(gpkg_store, "list", monkeypatch=monkeypatch) == 0
    [line] = [x for x in capsys.readouterr().out.splitlines() if x.startswith("duty1 ")]
    assert line.endswith("disabled")
    assert run(gpkg_store, "disable", "duty1", monkeypatch=monkeypatch) == 1
    assert "nothing to change" in capsys.readouterr().err
    assert run(gpkg_store, "enable", "duty1", monkeypatch=monkeypatch) == 0
    assert signs_in(gpkg_store, STAFF_PASSWORD)
    actions = [e.action for e in gpkg_store.audit_log(user="cli", limit=2)]
    assert actions == ["user_enable", "user_disable"]


def test_set_role(gpkg_store, monkeypatch):
    assert run(gpkg_store, "set-role", "duty1", "viewer", monkeypatch=monkeypatch) == 0
    assert gpkg_store.get_user("duty1").role == "viewer"
    [entry] = gpkg_store.audit_log(limit=1)
    assert (entry.action, entry.old, entry.new) == (
        "user_role",
        {"role": "duty_officer"},
        {"role": "viewer"},
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("disable", "nobody"), "user 'nobody' does not exist"),
        (("set-role", "duty1", "duty_officer"), "nothing to change"),
    ],
)
def test_mistakes_are_refused_with_a_reason(gpkg_store, monkeypatch, capsys, args, message):
    version = gpkg_store.version()
    assert run(gpkg_store, *args, monkeypatch=monkeypatch) == 1
    assert message in capsys.readouterr().err
    assert gpkg_store.version() == version


def test_a_short_new_password_is_refused(gpkg_store, monkeypatch, capsys):
    assert run(gpkg_store, "passwd", "duty1", stdin="short\n", monkeypatch=monkeypatch) == 1
    assert "at least 10 characters" in capsys.readouterr().err
    assert signs_in(gpkg_store, STAFF_PASSWORD)
