"""The feed runner: CPU of one poll cycle when nothing changed (target ≤ 50 ms).

A real GeoPackage built from the seed, a local HTTP server on 127.0.0.1 serving the recorded
USGS and GDACS samples, and a `FeedRunner` that has already brought them in. Then one cycle
(lease renewal, state reads, both feeds polled, state written) is timed in CPU seconds of this
process (`time.process_time`, the server's threads included, which only makes it worse) when
(a) the server answers 304 to the ETag, and (b) a server without validators sends the same
body again (digest matched, nothing parsed). Median of 20 cycles each.

Then, on a fresh copy, the time from a feed entry to its drafts (issue 16, target < 60 s): one
cycle of a runner with the draft rules on, serving the USGS sample moved so that the M6.8
Murghob quake happened ten minutes ago — the poll, the feed's write, three situation reports
(tg, ru, en) and the CAP alert draft. Wall seconds and CPU seconds of that one cycle.

`python -m bench feeds` runs this module (~20 s, most of it building the store).
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import Figure
from eoc.feeds.drafts import DraftRules, read_drafts
from eoc.feeds.runner import FeedConfig, FeedRunner
from eoc.store import GeoPackageStore
from eoc.store.seed import build_from_seed
from tests.feeds.feed_server import FeedServer, Reply
from tests.feeds.samples import recent_usgs_feed

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
TARGET_MS = 50.0
DRAFTS_TARGET_S = 60.0
CYCLES = 20


def _cycle_cpu_ms(runner: FeedRunner, clock: list[float]) -> float:
    samples = []
    for _ in range(CYCLES):
        clock[0] += 601  # both feeds due
        start = time.process_time()
        runner.cycle()
        samples.append((time.process_time() - start) * 1000)
    return statistics.median(samples)


def run() -> list[Figure]:
    server = FeedServer().start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            store = GeoPackageStore(Path(folder) / "bench.gpkg")
            build_from_seed(store, ROOT / "data" / "seed", now=datetime.now(UTC))
            usgs_body = (DATA / "usgs_sample.geojson").read_bytes()
            gdacs_body = (DATA / "gdacs_events.geojson").read_bytes()
            clock = [time.time()]
            feeds = [
                FeedConfig("usgs", server.base + "/usgs", 60, 5),
                FeedConfig("gdacs", server.base + "/gdacs", 600, 5),
            ]
            runner = FeedRunner(
                store, feeds, clock=lambda: clock[0], rng=random.Random(1), holder="bench"
            )
            server.routes["/usgs"] = [Reply(200, usgs_body, etag='"u1"')]
            server.routes["/gdacs"] = [Reply(200, gdacs_body, etag='"g1"')]
            runner.cycle()  # brings the events in
            not_modified = _cycle_cpu_ms(runner, clock)
            server.routes["/usgs"] = [Reply(200, usgs_body)]
            server.routes["/gdacs"] = [Reply(200, gdacs_body)]
            same_body = _cycle_cpu_ms(runner, clock)
            fresh = GeoPackageStore(Path(folder) / "drafts.gpkg")
            build_from_seed(fresh, ROOT / "data" / "seed", now=datetime.now(UTC))
            wall_s, cpu_s, made = _entry_to_drafts(fresh, server)
    finally:
        server.stop()
    return [
        Figure("feed cycle CPU, nothing changed (304)", not_modified, "ms", "<=", TARGET_MS),
        Figure("feed cycle CPU, nothing changed (same body)", same_body, "ms", "<=", TARGET_MS),
        Figure(f"entry -> drafts ({made} event), wall", wall_s, "s", "<", DRAFTS_TARGET_S),
        Figure(f"entry -> drafts ({made} event), CPU", cpu_s, "s", "<", DRAFTS_TARGET_S),
    ]


def _entry_to_drafts(store: GeoPackageStore, server: FeedServer) -> tuple[float, float, int]:
    body = json.dumps(recent_usgs_feed(datetime.now(UTC))).encode()
    server.routes["/usgs-recent"] = [Reply(200, body)]
    runner = FeedRunner(
        store,
        [FeedConfig("usgs", server.base + "/usgs-recent", 60, 5)],
        holder="bench-drafts",
        draft_rules=DraftRules(),
    )
    wall, cpu = time.perf_counter(), time.process_time()
    runner.cycle()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    made = len(read_drafts(store))
    if not made:
        raise RuntimeError("the significant event left no drafts")
    return wall, cpu, made
