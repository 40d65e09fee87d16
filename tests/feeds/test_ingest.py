"""Applying the USGS feed to the store: what changed, said in words; a second run writes nothing."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eoc.cli import main
from eoc.feeds.ingest import FEED_USER, ingest_usgs, summary_lines
from eoc.feeds.usgs import FeedError
from eoc.store import GeoPackageStore

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "usgs_sample.geojson"
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
IN_AREA = {"USGS-us7000tjm1", "USGS-us7000tjk2", "USGS-us7000tjk9"}  # M ≥ 4.5 near Tajikistan


@pytest.fixture
def store(seed_store, tmp_path) -> GeoPackageStore:
    copy = GeoPackageStore(tmp_path / "copy.gpkg")
    shutil.copyfile(seed_store.path, copy.path)
    return copy


def test_the_feed_adds_incidents_and_zones_once(store):
    before = store.version()
    first = ingest_usgs(store, SAMPLE, now=NOW)
    assert set(first.new_incidents) == IN_AREA and not first.updated_incidents
    assert first.zones_added > 0 and first.version == before + 1  # one transaction
    incidents = store.read_layer("incidents")
    assert set(incidents["incident_id"]) >= IN_AREA
    zones = store.read_layer("hazard_zones")
    assert zones["zone_id"].str.startswith("USGS-us7000tjm1-MMI").sum() >= 1
    entries = store.audit_log(user=FEED_USER)
    assert entries and all(e.reason == f"USGS feed {SAMPLE}" for e in entries)

    second = ingest_usgs(store, SAMPLE, now=NOW)
    assert not second.changed and store.version() == first.version
    assert "nothing new" in "\n".join(summary_lines(second))


def test_magnitude_and_box_narrow_the_events(store):
    result = ingest_usgs(store, SAMPLE, now=NOW, min_magnitude=6.0)
    assert result.new_incidents == ("USGS-us7000tjm1",)
    result = ingest_usgs(store, SAMPLE, now=NOW, bbox=(69.0, 38.0, 71.0, 40.0))
    assert result.new_incidents == ("USGS-us7000tjk2",)


def test_a_failure_midway_writes_nothing_and_the_next_run_writes_all(store, monkeypatch):
    from eoc.store import geopackage

    real = geopackage._write
    zones_before = set(store.read_layer("hazard_zones")["zone_id"])
    version = store.version()

    def fail_on_incidents(con, spec, *args, **kwargs):
        if spec.name == "incidents":
            raise OSError("disk full")
        return real(con, spec, *args, **kwargs)

    monkeypatch.setattr(geopackage, "_write", fail_on_incidents)
    with pytest.raises(OSError):
        ingest_usgs(store, SAMPLE, now=NOW)
    # The zones were written first in the transaction, and rolled back with it.
    assert set(store.read_layer("hazard_zones")["zone_id"]) == zones_before
    assert store.version() == version
    monkeypatch.setattr(geopackage, "_write", real)
    repaired = ingest_usgs(store, SAMPLE, now=NOW)
    assert set(repaired.new_incidents) == IN_AREA and repaired.zones_added == 3


def test_a_missing_feed_changes_nothing(store, tmp_path):
    before = store.version()
    with pytest.raises(FeedError, match="could not read the USGS feed"):
        ingest_usgs(store, tmp_path / "none.geojson", now=NOW)
    assert store.version() == before


def test_the_cli_says_what_changed_then_nothing_new(store, capsys):
    argv = ["feed", "usgs", str(SAMPLE), "--store", str(store.path)]
    assert main([*argv, "--min-magnitude", "4.5"]) == 0
    out = capsys.readouterr().out
    assert "new event USGS-us7000tjm1: M 6.8 - 40 km W of Murghob, Tajikistan" in out
    assert "hazard zones:" in out and "added" in out
    assert main(argv) == 0
    assert "nothing new" in capsys.readouterr().out


def test_the_cli_refuses_a_bad_box(store, capsys):
    with pytest.raises(SystemExit):
        main(["feed", "usgs", str(SAMPLE), "--store", str(store.path), "--bbox", "1,2,3"])
    assert "W,S,E,N" in capsys.readouterr().err
