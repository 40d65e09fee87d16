"""Driving Dash background callbacks over HTTP, as the renderer does (tests and benchmarks).

The first request starts the job and answers its signed handles (`cacheKey`, `job`); the
page then polls with those handles, its inputs emptied, until an answer holds `response`.
Every request carries the page load's signed `endId`, which the handles are bound to.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

import requests

CALLBACK = "/_dash-update-component"
HEADERS = {"Content-Type": "application/json"}


def page_end_id(session: requests.Session, url: str) -> str:
    """The signed `endId` of a page load of `url`."""
    html = session.get(url).text
    found = re.search(
        r'<script id="_dash-config" type="application/json"[^>]*>(.*?)</script>', html, re.S
    )
    if found is None:
        raise AssertionError(f"no Dash config in {url}: {html[:300]}")
    return json.loads(found.group(1))["end_id"]


def start_job(session: requests.Session, base: str, body: bytes, end_id: str) -> dict:
    """Start the background callback of `body`: its handles, or its answer if it did not start."""
    answer = session.post(base + CALLBACK, params={"endId": end_id}, data=body, headers=HEADERS)
    answer.raise_for_status()
    return answer.json()


def poll_body(body: bytes) -> bytes:
    request = json.loads(body)
    request["inputs"] = [dict(i, value=None) for i in request["inputs"]]
    return json.dumps(request).encode()


def poll_job(
    session: requests.Session, base: str, body: bytes, end_id: str, handles: dict
) -> requests.Response:
    params = {"endId": end_id, "cacheKey": handles["cacheKey"], "job": handles["job"]}
    return session.post(base + CALLBACK, params=params, data=poll_body(body), headers=HEADERS)


def run_job(
    session: requests.Session,
    base: str,
    body: bytes,
    end_id: str,
    *,
    timeout_s: float = 120,
    interval_s: float = 0.5,
    on_progress: Callable[[dict], None] | None = None,
    on_start: Callable[[dict], None] | None = None,
) -> dict:
    """Start the job of `body` and poll until it answers; returns Dash's `response` part."""
    handles = start_job(session, base, body, end_id)
    if "response" in handles:
        return handles["response"]
    if on_start is not None:
        on_start(handles)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        time.sleep(interval_s)
        answer = poll_job(session, base, body, end_id, handles)
        if answer.status_code == 204:
            continue
        answer.raise_for_status()
        data = answer.json()
        if "progress" in data and on_progress is not None:
            on_progress(data["progress"])
        if "response" in data:
            return data["response"]
    raise AssertionError(f"the job did not answer within {timeout_s} s")
