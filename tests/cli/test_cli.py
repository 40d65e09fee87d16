"""The `eoc` command line and the store fallback order."""

from __future__ import annotations

import subprocess
import sys

import pytest

from eoc.cli import main
from eoc.config import DEFAULT_STORE, load_settings
from eoc.errors import ConfigError


def test_init_builds_the_store_and_layers_lists_it(tmp_path, capsys):
    store = tmp_path / "x.gpkg"
    assert main(["init", "--store", str(store)]) == 0
    assert store.is_file()
    assert "built from the seed (version 2)" in capsys.readouterr().err  # layers, then flows
    assert main(["layers", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "displacement_sites         operational        51  ok" in out
    assert "roads                      context            49  ok" in out


def test_init_refuses_to_overwrite_without_force(tmp_path, capsys):
    store = tmp_path / "x.gpkg"
    main(["init", "--store", str(store)])
    assert main(["init", "--store", str(store)]) == 1
    assert "use --force" in capsys.readouterr().err
    assert main(["init", "--store", str(store), "--force"]) == 0
    assert "(version 4)" in capsys.readouterr().err


def test_layers_on_a_missing_store_says_what_to_do(tmp_path, capsys):
    assert main(["layers", "--store", str(tmp_path / "none.gpkg")]) == 1
    assert "run 'eoc init' first" in capsys.readouterr().err


def test_the_store_falls_back_from_flag_to_environment_to_default():
    env = {"EOC_STORE": "/srv/eoc/env.gpkg"}
    assert load_settings({"store": "/tmp/flag.gpkg"}, env).store == "/tmp/flag.gpkg"
    assert load_settings({"store": None}, env).store == "/srv/eoc/env.gpkg"
    assert load_settings({}, {}).store == str(DEFAULT_STORE)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EOC_PORT": "eighty"}, "EOC_PORT='eighty' is not a port number"),
        ({"EOC_PORT": "70000"}, "port 70000 is not between 1 and 65535"),
    ],
)
def test_bad_settings_are_named(env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings({}, env)


def test_the_cli_runs_as_a_module_with_a_plain_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "eoc.cli", "layers", "--store", str(tmp_path / "none.gpkg")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "eoc init" in result.stderr


def test_users_add_reads_the_password_from_stdin_and_audit_prints_it(tmp_path, capsys, monkeypatch):
    import io

    store = str(tmp_path / "x.gpkg")
    main(["init", "--store", store])
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["users", "add", "chief", "--role", "admin", "--store", store]) == 0
    assert main(["users", "list", "--store", store]) == 0
    out = capsys.readouterr().out
    assert "chief                admin" in out
    assert "a long enough password" not in out
    assert main(["audit", "--store", store]) == 0
    out = capsys.readouterr().out
    assert "user_add" in out and "role: admin" in out and "replace_all" in out


def test_users_add_refuses_a_short_password(tmp_path, capsys, monkeypatch):
    import io

    store = str(tmp_path / "x.gpkg")
    main(["init", "--store", store])
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "chief", "--role", "admin", "--store", store]) == 1
    assert "at least 10 characters" in capsys.readouterr().err
