"""The feed runner against a local HTTP server: recorded responses, 304s, 500s, timeouts, bodies
cut off or not JSON, a deleted entry, an updated episode — nothing crashes, nothing is
half-written, the backoff grows, and one runner polls while it holds the lease."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from eoc.feeds import state
from eoc.feeds.health import feed_health, status_lines
from eoc.feeds.runner import FeedConfig, FeedRunner, backoff_s
from tests.feeds.feed_server import Reply

DATA = Path(__file__).resolve().parents[1] / "data"
USGS = (DATA / "usgs_sample.geojson").read_bytes()
USGS_DELETED = (DATA / "usgs_deleted.geojson").read_bytes()
T0 = 1795340000.0  # 2026-11-22 09:33:20 UTC, 14:33 in Dushanbe


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def runner_for(store, server, *feeds: tuple[str, str, float], timeout_s: float = 2.0):
    clock = Clock()
    configs = [
        FeedConfig(name, server.base + path, interval, timeout_s) for name, path, interval in feeds
    ]
    return FeedRunner(store, configs, clock=clock, rng=random.Random(7), holder="test"), clock


def incident_ids(store) -> set[str]:
    return set(store.read_layer("incidents")["incident_id"])


def test_a_poll_brings_events_in_then_a_304_costs_nothing(feed_store, feed_server):
    feed_server.routes["/usgs"] = [Reply(200, USGS, etag='"v1"')]
    runner, clock = runner_for(feed_store, feed_server, ("usgs", "/usgs", 60))
    first = runner.poll(runner.feeds[0])
    assert first.last_success == T0 and first.failures == 0 and first.events_added == 3
    assert "USGS-us7000tjm1" in incident_ids(feed_store)
    version = feed_store.version()

    clock.now += 60
    second = runner.poll(runner.feeds[0])
    _path, headers, _t = feed_server.requests[-1]
    assert headers.get("If-None-Match") == '"v1"'
    assert second.last_success == T0 + 60 and second.events_added == 3
    assert feed_store.version() == version  # a 304 writes no data
    audit = feed_store.audit_log(user="feed:usgs")
    assert audit and all(e.version == version for e in audit)  # one transaction


def test_the_same_body_again_is_not_parsed_or_written(feed_store, feed_server, monkeypatch):
    feed_server.routes["/usgs"] = [Reply(200, USGS)]  # a server without validators
    runner, clock = runner_for(feed_store, feed_server, ("usgs", "/usgs", 60))
    runner.poll(runner.feeds[0])
    version = feed_store.version()
    from eoc.feeds import runner as runner_module

    def no_parse(*_a, **_k):
        raise AssertionError("parsed an unchanged body")

    monkeypatch.setattr(runner_module, "apply_usgs", no_parse)
    clock.now += 60
    assert runner.poll(runner.feeds[0]).failures == 0
    assert feed_store.version() == version


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(500, b"oops"), "HTTP 500"),
        (Reply(200, USGS[: len(USGS) // 2]), "not GeoJSON"),  # truncated JSON
        (Reply(200, b'{"type": "FeatureCollection", "features": [{"id": 1}]}'), "malformed"),
        (Reply(200, b"<html>maintenance</html>"), "not GeoJSON"),
        (Reply(200, USGS[:1000], content_length=len(USGS)), "cut off"),
        (Reply(200, USGS, delay_s=1.5), "timed out"),
    ],
    ids=["500", "truncated", "malformed", "html", "cut-off", "timeout"],
)
def test_a_bad_response_is_recorded_and_writes_nothing(feed_store, feed_server, reply, message):
    feed_server.routes["/usgs"] = [reply]
    runner, _clock = runner_for(feed_store, feed_server, ("usgs", "/usgs", 60), timeout_s=0.5)
    before = (feed_store.version(), incident_ids(feed_store))
    result = runner.poll(runner.feeds[0])
    assert result.failures == 1 and result.offline_since == T0
    assert message in result.last_error
    assert (feed_store.version(), incident_ids(feed_store)) == before
    health = feed_health(state.read_states(feed_store), now=T0 + 60)
    assert health[0].text.startswith("USGS: offline since 14:33") and health[0].level == "late"


def test_backoff_grows_with_jitter_while_offline_and_ends_on_recovery(feed_store, feed_server):
    feed_server.routes["/usgs"] = [Reply(500)] * 5 + [Reply(200, USGS)]
    runner, clock = runner_for(feed_store, feed_server, ("usgs", "/usgs", 60))
    waits = []
    for _attempt in range(5):
        s = runner.poll(runner.feeds[0])
        waits.append(s.next_attempt - clock.now)
        clock.now = s.next_attempt - 1
        assert runner.cycle() > 0  # a cycle before the retry is due polls nothing
        clock.now = s.next_attempt
    assert feed_server.hits("/usgs") == 5
    for n, wait in enumerate(waits, start=1):
        ceiling = 60 * 2 ** (n - 1)
        assert ceiling / 2 <= wait <= ceiling
    assert waits[-1] > 4 * waits[0]
    down = state.read_states(feed_store)["usgs"]
    assert down.failures == 5 and down.offline_since == T0
    assert feed_health({"usgs": down}, now=clock.now)[0].level == "down"
    up = runner.poll(runner.feeds[0])
    assert up.failures == 0 and up.offline_since is None and up.next_attempt == clock.now + 60
    assert "USGS-us7000tjm1" in incident_ids(feed_store)


def test_backoff_is_capped():
    rng = random.Random(1)
    assert all(900 <= backoff_s(n, 600, max_s=1800, rng=rng) <= 1800 for n in range(3, 30))


def test_a_deleted_entry_polled_closes_the_event(feed_store, feed_server):
    feed_server.routes["/usgs"] = [
        Reply(200, USGS, etag='"1"'),
        Reply(200, USGS_DELETED, etag='"2"'),
    ]
    runner, clock = runner_for(feed_store, feed_server, ("usgs", "/usgs", 60))
    runner.poll(runner.feeds[0])
    clock.now += 60
    runner.poll(runner.feeds[0])
    row = feed_store.read_layer("incidents").set_index("incident_id").loc["USGS-us7000tjm1"]
    assert row["status"] == "closed"
    assert not incident_ids(feed_store) & {"USGS-us7000tjp3", "USGS-us7000tjp4"}


def _local_gdacs(server, name: str) -> bytes:
    feed = json.loads((DATA / name).read_text())
    for feature in feed["features"]:
        urls = feature["properties"]["url"]
        urls["geometry"] = urls["geometry"].replace("https://www.gdacs.org", server.base)
    return json.dumps(feed).encode()


def test_gdacs_episode_update_is_polled_with_its_geometry(feed_store, feed_server):
    geometry = "/gdacsapi/api/polygons/getgeometry"
    feed_server.routes["/gdacs"] = [
        Reply(200, _local_gdacs(feed_server, "gdacs_events.geojson")),
        Reply(200, _local_gdacs(feed_server, "gdacs_episode2.geojson")),
    ]
    feed_server.routes[geometry] = [
        Reply(200, (DATA / "gdacs_geometry_fl_1103101_2.geojson").read_bytes())
    ]
    runner, clock = runner_for(feed_store, feed_server, ("gdacs", "/gdacs", 600))
    runner.poll(runner.feeds[0])
    first = feed_store.read_layer("hazard_zones").set_index("zone_id").loc["GDACS-FL-1103101-1"]
    clock.now += 600
    s = runner.poll(runner.feeds[0])
    assert s.failures == 0, s.last_error
    zone = feed_store.read_layer("hazard_zones").set_index("zone_id").loc["GDACS-FL-1103101-1"]
    assert zone["severity"] == "very_high" and zone.geometry.area > first.geometry.area
    assert any("episodeid=2" in p for p, _h, _t in feed_server.requests)


def test_status_lines_say_each_feeds_state(feed_store, feed_server):
    feed_server.routes["/usgs"] = [Reply(200, USGS)]
    feed_server.routes["/gdacs"] = [Reply(503, b"")]
    runner, _clock = runner_for(
        feed_store, feed_server, ("usgs", "/usgs", 60), ("gdacs", "/gdacs", 600)
    )
    runner.cycle()
    text = "\n".join(status_lines(feed_store, now=T0 + 120))
    assert "USGS: 2 min ago" in text and "GDACS: offline since 14:33" in text
    assert "HTTP 503" in text and "runner: none is running" in text  # its lease ran out
    assert "runner: test" in "\n".join(status_lines(feed_store, now=T0 + 10))
