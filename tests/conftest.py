"""Shared fixtures: the real seed built once into a real GeoPackage per test session."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from eoc.config import DEFAULT_SEED_DIR
from eoc.store import GeoPackageStore
from eoc.store.seed import build_from_seed, load_seed

SEED_DIR = DEFAULT_SEED_DIR
SEED_TIME = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def seed_frames():
    """Every seed layer, validated and typed (read once per session; do not mutate)."""
    return load_seed(SEED_DIR)


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory) -> GeoPackageStore:
    """A real GeoPackage store built from the seed (shared: tests must not write to it)."""
    store = GeoPackageStore(tmp_path_factory.mktemp("store") / "seed.gpkg")
    build_from_seed(store, SEED_DIR, now=SEED_TIME)
    return store


@pytest.fixture
def fresh_store(tmp_path: Path) -> GeoPackageStore:
    """A store path in a fresh folder, not built yet."""
    return GeoPackageStore(tmp_path / "eoc.gpkg")


# Chromium flags for dash[testing]'s `dash_duo` (see TECH-NOTES): Debian's chromium, headless,
# WebGL through SwiftShader for MapLibre, and every host but localhost unresolvable so a test
# proves the page needs no network.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--disable-component-update",
    "--no-first-run",
    "--window-size=1400,900",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
)


def pytest_setup_options():
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = CHROMIUM
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return options
