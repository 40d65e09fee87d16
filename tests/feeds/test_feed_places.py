"""Incidents from a feed get their region and district from their location, like typed ones."""

from __future__ import annotations

from shapely.geometry import Point

from eoc.feeds.ingest import placed
from eoc.store.edits import Edit


def test_feed_incidents_get_region_and_district(seed_frames):
    edits = [
        Edit("us-new", {"adm1_iso": None, "geometry": Point(72.7797, 38.2107)}, op="insert"),
        Edit("us-abroad", {"geometry": Point(74.9, 40.9)}, op="insert"),  # in Kyrgyzstan
        Edit("us-status", {"magnitude": 5.0}),  # not moved: left as it is
    ]
    new, abroad, untouched = placed(edits, seed_frames["regions"], seed_frames["districts"])
    assert (new.changes["adm1_iso"], new.changes["adm2_name"]) == ("TJ-GB", "Murghob District")
    assert (abroad.changes["adm1_iso"], abroad.changes["adm2_name"]) == (None, None)
    assert untouched == edits[2]
