"""Screenshots of every page in every language at every screen size, into docs/screens/.

Serves the app on a fresh store built from the seed (an admin signed in; `/public` as an
anonymous visitor), drives Debian's headless Chromium through Selenium, and writes
`docs/screens/<page>-<lang>-<width>x<height>.webp` plus each language's sitrep first page.
A picture is rewritten only when it changed (more than CHANGED_SHARE of its pixels moved
by more than a faint shade: a ticking clock is not a change), so the folder's history shows
real layout changes. `--readme` also refreshes the README's three PNGs (wall with its legend,
the sitrep's first page, the phone-size public map).

    .venv/bin/python tools/screenshots.py [--only PAGE ...] [--readme]

Needs the test extras (`pip install -e ".[test]"`: Selenium) and chromium, chromium-driver and
poppler-utils (pdftoppm). Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import io
import logging
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageChops  # noqa: E402

from tests.conftest import (  # noqa: E402  (the browser tests' Chromium and staff)
    CHROMIUM,
    CHROMIUM_ARGS,
    SEED_TIME,
    STAFF,
    STAFF_PASSWORD,
    add_staff,
)

SCREENS = ROOT / "docs" / "screens"
LANGUAGES = ("tg", "ru", "en")
OFFICE, WALL_4K, PHONE = (1920, 1080), (3840, 2160), (390, 844)
PAGES = {  # name → path and the screens it is read on (/exercise exists only on a sandbox)
    "operations": ("/", (OFFICE, PHONE)),
    "wall": ("/wall", (OFFICE, WALL_4K)),  # a wall screen, never a phone
    "capacity": ("/capacity", (OFFICE,)),
    "relocation": ("/relocation", (OFFICE,)),
    "reports": ("/reports", (OFFICE,)),
    "alerts": ("/alerts", (OFFICE,)),
    "data": ("/data", (OFFICE,)),
    "audit": ("/admin/audit", (OFFICE,)),
    "users": ("/admin/users", (OFFICE,)),
    "public": ("/public", (OFFICE, WALL_4K, PHONE)),
}
PUBLIC = {"public"}
# On a phone the public map is under the headline figures: also shot scrolled to it, its
# legend at the screen's foot, as a visitor reads it (the README's phone picture).
SCROLLED = {("public", PHONE): "#public-legend"}
CHANGED_SHARE = 0.002  # of the pixels
FAINT = 40  # a channel difference (0–255) below this is anti-aliasing or a clock digit
WEBP_QUALITY = 80
SETTLE_S = 3.0  # after the page says it is ready: map tiles and fonts
READY_JS = """
if (document.querySelector('[data-dash-is-loading="true"], ._dash-loading')) return false;
const graphs = [...document.querySelectorAll('.dash-graph')];
if (!graphs.every(g => { const gd = g.querySelector('.js-plotly-plot');
    return gd && gd._fullLayout; })) return false;
return graphs.map(g => g.querySelector('.js-plotly-plot')).filter(gd => gd._fullLayout.map)
  .every(gd => { const m = gd._fullLayout.map._subplot;
    return m && m.map && m.map.loaded() && m.map.isStyleLoaded(); });
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=[*PAGES, "sitrep"], help="these only")
    parser.add_argument("--readme", action="store_true", help="also the README's three PNGs")
    args = parser.parse_args(argv)
    chosen = args.only or [*PAGES, "sitrep"]
    SCREENS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="eoc-screens-") as folder:
        store = _seed_store(Path(folder))
        written = []
        if "sitrep" in chosen:
            written += _sitrep_pages(store, Path(folder))
        pages = [name for name in chosen if name in PAGES]
        if pages:
            written += _page_shots(store, pages)
        if args.readme:
            written += _readme_pictures()
    print(f"{len(written)} picture(s) changed" + "".join(f"\n  {p}" for p in written))
    return 0


def _seed_store(folder: Path):
    from eoc.config import DEFAULT_SEED_DIR
    from eoc.flows.seed import load_seed_flows
    from eoc.store import GeoPackageStore
    from eoc.store.seed import build_from_seed

    store = GeoPackageStore(folder / "screens.gpkg")
    build_from_seed(store, DEFAULT_SEED_DIR, now=SEED_TIME)
    load_seed_flows(store, DEFAULT_SEED_DIR, now=SEED_TIME)  # as `eoc init` does
    add_staff(store)
    return store


def _page_shots(store, pages: list[str]) -> list[Path]:
    from selenium import webdriver
    from werkzeug.serving import make_server

    from eoc.config import Settings
    from eoc.web import create_app

    app = create_app(store, Settings(store=store.location, secret_key="screens-" + "0" * 32))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://localhost:{server.server_port}"  # the only host CHROMIUM_ARGS resolve
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options)
    written = []
    try:
        for signed_in in (False, True):
            if signed_in:
                _sign_in(driver, url)
            for name in (p for p in pages if (p in PUBLIC) != signed_in):
                path, sizes = PAGES[name]
                for lang in LANGUAGES:
                    for width, height in sizes:
                        png = _shoot(driver, f"{url}{path}?lang={lang}", width, height)
                        target = SCREENS / f"{name}-{lang}-{width}x{height}.webp"
                        if png is None:
                            print(f"{target.name}: not drawn in time, kept as it was")
                        elif _save_if_changed(png, target):
                            written.append(target)
                        print(f"{target.name}", flush=True)
                        anchor = SCROLLED.get((name, (width, height)))
                        if png is not None and anchor:
                            scrolled = _scrolled_to(driver, anchor)
                            target = SCREENS / f"{name}-{lang}-{width}x{height}-map.webp"
                            if _save_if_changed(scrolled, target):
                                written.append(target)
                            print(f"{target.name}", flush=True)
    finally:
        driver.quit()
        server.shutdown()
    return written


def _sign_in(driver, url: str) -> None:
    driver.set_window_size(1400, 900)
    driver.get(f"{url}/login?next=/")
    driver.find_element("name", "username").send_keys(STAFF["admin"])
    driver.find_element("name", "password").send_keys(STAFF_PASSWORD)
    driver.find_element("css selector", "button[type=submit]").click()
    if not _wait(lambda: "/login" not in driver.current_url):
        raise SystemExit("signing in as the admin did not work")


def _shoot(driver, url: str, width: int, height: int) -> bytes | None:
    # The viewport itself at the size (a window size would include the browser's own bars).
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    driver.get(url)
    if not _wait(lambda: driver.execute_script(READY_JS), timeout=90):
        return None
    time.sleep(SETTLE_S)
    return driver.get_screenshot_as_png()


def _scrolled_to(driver, selector: str) -> bytes:
    """The page scrolled until `selector` sits at the foot of the screen."""
    driver.execute_script(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'end'});", selector
    )
    time.sleep(SETTLE_S)
    return driver.get_screenshot_as_png()


def _wait(condition, *, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def _sitrep_pages(store, folder: Path) -> list[Path]:
    from eoc.i18n import _, language
    from eoc.reports.build import build_sitrep
    from eoc.reports.render_pdf import render_pdf

    written = []
    for lang in LANGUAGES:
        with language(lang):
            # Who made it as the reports page fills it in, in the report's language.
            produced_by = _("EOC Dushanbe ({user})").format(user=STAFF["duty_officer"])
            report = build_sitrep(store, as_of=datetime(2026, 11, 22, 9, tzinfo=UTC),
                                  produced_by=produced_by)  # fmt: skip
            pdf = folder / f"sitrep-{lang}.pdf"
            pdf.write_bytes(render_pdf(report))
        subprocess.run(["pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", "-singlefile",
                        str(pdf), str(folder / f"page-{lang}")], check=True)  # fmt: skip
        png = (folder / f"page-{lang}.png").read_bytes()
        target = SCREENS / f"sitrep-page1-{lang}.webp"
        if _save_if_changed(png, target):
            written.append(target)
    return written


def _readme_pictures() -> list[Path]:
    """The README's PNGs from the gallery's pictures (the same shots, as PNG)."""
    pictures = {
        "wall.png": "wall-en-1920x1080.webp",
        "public-phone.png": "public-ru-390x844-map.webp",
        "sitrep-page1.png": "sitrep-page1-en.webp",
        "screenshot.png": "operations-en-1920x1080.webp",
    }
    written = []
    for readme, shot in pictures.items():
        source = SCREENS / shot
        if source.exists():
            buffer = io.BytesIO()
            Image.open(source).save(buffer, "PNG", optimize=True)
            if _save_if_changed(buffer.getvalue(), ROOT / "docs" / readme):
                written.append(ROOT / "docs" / readme)
    return written


def _save_if_changed(png: bytes, target: Path) -> bool:
    """Write `png` to `target` (WebP or PNG by its suffix) unless it looks the same."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if target.exists() and not _changed(Image.open(target).convert("RGB"), image):
        return False
    if target.suffix == ".webp":
        image.save(target, "WEBP", quality=WEBP_QUALITY, method=6)
    else:
        image.save(target, "PNG", optimize=True)
    return True


def _changed(old: Image.Image, new: Image.Image) -> bool:
    if old.size != new.size:
        return True
    moved = ImageChops.difference(old, new).convert("L").point(lambda v: 255 if v > FAINT else 0)
    histogram = moved.histogram()
    return histogram[255] > CHANGED_SHARE * new.size[0] * new.size[1]


if __name__ == "__main__":
    raise SystemExit(main())
