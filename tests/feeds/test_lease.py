"""Two `eoc feeds run` processes on one store: one polls; when it stops, the other takes over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from eoc.feeds import state
from tests.feeds.feed_server import Reply

ROOT = Path(__file__).resolve().parents[2]
USGS = (ROOT / "tests" / "data" / "usgs_sample.geojson").read_bytes()


def start_runner(store, url: str) -> subprocess.Popen:
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        EOC_FEED_USGS_URL=url,
        EOC_FEED_GDACS_URL="",
        EOC_FEED_USGS_INTERVAL_S="0.5",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "eoc.cli", "feeds", "run", "--store", str(store.path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(condition, timeout_s: float = 30.0) -> None:
    deadline = time.time() + timeout_s
    while not condition():
        assert time.time() < deadline, "timed out waiting"
        time.sleep(0.1)


def test_two_runners_one_lease(feed_store, feed_server):
    feed_server.routes["/usgs"] = [Reply(200, USGS, etag='"v1"')]
    url = feed_server.base + "/usgs"
    first = start_runner(feed_store, url)
    second = None
    try:
        wait_for(lambda: feed_server.hits("/usgs") >= 1)
        holder = state.lease_holder(feed_store)[0]
        assert f":{first.pid}:" in holder
        second = start_runner(feed_store, url)
        time.sleep(1.5)  # the second has started and asked for the lease
        start = feed_server.hits("/usgs")
        time.sleep(3.0)
        polled = feed_server.hits("/usgs") - start
        # One runner polls every 0.5 s (~6 in 3 s); two would poll twice as often.
        assert 3 <= polled <= 8, polled
        assert f":{first.pid}:" in state.lease_holder(feed_store)[0]
        assert feed_store.read_layer("incidents")["incident_id"].eq("USGS-us7000tjm1").sum() == 1

        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=20) == 0
        # The first gave the lease up on the way out: the second takes over.
        wait_for(lambda: f":{second.pid}:" in (state.lease_holder(feed_store) or ("",))[0])
        later = feed_server.hits("/usgs")
        wait_for(lambda: feed_server.hits("/usgs") > later)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
