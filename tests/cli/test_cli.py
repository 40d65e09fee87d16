"""The `eoc` command line and the store fallback order."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
        ({"EOC_PORT": "eighty"}, "EOC_PORT='eighty' is not a number"),
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


def test_every_setting_but_debug_is_read_from_its_variable():
    """One loop reads every field from EOC_<FIELD> as the field's type (no hand-kept list)."""
    given = {
        "EOC_STORE": "/tmp/x.gpkg",
        "EOC_PORT": "8061",
        "EOC_ONLINE_TILES": "yes",
        "EOC_REFRESH_S": "2.5",
        "EOC_LOGIN_MAX_FAILURES": "7",
        "EOC_RELOCATION_FILL_LIMIT_PCT": "80",
        "EOC_IMPORT_MAX_ROWS": "10",
        "EOC_UPLOAD_DIR": "/tmp/uploads",
        "EOC_WORKERS": "3",
        "EOC_CACHE_DIR": "/tmp/cache",
        "EOC_FEED_USGS_URL": "",  # set but empty: the feed is off
        "EOC_FEED_TIMEOUT_S": "4",
        "EOC_SECRET_KEY": "k" * 40,
        "EOC_DEBUG": "1",  # not a setting: the development server is a command-line choice
    }
    settings = load_settings({}, given)
    assert settings.store == "/tmp/x.gpkg" and settings.port == 8061
    assert settings.online_tiles is True and settings.refresh_s == 2.5
    assert settings.login_max_failures == 7 and settings.relocation_fill_limit_pct == 80
    assert settings.import_max_rows == 10 and settings.upload_dir == Path("/tmp/uploads")
    assert settings.workers == 3 and settings.cache_dir == Path("/tmp/cache")
    assert settings.feed_usgs_url == "" and settings.feed_timeout_s == 4
    assert settings.secret_key == "k" * 40 and settings.debug is False
    with pytest.raises(ConfigError, match="EOC_THREADS='many' is not a number"):
        load_settings({}, {"EOC_THREADS": "many"})
