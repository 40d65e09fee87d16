"""One earthquake reported by two feeds is one incident, listing both sources and their ids.

Whichever feed reports an earthquake first makes the incident and gives it its id (`USGS-…` or
`GDACS-EQ-…`); when the other feed brings the same event, it joins that incident instead of
making a second one. The incident's `source` lists the feeds in the order they reported it
("GDACS, USGS") and its `external_id` each one's own event id in the same order
("EQ-1512300/1660101, us7000tjm1"), so every later poll of either feed finds the incident
again by its own id. USGS's solution (origin, magnitude, depth, MMI rings) is the better one
for an earthquake: once USGS has joined, it owns the incident's feed fields and zones; GDACS
only keeps its id (episode) current.

Same event, decided (the duplicate rule of eoc/analysis/duplicates.py, with these arguments):
an open earthquake incident of the other feed whose origin is within MATCH_MINUTES and
MATCH_KM of this one, the nearest first. GDACS takes its earthquake parameters from
seismological agencies (USGS NEIC among them), so the same event has nearly the same origin;
different agencies' and early real-time solutions of one large event still differ by up to a
minute and tens of km (IRIS webservices list, 7 Nov 2011: NEIC QED and FINGER origins of the
2011 Van earthquake 57 s apart; ISC origins of the 2006 Kuril M7.9 up to 6 s and more than
1° apart). Two distinct M4.5+ earthquakes within 5 minutes and 100 km are a mainshock and an
aftershock; the nearest one is taken.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from eoc.analysis.duplicates import likely_duplicates

MATCH_MINUTES = 5.0
MATCH_KM = 100.0
SEPARATOR = ", "


def names(source: object) -> list[str]:
    """The feeds an incident lists, in order ("USGS, GDACS" -> ["USGS", "GDACS"])."""
    return [s.strip() for s in str(source or "").split(",") if s.strip()]


def merge_sources(stored: object, own: str) -> str:
    """`stored` sources ("USGS, GDACS") with `own` added, in the order they came."""
    listed = names(stored)
    return SEPARATOR.join(listed if own in listed else [*listed, own])


def source_ids(source: object, external_id: object) -> dict[str, str]:
    """Each listed feed's own event id, from the aligned `source` and `external_id` lists.

    A single-source incident holds its one id as it always has; an older merged incident
    without the second id maps only the first."""
    ids = [] if external_id is None or pd.isna(external_id) else names(external_id)
    return dict(zip(names(source), ids, strict=False))


def with_source(source: object, external_id: object, own: str, own_id: str) -> tuple[str, str]:
    """(source, external_id) with `own` listed and its id set to `own_id`."""
    listed = merge_sources(source, own)
    ids = source_ids(source, external_id) | {own: own_id}
    return listed, SEPARATOR.join(ids.get(name, "") for name in names(listed))


def holder(incidents: pd.DataFrame, own: str, key: str, *, prefix: str) -> str | None:
    """The incident that holds `own`'s event `key`: its own (`prefix` + key) or one that
    lists `own` with that id (ids compared before a "/", a GDACS episode)."""
    ids = incidents["incident_id"].astype(str)
    if (ids == f"{prefix}{key}").any():
        return f"{prefix}{key}"
    for incident_id, source, external_id in zip(
        ids, incidents["source"], incidents["external_id"], strict=True
    ):
        held = source_ids(source, external_id).get(own)
        if held is not None and held.split("/")[0] == key and own in names(source):
            return incident_id
    return None


def find_twin(
    incidents: gpd.GeoDataFrame,
    *,
    other: str,
    own: str,
    at: pd.Timestamp,
    location: shapely.Point,
) -> pd.Series | None:
    """The open earthquake incident that `other` reported and `own` has not joined yet, with an
    origin within MATCH_MINUTES and MATCH_KM of (`at`, `location`): the nearest, or None."""
    if incidents.empty:
        return None
    candidates = likely_duplicates(
        incidents,
        incident_type="earthquake",
        location=location,
        at=at.to_pydatetime(),
        radius_km=MATCH_KM,
        window_h=MATCH_MINUTES / 60.0,
    )
    for _i, row in candidates.iterrows():
        listed = source_ids(row["source"], row["external_id"])
        if other in names(row["source"]) and own not in listed:
            return row
    return None
