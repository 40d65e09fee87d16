"""`EOC_FEEDS_IN_PROCESS=1`: a real gunicorn (2 workers) runs the feed runner as one companion
process of its master — not in a worker — which polls, and stops with the master."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from bench.load_client import free_port, start_server, stop_server
from eoc.config import Settings
from eoc.feeds import state
from eoc.feeds.companion import gunicorn_hooks, start_companion
from tests.browser.support import wait_for
from tests.conftest import TEST_SECRET_KEY
from tests.feeds.feed_server import Reply

ROOT = Path(__file__).resolve().parents[2]
USGS = (ROOT / "tests" / "data" / "usgs_sample.geojson").read_bytes()


def parent_of(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[1])


def runners_of(store_path: Path) -> list[int]:
    """Pids of `eoc feeds run` processes on this store."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"feeds" in command and b"run" in command and str(store_path).encode() in command:
            found.append(int(entry.name))
    return found


def test_gunicorn_runs_one_runner_beside_its_workers(feed_store, feed_server, tmp_path):
    feed_server.routes["/usgs"] = [Reply(200, USGS, etag='"v1"')]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "EOC_SECRET_KEY": TEST_SECRET_KEY,
        "EOC_CACHE_DIR": str(tmp_path / "cache"),
        "EOC_FEEDS_IN_PROCESS": "1",
        "EOC_FEED_USGS_URL": feed_server.base + "/usgs",
        "EOC_FEED_GDACS_URL": "",
        "EOC_FEED_USGS_INTERVAL_S": "1",
    }
    port = free_port()
    args = ["--store", str(feed_store.path), "--workers", "2", "--threads", "2"]
    master = start_server(args, env=env, port=port, log=tmp_path / "server.log")
    try:
        wait_for(lambda: "usgs" in state.read_states(feed_store), timeout=60, what="the first poll")
        holder = wait_for(lambda: state.lease_holder(feed_store), timeout=60, what="the lease")
        runner = int(holder[0].split(":")[1])
        assert parent_of(runner) == master.pid  # the master's child, not a worker
        assert runners_of(feed_store.path) == [runner]  # exactly one
        assert "USGS-us7000tjm1" in set(feed_store.read_layer("incidents")["incident_id"])
        os.kill(master.pid, signal.SIGTERM)  # the master alone: its on_exit stops the runner
        master.wait(timeout=60)
        wait_for(lambda: not runners_of(feed_store.path), timeout=60, what="the runner to stop")
        assert state.lease_holder(feed_store) is None  # given up on the way out
    finally:
        stop_server(master)


def test_the_companion_is_off_unless_asked_for_and_needs_a_feed(tmp_path):
    assert gunicorn_hooks(Settings()) == {}
    assert set(gunicorn_hooks(Settings(feeds_in_process=True))) == {"when_ready", "on_exit"}
    assert start_companion(Settings(store=str(tmp_path / "x.gpkg"))) is None
    quiet = Settings(feeds_in_process=True, feed_usgs_url="", feed_gdacs_url="")
    assert start_companion(quiet) is None
