"""The per-version cache: one read per version, nothing kept under a wrong version."""

from __future__ import annotations

from eoc.web.cache import VersionedCache


class CountingStore:
    """A store stand-in that only counts reads and reports a version we set."""

    def __init__(self) -> None:
        self.current = 1
        self.reads = 0

    def version(self) -> int:
        return self.current

    def read_layer(self, name: str):
        self.reads += 1
        return f"{name}@{self.current}"


def test_a_layer_is_read_once_per_version():
    store = CountingStore()
    cache = VersionedCache(store)
    assert cache.read_layers(["sites"], version=1) == {"sites": "sites@1"}
    cache.read_layers(["sites"], version=1)
    assert store.reads == 1
    store.current = 2
    assert cache.read_layers(["sites"], version=2) == {"sites": "sites@2"}
    assert store.reads == 2


def test_a_page_one_poll_behind_does_not_evict_the_newest_read():
    store = CountingStore()
    cache = VersionedCache(store)
    cache.read_layers(["sites"], version=1)
    store.current = 2
    cache.read_layers(["sites"], version=2)
    cache.read_layers(["sites"], version=1)
    cache.read_layers(["sites"], version=2)
    assert store.reads == 2


def test_data_read_after_a_newer_write_is_not_kept_under_the_older_version():
    store = CountingStore()
    cache = VersionedCache(store)
    store.current = 5  # a write landed after the caller read version 4
    assert cache.read_layers(["sites"], version=4) == {"sites": "sites@5"}
    cache.read_layers(["sites"], version=4)
    assert store.reads == 2
