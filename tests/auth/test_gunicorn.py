"""The throttle holds across the worker processes of a real gunicorn (3 workers)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _post_login(url: str, password: str) -> int:
    data = urllib.parse.urlencode({"username": "duty1", "password": password}).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        return opener.open(f"{url}/login", data=data, timeout=60).status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def served(gpkg_store, tmp_path):
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed")
    store = tmp_path / "served.gpkg"
    shutil.copyfile(gpkg_store.path, store)
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "EOC_STORE": str(store),
        "EOC_SECRET_KEY": TEST_SECRET_KEY,
    }
    server = subprocess.Popen(
        [str(GUNICORN), "-w", "3", "-b", f"127.0.0.1:{port}", "tests.auth.gunicorn_app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/login", timeout=30)
                break
            except (urllib.error.URLError, OSError):  # refused, reset, or still loading
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"gunicorn did not start: {server.stderr.read1().decode()}")
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_parallel_guesses_through_three_workers_are_checked_at_most_five_times(served):
    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(lambda i: _post_login(served, f"wrong guess {i:03}"), range(40)))
    codes.append(_post_login(served, "correct horse battery staple"))  # the right one, last
    print(f"of 40 parallel guesses through gunicorn {codes.count(401)} were checked")
    assert codes.count(401) == 5
    assert codes.count(429) == 36
