"""The per-version cache: one read per version, nothing kept under a wrong version."""

from __future__ import annotations

from eoc.web.cache import VersionedCache, VersionProbe


class CountingStore:
    """A store stand-in that counts reads and knows which layer each version wrote."""

    def __init__(self) -> None:
        self.current = 1
        self.reads: list[str] = []
        self.written: dict[int, str] = {}  # version -> the layer that write changed

    def version(self) -> int:
        return self.current

    def write(self, name: str) -> None:
        self.current += 1
        self.written[self.current] = name

    def changed_layers(self, since_version: int) -> set[str]:
        return {name for v, name in self.written.items() if v > since_version}

    def read_layer(self, name: str):
        self.reads.append(name)
        return f"{name}@{self.current}"


def test_a_layer_is_read_once_per_version():
    store = CountingStore()
    cache = VersionedCache(store)
    assert cache.read_layers(["sites"], version=1) == {"sites": "sites@1"}
    cache.read_layers(["sites"], version=1)
    assert store.reads == ["sites"]
    store.write("sites")
    assert cache.read_layers(["sites"], version=2) == {"sites": "sites@2"}
    assert store.reads == ["sites", "sites"]


def test_an_edit_to_one_layer_rereads_that_layer_only():
    store = CountingStore()
    cache = VersionedCache(store)
    cache.read_layers(["sites", "zones"], version=1)
    store.write("zones")
    assert cache.read_layers(["sites", "zones"], version=2) == {
        "sites": "sites@1",
        "zones": "zones@2",
    }
    assert store.reads == ["sites", "zones", "zones"]


def test_a_page_one_poll_behind_does_not_evict_the_newest_read():
    store = CountingStore()
    cache = VersionedCache(store)
    cache.read_layers(["sites"], version=1)
    store.write("other")
    cache.read_layers(["sites"], version=2)
    cache.read_layers(["sites"], version=1)
    cache.read_layers(["sites"], version=2)
    assert store.reads == ["sites"]


def test_data_read_after_a_newer_write_is_not_kept_under_the_older_version():
    store = CountingStore()
    cache = VersionedCache(store)
    store.current = 5  # a write landed after the caller read version 4
    store.written[5] = "sites"
    assert cache.read_layers(["sites"], version=4) == {"sites": "sites@5"}
    cache.read_layers(["sites"], version=4)
    assert store.reads == ["sites", "sites"]


def test_a_derived_value_is_kept_while_its_layers_do_not_change():
    store = CountingStore()
    cache = VersionedCache(store)
    built = []

    def build():
        built.append(1)
        return cache.read_layers(["roads"], version=store.current)["roads"]

    assert cache.get_derived("style", ["roads"], build, version=1) == "roads@1"
    store.write("sites")
    assert cache.get_derived("style", ["roads"], build, version=2) == "roads@1"
    store.write("roads")
    assert cache.get_derived("style", ["roads"], build, version=3) == "roads@3"
    assert len(built) == 2


def test_the_version_probe_sees_every_write(seed_store, tmp_path):
    """On a real GeoPackage: the probe follows writes and never returns an old version."""
    import shutil
    from datetime import UTC, datetime

    from eoc.store import GeoPackageStore
    from eoc.store.edits import Edit

    store = GeoPackageStore(tmp_path / "probe.gpkg")
    shutil.copyfile(seed_store.path, store.path)
    probe = VersionProbe(store)
    incident = str(store.read_layer("incidents")["incident_id"].iloc[0])
    for status in ("verified", "reported", "verified", "closed"):
        before = probe.version()
        assert probe.version() == before == store.version()
        store.apply_edits(
            "incidents",
            [Edit(incident, {"status": status})],
            user="probe",
            reason="probe test",
            now=datetime(2026, 11, 22, 7, 0, tzinfo=UTC),
        )
        assert probe.version() == store.version() == before + 1
