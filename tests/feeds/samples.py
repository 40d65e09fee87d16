"""The recorded feed samples, shifted in time when a test needs its events to be recent."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
USGS = DATA / "usgs_sample.geojson"
MURGHOB_TIME_MS = 1795309954520  # the M6.8 Murghob earthquake of the USGS sample


def recent_usgs_feed(now: datetime, *, minutes_ago: float = 10.0) -> dict:
    """The USGS sample with every time moved so that the Murghob quake is `minutes_ago`."""
    feed = json.loads(USGS.read_text())
    shift_ms = int(now.timestamp() * 1000 - minutes_ago * 60_000) - MURGHOB_TIME_MS
    for feature in feed["features"]:
        for key in ("time", "updated"):
            feature["properties"][key] += shift_ms
    return feed
