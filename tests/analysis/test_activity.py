"""The activity feed: incidents and data changes merged newest first, then drawn as a list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from eoc.analysis.activity import CHANGE, INCIDENT, latest_activity
from eoc.i18n import language
from eoc.store.records import AuditEntry
from eoc.web.components.activity_feed import build_activity_feed

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def two_incidents() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "incident_id": ["INC-OLD", "INC-NEW"],
            "time_utc": pd.Series(
                [pd.Timestamp(NOW - 5 * HOUR), pd.Timestamp(NOW - HOUR)],
                dtype="datetime64[ms, UTC]",
            ),
            "incident_type": ["mudflow", "road_blocked"],
            "severity": ["high", "critical"],
            "status": ["verified", "reported"],
            "description": ["Debris flow at Barsem", pd.NA],
        },
        geometry=[Point(71.4, 37.6), Point(71.5, 38.3)],
        crs="EPSG:4326",
    )


def entry(n: int, at: datetime, action: str, layer: str | None, feature: str | None) -> AuditEntry:
    return AuditEntry(
        id=n,
        at=at,
        user="duty1",
        action=action,
        layer=layer,
        feature_id=feature,
        old=None,
        new=None,
        reason=f"reason {n}",
        version=n,
    )


@pytest.fixture
def audit_newest_first() -> list[AuditEntry]:
    return [
        entry(4, NOW + HOUR, "update", "displacement_sites", "TJ-DS-0001"),  # after "now"
        entry(3, NOW - 2 * HOUR, "update", "displacement_sites", "TJ-DS-0004"),
        entry(2, NOW - 3 * HOUR, "user_add", None, "viewer1"),
        entry(1, NOW - 24 * HOUR, "replace_all", None, None),
    ]


def test_incidents_and_changes_are_merged_newest_first(two_incidents, audit_newest_first):
    items = latest_activity(two_incidents, audit_newest_first, now=NOW)
    assert [(i.kind, i.feature_id) for i in items] == [
        (INCIDENT, "INC-NEW"),
        (CHANGE, "TJ-DS-0004"),
        (INCIDENT, "INC-OLD"),
        (CHANGE, None),
    ]
    assert items[0].severity == "critical" and items[0].description is None
    assert items[1].user == "duty1" and items[1].reason == "reason 3"


def test_account_entries_are_not_data_changes(two_incidents, audit_newest_first):
    items = latest_activity(two_incidents, audit_newest_first, now=NOW)
    assert "user_add" not in {i.action for i in items}


def test_without_now_everything_counts_and_the_limit_keeps_the_newest(
    two_incidents, audit_newest_first
):
    items = latest_activity(two_incidents, audit_newest_first, limit=2)
    assert [i.feature_id for i in items] == ["TJ-DS-0001", "INC-NEW"]


def test_the_feed_shows_dushanbe_time_and_translated_labels(two_incidents, audit_newest_first):
    items = latest_activity(two_incidents, audit_newest_first, now=NOW)
    with language("en"):
        english = str(build_activity_feed(items))
    # 05:00 UTC is 10:00 in Dushanbe (UTC+5).
    assert "10:00" in english
    assert "Critical · Road blocked" in english
    assert "duty1 updated site TJ-DS-0004" in english
    with language("ru"):
        russian = str(build_activity_feed(items))
    assert "Road blocked" not in russian and "Critical" not in russian


def test_an_empty_feed_says_so():
    with language("en"):
        assert "No recent activity" in str(build_activity_feed([]))


@pytest.fixture
def checkpoint_closed() -> list[AuditEntry]:
    return [
        AuditEntry(
            id=7,
            at=NOW - HOUR,
            user="duty1",
            action="update",
            layer="border_checkpoints",
            feature_id="TJ-BCP-09",
            old={"status": "open", "notes": "same"},
            new={"status": "closed", "notes": "same"},
            reason="snow on the pass",
            version=7,
        )
    ]


@pytest.fixture
def kyzyl_art() -> dict[str, gpd.GeoDataFrame]:
    return {
        "border_checkpoints": gpd.GeoDataFrame(
            {"checkpoint_id": ["TJ-BCP-09"], "name": ["Kyzyl-Art"], "status": ["closed"]},
            geometry=[Point(73.4, 39.35)],
            crs="EPSG:4326",
        )
    }


def test_a_change_names_its_feature_and_says_what_changed(checkpoint_closed, kyzyl_art):
    from eoc.analysis.activity import feature_names

    empty = gpd.GeoDataFrame({"time_utc": []}, geometry=[], crs="EPSG:4326")
    items = latest_activity(empty, checkpoint_closed, names=feature_names(kyzyl_art))
    assert items[0].name == "Kyzyl-Art"
    assert items[0].changes == (("status", "open", "closed"),)  # unchanged notes left out
    with language("en"):
        english = str(build_activity_feed(items))
    assert "duty1 updated checkpoint Kyzyl-Art" in english and "TJ-BCP-09" not in english
    assert "Status: Open → Closed" in english and "snow on the pass" in english
    with language("ru"):
        russian = str(build_activity_feed(items))
    assert "Open" not in russian and "Kyzyl-Art" in russian


def test_a_deleted_feature_keeps_the_name_its_old_values_carried():
    from eoc.analysis.activity import change_items

    gone = AuditEntry(
        id=8,
        at=NOW,
        user="cccm1",
        action="delete",
        layer="displacement_sites",
        feature_id="TJ-DS-0099",
        old={"name": "Tent camp Vose"},
        new=None,
        reason="merged",
        version=8,
    )
    assert change_items([gone])[0].name == "Tent camp Vose"
