"""GDACS wildfires and droughts become incidents of their own type with zones from their
polygons; cyclones and volcanoes (which never reach Tajikistan) stay out, or `other` without
zones if GDACS lists Tajikistan; an earthquake's GDACS zone has no end."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from eoc.feeds.drafts import DraftRules, prepare_drafts
from eoc.feeds.gdacs_ingest import apply_gdacs, ingest_gdacs
from eoc.reports.build import build_sitrep

DATA = Path(__file__).resolve().parents[1] / "data"
OTHERS = DATA / "gdacs_other_types.geojson"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
FIRE, DROUGHT = "GDACS-WF-1021001", "GDACS-DR-1017500"


def test_the_sample_is_marked_as_a_test_sample():
    assert "TEST SAMPLE" in json.loads(OTHERS.read_text())["metadata"]["title"]


def test_a_wildfire_and_a_drought_come_in_with_their_zones_and_far_events_stay_out(feed_store):
    result = ingest_gdacs(feed_store, OTHERS, now=NOW)
    assert set(result.new_incidents) == {FIRE, DROUGHT}  # the cyclone and the volcano: out
    incidents = feed_store.read_layer("incidents").set_index("incident_id")
    assert incidents.loc[FIRE, "incident_type"] == "wildfire"
    assert incidents.loc[DROUGHT, "incident_type"] == "drought"
    assert incidents.loc[FIRE, "adm2_name"] == "Qabodiyon District"
    zones = feed_store.read_layer("hazard_zones").set_index("zone_id")
    fire = zones.loc[f"{FIRE}-1"]
    assert (fire["hazard_type"], fire["severity"], fire["source"]) == ("wildfire", "high", "GDACS")
    assert str(fire["valid_to"]).startswith("2026-11-23")
    assert sorted(z for z in zones.index if z.startswith(DROUGHT)) == [
        f"{DROUGHT}-1",
        f"{DROUGHT}-2",
    ]  # its two polygons
    assert zones.loc[f"{DROUGHT}-1", "hazard_type"] == "drought"
    assert not ingest_gdacs(feed_store, OTHERS, now=NOW).changed


def test_a_drought_counts_residents_exposed_and_nobody_displaced(feed_store):
    ingest_gdacs(feed_store, OTHERS, now=NOW)
    report = build_sitrep(feed_store, as_of=NOW, produced_by="t", event_id=DROUGHT, draw_map=False)
    figures = {f.key: f.value for f in report.key_figures}
    assert figures["residents_in_zones"] > 0 and figures["displaced"] == 0


def test_a_cyclone_listing_tajikistan_is_other_without_zones(feed_store):
    feed = json.loads(OTHERS.read_text())
    cyclone = next(f for f in feed["features"] if f["properties"]["eventtype"] == "TC")
    cyclone["properties"]["affectedcountries"].append(
        {"iso2": "TJ", "iso3": "TJK", "countryname": "Tajikistan"}
    )
    apply_gdacs(feed_store, feed, source="cyclone", now=NOW)
    row = feed_store.read_layer("incidents").set_index("incident_id").loc["GDACS-TC-1001299"]
    assert row["incident_type"] == "other" and row["severity"] == "critical"
    zones = feed_store.read_layer("hazard_zones")["zone_id"]
    assert not zones.str.startswith("GDACS-TC-").any()


def test_the_drought_is_drafted_from_its_latest_episode_and_the_fire_says_why_no_alert(
    feed_store,
):
    ingest_gdacs(feed_store, OTHERS, now=NOW)
    made = {d.incident_id: d for d in prepare_drafts(feed_store, DraftRules(), now=NOW)}
    assert set(made) == {FIRE, DROUGHT}  # the drought began in June: its episode is recent
    assert made[FIRE].alert_id is None and "not a hazard an alert warns of" in made[FIRE].alert_note


def test_a_gdacs_earthquake_zone_stays_in_force_after_its_origin(feed_store):
    polygon = json.loads((DATA / "gdacs_geometry_fl_1103101_2.geojson").read_text())
    apply_gdacs(
        feed_store,
        json.loads((DATA / "gdacs_events.geojson").read_text()),
        source="gdacs",
        now=NOW,
        fetch_json=lambda _url: polygon,
    )
    zone = feed_store.read_layer("hazard_zones").set_index("zone_id").loc["GDACS-EQ-1512300-1"]
    assert zone["hazard_type"] == "earthquake" and pd.isna(zone["valid_to"])
