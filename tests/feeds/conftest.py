from __future__ import annotations

import shutil

import pytest

from eoc.store import GeoPackageStore
from tests.feeds.feed_server import FeedServer


@pytest.fixture
def feed_server():
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def feed_store(seed_store, tmp_path) -> GeoPackageStore:
    """A private copy of the seed store the feeds may write to."""
    copy = GeoPackageStore(tmp_path / "feeds.gpkg")
    shutil.copyfile(seed_store.path, copy.path)
    return copy
