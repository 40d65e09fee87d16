"""What the browser tests share: waiting, network checks, signing in, artefacts."""

from __future__ import annotations

import io
import time
from pathlib import Path
from urllib.parse import urlparse

from tests.conftest import STAFF, STAFF_PASSWORD

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts"
ARTEFACTS.mkdir(exist_ok=True)
LOCAL_HOSTS = {"localhost", "127.0.0.1", ""}
WEB_SCHEMES = ("http", "https", "ws", "wss")
TRACE_LAYERS_JS = """
const gd = document.querySelector('#ops-map .js-plotly-plot');
if (!gd || !gd.data) { return null; }
return [...new Set(gd.data.filter(t => t.visible !== false).map(t => t.meta && t.meta.layer))];
"""
MAP_LOADED_JS = """
const gd = document.querySelector('#ops-map .js-plotly-plot');
const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
return !!(sub && sub.map && sub.map.loaded() && sub.map.isStyleLoaded());
"""


def wait_for(fn, *, timeout: float = 20.0, what: str = "condition"):
    """Poll `fn` until it is truthy. Dash re-renders at any time: an element found by `fn` may
    be replaced before `fn` reads it (stale) or be missing for a moment; that poll counts as
    not yet, the next one queries afresh."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = fn()
        except (StaleElementReferenceException, NoSuchElementException):
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def css_text(driver, selector: str) -> str:
    """The rendered text of the first element matching `selector` ("" if none), read in one
    script: an element Dash replaces between a find and a read cannot go stale here."""
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", selector
    )


def requested_hosts(driver) -> set[str]:
    """Hosts of every resource the page fetched (Resource Timing keeps failed fetches too)."""
    urls = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name);"
    )
    return {urlparse(url).hostname or "" for url in urls if urlparse(url).scheme in WEB_SCHEMES}


def distinct_colours(png: bytes) -> int:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").resize((200, 140))
    return len(set(image.get_flattened_data()))


def sign_in(dash_duo, role: str, *, then: str = "/", username: str | None = None) -> None:
    """Sign in as the STAFF user of `role` (or as `username`, whose password is the same)."""
    driver = dash_duo.driver
    driver.get(f"{dash_duo.server.url}/login?next={then}")
    driver.find_element("name", "username").send_keys(username or STAFF[role])
    driver.find_element("name", "password").send_keys(STAFF_PASSWORD)
    driver.find_element("css selector", "button[type=submit]").click()
    # Until the server has answered (its session cookie set): a page asked for before that
    # cancels the sign-in in flight. The URL still reads /login?next=/wall until then, so a
    # test's own "ends with /wall" check passed at once and the next page opened signed out.
    wait_for(lambda: urlparse(driver.current_url).path != "/login", timeout=30, what="the sign-in")
