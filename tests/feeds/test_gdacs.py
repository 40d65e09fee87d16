"""GDACS: a Tajik flood becomes an incident with its zone, a far event stays out, a new episode
updates its event, and the Murghob earthquake reported by USGS and GDACS is one incident."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eoc.cli import main
from eoc.feeds import gdacs
from eoc.feeds.gdacs_ingest import FEED_USER, apply_gdacs, ingest_gdacs
from eoc.feeds.ingest import ingest_usgs
from eoc.feeds.usgs import FeedError
from eoc.store import GeoPackageStore

DATA = Path(__file__).resolve().parents[1] / "data"
EVENTS = DATA / "gdacs_events.geojson"
EPISODE2 = DATA / "gdacs_episode2.geojson"
GEOMETRY2 = DATA / "gdacs_geometry_fl_1103101_2.geojson"
USGS = DATA / "usgs_sample.geojson"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
FLOOD = "GDACS-FL-1103101"


@pytest.fixture
def store(seed_store, tmp_path) -> GeoPackageStore:
    copy = GeoPackageStore(tmp_path / "copy.gpkg")
    shutil.copyfile(seed_store.path, copy.path)
    return copy


def test_samples_are_marked_as_test_samples():
    for path in (EVENTS, EPISODE2, GEOMETRY2):
        assert "TEST SAMPLE" in json.loads(path.read_text())["metadata"]["title"]


def test_a_tajik_flood_comes_in_with_its_zone_and_a_far_event_stays_out(store):
    result = ingest_gdacs(store, EVENTS, now=NOW)
    assert FLOOD in result.new_incidents
    assert not any("TC" in i for i in result.new_incidents)  # the Philippine typhoon
    incidents = store.read_layer("incidents").set_index("incident_id")
    flood = incidents.loc[FLOOD]
    assert (flood["incident_type"], flood["severity"], flood["source"]) == (
        "flood",
        "high",
        "GDACS",
    )
    assert flood["description"].startswith("GDACS Orange flood alert: Flood in Tajikistan")
    assert flood["reporter"] == "GDACS feed"
    zones = store.read_layer("hazard_zones").set_index("zone_id")
    zone = zones.loc[f"{FLOOD}-1"]
    assert (zone["hazard_type"], zone["severity"], zone["source"]) == ("flood", "high", "GDACS")
    assert str(zone["valid_from"]).startswith("2026-11-21 00:00")
    assert str(zone["valid_to"]).startswith("2026-11-24 00:00")
    assert zone.geometry.contains(flood.geometry) or zone.geometry.distance(flood.geometry) < 0.5
    assert store.audit_log(user=FEED_USER)

    version = store.version()
    assert not ingest_gdacs(store, EVENTS, now=NOW).changed
    assert store.version() == version


def test_a_new_episode_updates_its_event_and_redraws_the_zone_from_its_geometry(store):
    ingest_gdacs(store, EVENTS, now=NOW)
    before = store.read_layer("hazard_zones").set_index("zone_id").loc[f"{FLOOD}-1"].geometry
    fetched = []

    def fetch(url):
        fetched.append(url)
        return json.loads(GEOMETRY2.read_text())

    feed = json.loads(EPISODE2.read_text())
    result = apply_gdacs(store, feed, source="episode 2", now=NOW, fetch_json=fetch)
    assert result.updated_incidents == (FLOOD,) and not result.new_incidents
    assert fetched == [feed["features"][0]["properties"]["url"]["geometry"]]
    flood = store.read_layer("incidents").set_index("incident_id").loc[FLOOD]
    assert flood["severity"] == "critical" and "episode 2" in flood["description"]
    zone = store.read_layer("hazard_zones").set_index("zone_id").loc[f"{FLOOD}-1"]
    assert zone["severity"] == "very_high" and zone.geometry.area > before.area
    assert str(zone["valid_to"]).startswith("2026-11-26")
    again = apply_gdacs(store, feed, source="episode 2", now=NOW, fetch_json=fetch)
    assert not again.changed and len(fetched) == 1  # nothing new: no geometry fetched
    # The older episode does not undo the newer one.
    assert not ingest_gdacs(store, EVENTS, now=NOW).changed


def test_an_unreadable_geometry_writes_nothing(store):
    ingest_gdacs(store, EVENTS, now=NOW)
    version = store.version()

    def broken(url):
        raise FeedError(f"could not reach the GDACS at {url}: timed out")

    feed = json.loads(EPISODE2.read_text())
    with pytest.raises(FeedError, match="timed out"):
        apply_gdacs(store, feed, source="episode 2", now=NOW, fetch_json=broken)
    assert store.version() == version


def test_an_earthquake_from_usgs_and_gdacs_is_one_incident_with_both_sources(store):
    ingest_usgs(store, USGS, now=NOW)
    result = ingest_gdacs(store, EVENTS, now=NOW)
    incidents = store.read_layer("incidents")
    assert not incidents["incident_id"].str.startswith("GDACS-EQ").any()
    assert result.updated_incidents == ("USGS-us7000tjm1",)
    row = incidents.set_index("incident_id").loc["USGS-us7000tjm1"]
    assert row["source"] == "USGS, GDACS"
    assert not ingest_gdacs(store, EVENTS, now=NOW).changed
    # A later USGS solution keeps GDACS listed.
    feed = json.loads(USGS.read_text())
    for feature in feed["features"]:
        if feature["id"] == "us7000tjm1":
            feature["properties"]["updated"] += 7_200_000
    from eoc.feeds.ingest import apply_usgs

    apply_usgs(store, feed, source="later", now=NOW)
    row = store.read_layer("incidents").set_index("incident_id").loc["USGS-us7000tjm1"]
    assert row["source"] == "USGS, GDACS"


@pytest.mark.parametrize(
    ("alert", "severity"), [("Green", "low"), ("Orange", "high"), ("Red", "critical")]
)
def test_severity_follows_the_gdacs_alert_level(alert, severity):
    feed = json.loads(EVENTS.read_text())
    feed["features"][0]["properties"]["alertlevel"] = alert
    event = gdacs.parse_gdacs(feed)[0]
    assert gdacs._incident_row(event)["severity"] == severity


def test_a_malformed_feature_is_named(tmp_path):
    feed = json.loads(EVENTS.read_text())
    del feed["features"][1]["properties"]["eventid"]
    with pytest.raises(FeedError, match="feature 2 of the GDACS feed is malformed"):
        gdacs.parse_gdacs(feed)


def test_the_cli_brings_the_flood_in(store, capsys):
    assert main(["feed", "gdacs", str(EVENTS), "--store", str(store.path)]) == 0
    out = capsys.readouterr().out
    assert f"new event {FLOOD}" in out and "1 added" in out
