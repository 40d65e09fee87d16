"""Disaster-day load: the public map under a flood of visitors, and the EOC's own pages meanwhile.

A real server (`python app.py`: gunicorn with its default sizing) on a free port of
127.0.0.1, over a fresh GeoPackage store built from the seed, loaded by an asyncio client in
this process (keep-alive connections, like browsers). Bounded: every phase stops after a fixed
time or number of requests. Measured:

(a) bytes over the wire of a first visit to /public, as Chromium makes it (the page, every
    script and stylesheet it lists, Dash's layout, dependencies and page callbacks, the
    async chunks and plotly.js a graph loads, the map's GeoJSON and label glyphs), and of a
    repeat visit with that browser cache (fresh answers kept, the rest revalidated);
(b) public data requests (the /public figure callback) per second with PUBLIC_CLIENTS
    connections asking as fast as they can, and meanwhile the latency of a signed-in
    viewer's version poll (every POLL_EVERY_S);
(c) 20 signed-in users polling every 10 s (and redrawing the map and figures when the
    version changed) while 2 editors write an incident every few seconds: the p95 of
    those callbacks.

`python -m bench load` runs it (~70 s). EOC_BENCH_APP_DIR=/path/to/another/checkout runs
the same client against that checkout's `app.py` (how the "before" figures were taken).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import Figure
from bench.load_client import (
    Client,
    callback_body,
    components_by_id,
    decoded,
    free_port,
    page_resources,
    start_server,
    stop_server,
)
from eoc.auth import create_user
from eoc.config import DEFAULT_SEED_DIR
from eoc.store import GeoPackageStore
from eoc.store.edits import Edit
from eoc.store.seed import build_from_seed
from eoc.web import ids

HOST = "127.0.0.1"
PASSWORD = "load bench password"
PUBLIC_CLIENTS = 32
FLOOD_S = 6.0
FLOOD_MAX_REQUESTS = 20_000
POLL_EVERY_S = 0.05
USERS = 20
USER_POLL_S = 10.0
EDITORS = 2
EDIT_EVERY_S = 4.0
OFFICE_S = 30.0
# Glyph ranges MapLibre asked for the English page's labels (seen in headless Chromium).
GLYPH_RANGES = ("0-255", "256-511", "7680-7935", "8192-8447")
GLYPHS = [f"/assets/glyphs/Noto%20Sans%20Regular/{r}.pbf" for r in GLYPH_RANGES]
NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="eoc-bench-load-") as tmp:
        folder = Path(tmp)
        store = GeoPackageStore(folder / "eoc.gpkg")
        build_from_seed(store, DEFAULT_SEED_DIR, now=NOW)
        create_user(store, "viewer0", role="viewer", password=PASSWORD, now=NOW)
        for i in range(USERS):
            create_user(store, f"user{i}", role="viewer", password=PASSWORD, now=NOW)
        app_dir = Path(os.environ.get("EOC_BENCH_APP_DIR") or Path(__file__).parents[1])
        env = {
            **os.environ,
            "PYTHONPATH": str(app_dir),
            "EOC_SECRET_KEY": "load-bench-secret-" + "0" * 32,
            "EOC_CACHE_DIR": str(folder / "cache"),
        }
        port = free_port()
        process = start_server(
            ["--store", str(store.path)],
            env=env,
            port=port,
            log=folder / "server.log",
            app_dir=app_dir,
        )
        try:
            return asyncio.run(measure(port, store))
        finally:
            stop_server(process)
            if os.environ.get("EOC_BENCH_LOG"):  # keep the server's access log to look into
                Path(os.environ["EOC_BENCH_LOG"]).write_bytes((folder / "server.log").read_bytes())


async def measure(port: int, store: GeoPackageStore) -> list[Figure]:
    first, repeat = await visit_bytes(port)
    public_rps, poll_p99 = await flood(port)
    office_p95 = await office(port, store)
    return [
        Figure("load_first_public_visit", first / 1e6, "MB", "<=", 2.5),
        Figure("load_repeat_public_visit", repeat / 1e3, "kB", "<=", 100),
        Figure("load_public_data_requests", public_rps, "req/s", ">=", 500),
        Figure("load_poll_p99_under_public_flood", poll_p99 * 1000, "ms", "<=", 100),
        Figure("load_office_callback_p95", office_p95 * 1000, "ms", "<=", 300),
    ]


# -- (a) a first and a repeat visit ---------------------------------------------------------


async def dependencies(client: Client) -> list[dict]:
    return json.loads(decoded(await client.request("GET", "/_dash-dependencies")))


def dependency(deps: list[dict], output_part: str) -> dict:
    return next(d for d in deps if output_part in d["output"])


async def page_components(client: Client, deps: list[dict], path: str) -> dict[str, dict]:
    """The components of page `path` as its router callback returns them."""
    router = dependency(deps, "_pages_content.children")
    values = {"pathname": path, "search": "", "hash": "", "href": f"http://{HOST}{path}"}
    answer = await client.request(
        "POST",
        "/_dash-update-component",
        body=callback_body(router, lambda d: values.get(d["property"])),
    )
    content = json.loads(decoded(answer))["response"]["_pages_content"]["children"]
    return dict(components_by_id(content))


async def public_visit(client: Client, cache: dict[str, dict] | None) -> int:
    """Bytes over the wire of one visit to /public; `cache` is the browser's HTTP cache."""
    total = 0

    async def get(path: str) -> bytes:
        nonlocal total
        kept = cache.get(path) if cache is not None else None
        headers = {}
        if kept is not None:
            if "immutable" in kept["cache-control"] or "max-age=31536000" in kept["cache-control"]:
                return kept["body"]  # fresh: the browser does not ask
            if kept["etag"]:
                headers["If-None-Match"] = kept["etag"]
            if kept["last-modified"]:
                headers["If-Modified-Since"] = kept["last-modified"]
        answer = await client.request("GET", path, headers=headers)
        total += answer.wire_bytes
        if answer.status == 304 and kept is not None:
            return kept["body"]
        body = decoded(answer)
        if cache is not None:
            cache[path] = {
                "body": body,
                "etag": answer.headers.get("etag"),
                "last-modified": answer.headers.get("last-modified"),
                "cache-control": answer.headers.get("cache-control", ""),
            }
        return body

    async def post(body: bytes) -> bytes:
        nonlocal total
        answer = await client.request("POST", "/_dash-update-component", body=body)
        total += answer.wire_bytes
        return decoded(answer)

    html = (await get("/public")).decode()
    for url in page_resources(html):
        await get(url)
    deps = json.loads(await get("/_dash-dependencies"))
    await get("/_dash-layout")
    # The graph's async chunk and plotly.js, at the address the dcc bundle asks for them.
    dcc_src = next(u for u in page_resources(html) if "/dcc/dash_core_components." in u)
    await get(dcc_src.replace("dash_core_components.", "async-graph."))
    plotly_js = next(iter(re.findall(r"/_dash-component-suites/plotly/[^\"']+", html)), None)
    await get(plotly_js or "/_dash-component-suites/plotly/package_data/plotly.min.js")
    router = dependency(deps, "_pages_content.children")
    values = {"pathname": "/public", "search": "", "hash": "", "href": f"http://{HOST}/public"}
    page = json.loads(await post(callback_body(router, lambda d: values.get(d["property"]))))
    components = dict(components_by_id(page["response"]["_pages_content"]["children"]))
    public = json.loads(await post(public_body(deps, components)))
    style = public["response"][ids.PUBLIC_MAP]["figure"]["layout"]["map"]["style"]
    for source in style.get("sources", {}).values():
        if isinstance(source.get("data"), str):
            await get(source["data"])
    for glyph in GLYPHS:
        await get(glyph)
    return total


def public_body(deps: list[dict], components: dict[str, dict]) -> bytes:
    dep = dependency(deps, f"{ids.PUBLIC_MAP}.figure")
    return callback_body(dep, lambda i: components.get(i["id"], {}).get(i["property"]))


async def visit_bytes(port: int) -> tuple[int, int]:
    client = Client(HOST, port)
    cache: dict[str, dict] = {}
    first = await public_visit(client, cache)
    repeat = await public_visit(client, cache)
    await client.close()
    return first, repeat


# -- (b) the public flood and a signed-in poll meanwhile ------------------------------------


async def poll_body(client: Client, deps: list[dict], known: int) -> bytes:
    dep = dependency(deps, f"{ids.VERSION}.data")
    return callback_body(dep, lambda i: 1 if i["property"] == "n_intervals" else known)


async def flood(port: int) -> tuple[float, float]:
    setup = Client(HOST, port)
    deps = await dependencies(setup)
    components = await page_components(setup, deps, "/public")
    body = public_body(deps, components)
    await setup.request("POST", "/_dash-update-component", body=body)  # built once
    await setup.close()

    viewer = Client(HOST, port)
    await viewer.sign_in("viewer0", PASSWORD)
    viewer_deps = await dependencies(viewer)
    poll = await poll_body(viewer, viewer_deps, known=-1)
    done = 0
    stop_at = time.monotonic() + FLOOD_S

    refused = 0

    async def visitor() -> None:
        nonlocal done, refused
        client = Client(HOST, port)
        while time.monotonic() < stop_at and done < FLOOD_MAX_REQUESTS:
            answer = await client.request("POST", "/_dash-update-component", body=body)
            done += answer.status == 200
            if answer.status == 503:  # told to retry later, as a browser would
                refused += 1
                await asyncio.sleep(float(answer.headers.get("retry-after", "1")))
        await client.close()

    async def poller() -> list[float]:
        await asyncio.sleep(1.0)  # once the flood is under way
        times = []
        while time.monotonic() < stop_at - 0.2:
            answer = await viewer.request("POST", "/_dash-update-component", body=poll)
            if answer.status != 200:
                raise RuntimeError(f"version poll refused: {answer.status}")
            times.append(answer.seconds)
            await asyncio.sleep(POLL_EVERY_S)
        return times

    start = time.monotonic()
    results = await asyncio.gather(*(visitor() for _ in range(PUBLIC_CLIENTS)), poller())
    elapsed = time.monotonic() - start
    await viewer.close()
    polls = sorted(results[-1])
    print(
        f"# public flood: {done} answered, {refused} told to retry; {len(polls)} polls,"
        f" median {statistics.median(polls) * 1000:.0f} ms, slowest {polls[-1] * 1000:.0f} ms",
        file=sys.stderr,
    )
    return done / elapsed, percentile(results[-1], 99)


# -- (c) a working day in the EOC -----------------------------------------------------------


async def office(port: int, store: GeoPackageStore) -> float:
    times: list[float] = []
    # Everyone signs in and opens the operations map first (not timed: a page load, and
    # scrypt is slow on purpose), a few at a time; then they poll while the editors write.
    opening = asyncio.Semaphore(4)
    pages = await asyncio.gather(*(open_page(port, n, opening) for n in range(USERS)))
    stop_at = time.monotonic() + OFFICE_S
    stop = threading.Event()
    editors = [threading.Thread(target=edit_loop, args=(store, n, stop)) for n in range(EDITORS)]
    for thread in editors:
        thread.start()
    try:
        await asyncio.gather(*(poll_page(page, n, stop_at, times) for n, page in enumerate(pages)))
    finally:
        stop.set()
        for thread in editors:
            thread.join()
    return percentile(times, 95)


@dataclass
class OpenPage:
    """One user's operations map: their connection, the callbacks, what the page holds."""

    client: Client
    deps: list[dict]
    components: dict[str, dict]
    state: dict[str, object]

    def value_of(self, i: dict) -> object:
        if i["id"] in self.state:
            return self.state[i["id"]]
        return self.components.get(i["id"], {}).get(i["property"])

    async def redraw(self, times: list[float] | None) -> None:
        """The map (a patch once drawn) and the figures, as after a version change."""
        for part in (f"{ids.MAP}.figure", f"{ids.KPI_ROW}.children"):
            dep = dependency(self.deps, part)
            answer = await self.client.request(
                "POST", "/_dash-update-component", body=callback_body(dep, self.value_of)
            )
            if times is not None:
                times.append(answer.seconds)
            if part.startswith(ids.MAP) and answer.status == 200:
                response = json.loads(decoded(answer))["response"]
                self.state[ids.MAP_STATE] = response[ids.MAP_STATE]["data"]


async def open_page(port: int, n: int, opening: asyncio.Semaphore) -> OpenPage:
    async with opening:
        client = Client(HOST, port)
        await client.sign_in(f"user{n}", PASSWORD)
        deps = await dependencies(client)
        components = await page_components(client, deps, "/")
        version = json.loads(decoded(await client.request("GET", "/healthz")))["version"]
        page = OpenPage(client, deps, components, {ids.MAP_STATE: None, ids.VERSION: version})
        await page.redraw(None)
        return page


async def poll_page(page: OpenPage, n: int, stop_at: float, times: list[float]) -> None:
    await asyncio.sleep(USER_POLL_S * n / USERS)  # the users' polls are spread over 10 s
    while time.monotonic() < stop_at:
        known = page.state[ids.VERSION]
        body = await poll_body(page.client, page.deps, known)
        answer = await page.client.request("POST", "/_dash-update-component", body=body)
        times.append(answer.seconds)
        changed = json.loads(decoded(answer) or b"{}").get("response", {}).get(ids.VERSION)
        if answer.status == 200 and changed:  # else unchanged (204, or no update)
            page.state[ids.VERSION] = changed["data"]
            await page.redraw(times)
        await asyncio.sleep(USER_POLL_S)
    await page.client.close()


def edit_loop(store: GeoPackageStore, n: int, stop: threading.Event) -> None:
    """An editor changing an incident's status every EDIT_EVERY_S (through the store)."""
    incidents = store.read_layer("incidents")
    feature = str(incidents["incident_id"].iloc[n])
    statuses = ("reported", "verified")
    step = 0
    while not stop.wait(EDIT_EVERY_S):
        step += 1
        store.apply_edits(
            "incidents",
            [Edit(feature, {"status": statuses[step % 2]})],
            user=f"editor{n}",
            reason="load benchmark",
            now=datetime.now(UTC),
        )


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]
