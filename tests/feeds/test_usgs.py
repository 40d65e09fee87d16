"""The USGS feed: parsing a recorded-style sample, filtering, rows, and idempotent edit plans."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

import layers
from eoc.feeds.usgs import (
    FeedError,
    events_to_incidents,
    filter_events,
    incident_severity,
    load_events,
    parse_events,
    plan_feed_edits,
    read_feed,
)
from eoc.store import GeoPackageStore

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "usgs_sample.geojson"
MURGHOB_EVENT = "us7000tjm1"
FEED_TIME = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.fixture
def sample_events():
    return parse_events(read_feed(SAMPLE))


@pytest.fixture
def tajik_events(sample_events):
    return filter_events(sample_events)


@pytest.fixture
def store_with_seed(seed_store, tmp_path) -> GeoPackageStore:
    """A private copy of the seed store that a test may write to."""
    store = GeoPackageStore(tmp_path / "feed.gpkg")
    shutil.copyfile(seed_store.path, store.path)
    return store


def apply_plan(store: GeoPackageStore, plan) -> None:
    incident_edits, zone_edits = plan
    if incident_edits:
        store.apply_edits(
            "incidents", incident_edits, user="feed", reason="USGS feed", now=FEED_TIME
        )
    if zone_edits:
        store.apply_edits(
            "hazard_zones", zone_edits, user="feed", reason="USGS feed", now=FEED_TIME
        )


def plan_from_store(store: GeoPackageStore, events):
    return plan_feed_edits(events, store.read_layer("incidents"), store.read_layer("hazard_zones"))


def test_sample_is_marked_as_a_test_sample():
    feed = json.loads(SAMPLE.read_text())
    assert "TEST SAMPLE" in feed["metadata"]["title"]
    assert feed["metadata"]["count"] == len(feed["features"])


def test_parse_keeps_the_newest_solution_of_a_repeated_event(sample_events):
    feed = json.loads(SAMPLE.read_text())
    assert len(feed["features"]) == 7
    assert len(sample_events) == 6
    murghob = sample_events.set_index("event_id").loc[MURGHOB_EVENT]
    assert murghob["magnitude"] == 6.8
    assert murghob["status"] == "reviewed"
    assert murghob["updated"] == pd.Timestamp("2026-11-22T09:41:07.311Z")
    assert murghob["depth_km"] == 20.0
    assert (murghob.geometry.x, murghob.geometry.y) == (73.502, 38.171)


def test_filter_keeps_strong_events_in_the_tajikistan_box(sample_events):
    kept = filter_events(sample_events)
    assert sorted(kept["event_id"]) == ["us7000tjk2", "us7000tjk9", MURGHOB_EVENT]


@pytest.mark.parametrize(
    ("bbox", "min_magnitude", "expected"),
    [
        ((66.5, 36.0, 76.0, 42.0), 3.5, ["us7000tjk2", "us7000tjk5", "us7000tjk9", MURGHOB_EVENT]),
        ((66.5, 36.0, 76.0, 42.0), 6.0, [MURGHOB_EVENT]),
        ((140.0, 35.0, 146.0, 45.0), 4.5, ["us7000tjm7"]),
        ((-180.0, -90.0, 180.0, 90.0), 6.0, [MURGHOB_EVENT, "us7000tjn0"]),
    ],
)
def test_filter_is_configurable(sample_events, bbox, min_magnitude, expected):
    kept = filter_events(sample_events, bbox=bbox, min_magnitude=min_magnitude)
    assert sorted(kept["event_id"]) == expected


def test_load_events_reads_a_file_path_without_network():
    assert len(load_events(SAMPLE)) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "not GeoJSON"),
        ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
    ],
)
def test_a_broken_feed_is_refused_with_a_clear_error(tmp_path, content, message):
    path = tmp_path / "feed.geojson"
    path.write_text(content)
    with pytest.raises(FeedError, match=message):
        read_feed(path)


def test_a_missing_feed_file_is_a_feed_error(tmp_path):
    with pytest.raises(FeedError, match="could not read the USGS feed"):
        read_feed(tmp_path / "nowhere.geojson")


@pytest.mark.parametrize(
    ("magnitude", "alert", "severity"),
    [
        (4.6, None, "low"),
        (5.1, "green", "moderate"),
        (6.8, None, "high"),
        (6.8, "orange", "high"),
        (6.8, "red", "critical"),
        (5.4, "orange", "high"),
        (7.2, "yellow", "critical"),
    ],
)
def test_incident_severity_takes_the_worse_of_alert_and_magnitude(magnitude, alert, severity):
    assert incident_severity(magnitude, alert) == severity


def test_events_become_valid_incident_rows(tajik_events, seed_frames):
    incidents = events_to_incidents(tajik_events)
    assert layers.validate(incidents, layers.get("incidents")) == []
    murghob = incidents.set_index("incident_id").loc[f"USGS-{MURGHOB_EVENT}"]
    assert murghob["incident_type"] == "earthquake"
    assert murghob["status"] == "reported"
    assert murghob["source"] == "USGS"
    assert murghob["reporter"] == "USGS feed"
    assert murghob["external_id"] == MURGHOB_EVENT
    assert murghob["severity"] == "high"
    assert murghob["description"] == "M 6.8 - 40 km W of Murghob, Tajikistan"
    assert pd.isna(murghob["people_affected"])
    # Region and district come from the ingest's placement (tests/feeds/test_feed_places.py).
    assert incidents["adm1_iso"].isna().all()


def test_first_plan_inserts_incidents_and_zones(tajik_events, seed_frames):
    incident_edits, zone_edits = plan_feed_edits(
        tajik_events, seed_frames["incidents"], seed_frames["hazard_zones"]
    )
    assert {(e.op, e.feature_id) for e in incident_edits} == {
        ("insert", "USGS-us7000tjk9"),
        ("insert", "USGS-us7000tjk2"),
        ("insert", f"USGS-{MURGHOB_EVENT}"),
    }
    # M6.8 at 20 km: VI and VII reached, VIII not (the IPE saturates near 8.2 for M6.8);
    # M5.1 at 10 km reaches VI near the epicentre; M4.6 at 211 km reaches nothing.
    assert sorted((e.op, e.feature_id) for e in zone_edits) == [
        ("insert", "USGS-us7000tjk2-MMI6"),
        ("insert", f"USGS-{MURGHOB_EVENT}-MMI6"),
        ("insert", f"USGS-{MURGHOB_EVENT}-MMI7"),
    ]


def test_applying_the_feed_twice_plans_nothing_the_second_time(store_with_seed, tajik_events):
    apply_plan(store_with_seed, plan_from_store(store_with_seed, tajik_events))
    stored = store_with_seed.read_layer("incidents").set_index("incident_id")
    assert stored.loc[f"USGS-{MURGHOB_EVENT}", "magnitude"] == 6.8
    zones = store_with_seed.read_layer("hazard_zones")
    assert {f"USGS-{MURGHOB_EVENT}-MMI6", f"USGS-{MURGHOB_EVENT}-MMI7"} <= set(zones["zone_id"])

    assert plan_from_store(store_with_seed, tajik_events) == ([], [])


def test_an_older_solution_plans_nothing(store_with_seed, tajik_events):
    apply_plan(store_with_seed, plan_from_store(store_with_seed, tajik_events))
    older = tajik_events.copy()
    older["updated"] = older["updated"] - pd.Timedelta(hours=1)
    older["magnitude"] = 5.0
    assert plan_from_store(store_with_seed, older) == ([], [])


def test_a_newer_solution_updates_the_incident_and_redraws_its_zones(store_with_seed, tajik_events):
    apply_plan(store_with_seed, plan_from_store(store_with_seed, tajik_events))
    # A duty officer verifies the incident meanwhile: the feed must not undo that.
    from eoc.store.edits import Edit

    store_with_seed.apply_edits(
        "incidents",
        [Edit(f"USGS-{MURGHOB_EVENT}", {"status": "verified", "people_affected": 1200})],
        user="duty1",
        reason="confirmed by CoES GBAO",
        now=FEED_TIME,
    )
    revised = tajik_events.copy()
    murghob = revised["event_id"] == MURGHOB_EVENT
    revised.loc[murghob, "updated"] = pd.Timestamp("2026-11-22T12:00:00Z")
    revised.loc[murghob, "magnitude"] = 7.3  # big enough to reach MMI VIII
    revised.loc[murghob, "depth_km"] = 10.0

    incident_edits, zone_edits = plan_from_store(store_with_seed, revised)
    assert [(e.op, e.feature_id) for e in incident_edits] == [("update", f"USGS-{MURGHOB_EVENT}")]
    assert "status" not in incident_edits[0].changes
    assert "people_affected" not in incident_edits[0].changes
    assert sorted((e.op, e.feature_id) for e in zone_edits) == [
        ("insert", f"USGS-{MURGHOB_EVENT}-MMI8"),
        ("update", f"USGS-{MURGHOB_EVENT}-MMI6"),
        ("update", f"USGS-{MURGHOB_EVENT}-MMI7"),
    ]
    apply_plan(store_with_seed, (incident_edits, zone_edits))
    stored = store_with_seed.read_layer("incidents").set_index("incident_id")
    row = stored.loc[f"USGS-{MURGHOB_EVENT}"]
    assert (row["magnitude"], row["status"], row["people_affected"]) == (7.3, "verified", 1200)
    assert plan_from_store(store_with_seed, revised) == ([], [])


def test_rings_that_disappear_are_deleted(store_with_seed, tajik_events):
    apply_plan(store_with_seed, plan_from_store(store_with_seed, tajik_events))
    downgraded = tajik_events.copy()
    murghob = downgraded["event_id"] == MURGHOB_EVENT
    downgraded.loc[murghob, "updated"] = pd.Timestamp("2026-11-22T12:00:00Z")
    downgraded.loc[murghob, "magnitude"] = 6.2  # at 20 km deep: reaches VI only
    _, zone_edits = plan_from_store(store_with_seed, downgraded)
    assert sorted((e.op, e.feature_id) for e in zone_edits) == [
        ("delete", f"USGS-{MURGHOB_EVENT}-MMI7"),
        ("update", f"USGS-{MURGHOB_EVENT}-MMI6"),
    ]
    apply_plan(store_with_seed, plan_from_store(store_with_seed, downgraded))
    zone_ids = set(store_with_seed.read_layer("hazard_zones")["zone_id"])
    assert f"USGS-{MURGHOB_EVENT}-MMI7" not in zone_ids
    assert "TJ-HZ-001" in zone_ids  # the seed's own zones are never touched
