"""A USGS entry with status "deleted": it closes the event held (zones removed), never adds one."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eoc.feeds.ingest import FEED_USER, ingest_usgs, summary_lines
from eoc.feeds.usgs import SUMMARY_FEEDS, WITHDRAWN_NOTE, summary_url
from eoc.store import GeoPackageStore

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = DATA / "usgs_sample.geojson"
DELETED = DATA / "usgs_deleted.geojson"
NOW = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
MURGHOB = "USGS-us7000tjm1"


@pytest.fixture
def store(seed_store, tmp_path) -> GeoPackageStore:
    copy = GeoPackageStore(tmp_path / "copy.gpkg")
    shutil.copyfile(seed_store.path, copy.path)
    return copy


def test_a_deleted_entry_never_adds_an_event(store):
    before = set(store.read_layer("incidents")["incident_id"])
    result = ingest_usgs(store, DELETED, now=NOW)
    assert not result.changed and result.new_incidents == () and result.events == 0
    after = store.read_layer("incidents")
    assert set(after["incident_id"]) == before
    assert not after["incident_id"].str.startswith("USGS-us7000tjp").any()
    assert not store.read_layer("hazard_zones")["zone_id"].str.startswith("USGS-").any()


def test_a_deleted_entry_closes_the_held_event_and_removes_its_zones(store):
    ingest_usgs(store, SAMPLE, now=NOW)
    zones = store.read_layer("hazard_zones")["zone_id"]
    assert zones.str.startswith(f"{MURGHOB}-MMI").sum() == 2
    version = store.version()

    result = ingest_usgs(store, DELETED, now=NOW)
    assert result.closed_incidents == (MURGHOB,) and result.zones_removed == 2
    assert store.version() == version + 1  # incident and zones in one transaction
    row = store.read_layer("incidents").set_index("incident_id").loc[MURGHOB]
    assert row["status"] == "closed"
    assert WITHDRAWN_NOTE in row["description"]
    assert row["description"].startswith("M 6.8 - 40 km W of Murghob")
    zones = store.read_layer("hazard_zones")["zone_id"]
    assert not zones.str.startswith(f"{MURGHOB}-MMI").any()
    assert zones.str.startswith("USGS-us7000tjk2-MMI").any()  # other events untouched
    entries = [e for e in store.audit_log(user=FEED_USER) if e.version == version + 1]
    assert {(e.action, e.layer) for e in entries} == {
        ("update", "incidents"),
        ("delete", "hazard_zones"),
    }
    assert "withdrawn by its source" in "\n".join(summary_lines(result))

    again = ingest_usgs(store, DELETED, now=NOW)
    assert not again.changed and store.version() == version + 1
    # The older solution in the week's feed does not bring it back.
    assert not ingest_usgs(store, SAMPLE, now=NOW).changed


def test_summary_feed_names_become_their_urls():
    assert "2.5_hour" in SUMMARY_FEEDS and "significant_week" in SUMMARY_FEEDS
    assert summary_url("2.5_day") == (
        "https://earthquake.usgs.gov/earthquakes/feed/v1.0/summary/2.5_day.geojson"
    )
    assert summary_url("/tmp/feed.geojson") == "/tmp/feed.geojson"
