"""The areas of alerts as a GeoDataFrame, for drawing them on a map.

What is drawn is what was sent: each alert's CAP `<polygon>`s read back from its document
(not the zone it started from, which may have changed since). Pure: rows come in as arguments.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
from shapely.geometry import MultiPolygon

from eoc.alerts.polygon import parse_cap_polygon
from eoc.alerts.workflow import AlertRow

COLUMNS = ("alert_id", "scope", "msg_type", "headline", "expires_at")


def alert_areas(rows: Sequence[AlertRow], *, lang: str) -> gpd.GeoDataFrame:
    """One row per alert with a polygon: its id, scope, msgType, headline in `lang` (else
    English, else its first language), expiry and area (EPSG:4326), newest first.

    An alert described by geocodes alone has no shape to draw and is left out.
    """
    records = []
    for row in sorted(rows, key=lambda r: r.published_at or r.drafted_at, reverse=True):
        alert = row.alert
        if not alert.area.polygons:
            continue
        info = alert.info(lang) or alert.info("en") or alert.infos[0]
        parts = [parse_cap_polygon(text) for text in alert.area.polygons]
        records.append(
            {
                "alert_id": row.alert_id,
                "scope": row.scope,
                "msg_type": alert.msg_type,
                "headline": info.headline,
                "expires_at": row.expires_at,
                "geometry": parts[0] if len(parts) == 1 else MultiPolygon(parts),
            }
        )
    if not records:
        return gpd.GeoDataFrame({name: [] for name in COLUMNS}, geometry=[], crs="EPSG:4326")
    return gpd.GeoDataFrame(records, geometry="geometry", crs="EPSG:4326")
