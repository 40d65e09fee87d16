"""One earthquake from GDACS and USGS is one incident whichever comes first, listing both
sources and both ids; USGS's solution and rings stand; a distinct quake stays apart."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from eoc.feeds import sources
from eoc.feeds.drafts import DraftRules, prepare_drafts, read_drafts
from eoc.feeds.gdacs_ingest import apply_gdacs, ingest_gdacs
from eoc.feeds.ingest import apply_usgs, ingest_usgs
from eoc.reports.build import build_sitrep

DATA = Path(__file__).resolve().parents[1] / "data"
USGS = DATA / "usgs_sample.geojson"
GDACS = DATA / "gdacs_events.geojson"
GEOMETRY = DATA / "gdacs_geometry_fl_1103101_2.geojson"  # a polygon, served for any event
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
QUAKE = "GDACS-EQ-1512300"


def quakes(store) -> pd.DataFrame:
    incidents = store.read_layer("incidents")
    return incidents[incidents["incident_type"].eq("earthquake").to_numpy(bool)].set_index(
        "incident_id"
    )


def zone_ids(store, prefix: str) -> list[str]:
    return sorted(z for z in store.read_layer("hazard_zones")["zone_id"] if z.startswith(prefix))


def gdacs_with_polygons(store):
    """The GDACS sample read online: the earthquake's geometry link gives it a polygon."""
    return apply_gdacs(
        store,
        json.loads(GDACS.read_text()),
        source="gdacs",
        now=NOW,
        fetch_json=lambda _url: json.loads(GEOMETRY.read_text()),
    )


def test_gdacs_first_then_usgs_is_one_incident_with_both_ids(feed_store):
    gdacs_with_polygons(feed_store)
    assert zone_ids(feed_store, f"{QUAKE}-") == [f"{QUAKE}-1"]  # GDACS's own polygon
    result = ingest_usgs(feed_store, USGS, now=NOW)
    assert QUAKE in result.updated_incidents
    assert "USGS-us7000tjm1" not in result.new_incidents
    held = quakes(feed_store)
    assert "USGS-us7000tjm1" not in held.index
    quake = held.loc[QUAKE]
    assert quake["source"] == "GDACS, USGS"
    assert quake["external_id"] == "EQ-1512300/1660101, us7000tjm1"
    assert sources.source_ids(quake["source"], quake["external_id"]) == {
        "GDACS": "EQ-1512300/1660101",
        "USGS": "us7000tjm1",
    }
    # USGS's solution and its MMI rings stand; GDACS's polygon for the quake is gone.
    assert quake["description"] == "M 6.8 - 40 km W of Murghob, Tajikistan"
    assert quake["depth_km"] == 20 and quake["url"].startswith("https://earthquake.usgs.gov")
    assert zone_ids(feed_store, f"{QUAKE}-") == [f"{QUAKE}-MMI6", f"{QUAKE}-MMI7"]
    assert zone_ids(feed_store, "USGS-us7000tjm1") == []
    # The event's sitrep finds its rings.
    report = build_sitrep(feed_store, as_of=NOW, produced_by="t", event_id=QUAKE, draw_map=False)
    assert set(report.event.zone_ids) == {f"{QUAKE}-MMI6", f"{QUAKE}-MMI7"}

    version = feed_store.version()
    assert not ingest_usgs(feed_store, USGS, now=NOW).changed
    assert not gdacs_with_polygons(feed_store).changed
    assert feed_store.version() == version


def test_later_polls_of_either_feed_update_the_one_incident(feed_store):
    ingest_gdacs(feed_store, GDACS, now=NOW)
    ingest_usgs(feed_store, USGS, now=NOW)
    usgs = json.loads(USGS.read_text())
    for feature in usgs["features"]:
        if feature["id"] == "us7000tjm1":
            feature["properties"]["updated"] += 3_600_000
            feature["properties"]["mag"] = 7.0
    assert QUAKE in apply_usgs(feed_store, usgs, source="later", now=NOW).updated_incidents
    gdacs = json.loads(GDACS.read_text())
    for feature in gdacs["features"]:
        if feature["properties"]["eventtype"] == "EQ":
            feature["properties"]["episodeid"] = 1660102
            feature["properties"]["datemodified"] = "2026-11-22T09:00:00"
            feature["properties"]["severitydata"]["severity"] = 6.6
    apply_gdacs(feed_store, gdacs, source="episode 2", now=NOW)
    held = quakes(feed_store)
    quake = held.loc[QUAKE]
    assert quake["magnitude"] == 7.0  # USGS's, not GDACS's later 6.6
    assert quake["external_id"] == "EQ-1512300/1660102, us7000tjm1"
    assert zone_ids(feed_store, f"{QUAKE}-MMI") == [f"{QUAKE}-MMI6", f"{QUAKE}-MMI7"]
    assert not {"USGS-us7000tjm1"} & set(held.index)


def test_a_usgs_withdrawal_closes_the_merged_incident(feed_store):
    ingest_gdacs(feed_store, GDACS, now=NOW)
    ingest_usgs(feed_store, USGS, now=NOW)
    result = ingest_usgs(feed_store, DATA / "usgs_deleted.geojson", now=NOW)
    assert result.closed_incidents == (QUAKE,)
    assert quakes(feed_store).loc[QUAKE, "status"] == "closed"
    assert zone_ids(feed_store, f"{QUAKE}-MMI") == []


def test_usgs_first_then_gdacs_lists_both_ids(feed_store):
    ingest_usgs(feed_store, USGS, now=NOW)
    ingest_gdacs(feed_store, GDACS, now=NOW)
    quake = quakes(feed_store).loc["USGS-us7000tjm1"]
    assert (quake["source"], quake["external_id"]) == (
        "USGS, GDACS",
        "us7000tjm1, EQ-1512300/1660101",
    )
    assert QUAKE not in quakes(feed_store).index


def test_a_quake_an_hour_apart_is_another_event(feed_store):
    gdacs = json.loads(GDACS.read_text())
    for feature in gdacs["features"]:
        if feature["properties"]["eventtype"] == "EQ":
            feature["properties"]["fromdate"] = "2026-11-22T02:12:34"
            feature["properties"]["todate"] = "2026-11-22T02:12:34"
    apply_gdacs(feed_store, gdacs, source="later quake", now=NOW)
    ingest_usgs(feed_store, USGS, now=NOW)
    held = quakes(feed_store)
    assert {QUAKE, "USGS-us7000tjm1"} <= set(held.index)
    assert held.loc[QUAKE, "source"] == "GDACS" and held.loc["USGS-us7000tjm1", "source"] == "USGS"


def test_the_merged_quake_is_drafted_once(feed_store):
    ingest_gdacs(feed_store, GDACS, now=NOW)
    first = {d.incident_id for d in prepare_drafts(feed_store, DraftRules(), now=NOW)}
    assert QUAKE in first
    ingest_usgs(feed_store, USGS, now=NOW)
    assert prepare_drafts(feed_store, DraftRules(), now=NOW) == []
    assert sum(d.incident_id == QUAKE for d in read_drafts(feed_store)) == 1


def test_an_older_merge_without_the_gdacs_id_gains_it(feed_store):
    ingest_usgs(feed_store, USGS, now=NOW)
    from eoc.store.edits import Edit

    feed_store.apply_edits(  # as the earlier merge left it: GDACS listed, its id not kept
        "incidents",
        [Edit("USGS-us7000tjm1", {"source": "USGS, GDACS"})],
        user="feed:gdacs",
        reason="older merge",
        now=NOW,
    )
    ingest_gdacs(feed_store, GDACS, now=NOW)
    quake = quakes(feed_store).loc["USGS-us7000tjm1"]
    assert quake["external_id"] == "us7000tjm1, EQ-1512300/1660101"
    assert QUAKE not in quakes(feed_store).index
