"""The seed scenario's alerts and key messages, loaded with the store (eoc init).

data/seed/alerts.json names each alert's hazard zone and library entry; its area is built
from the zone like any alert's, its instruction taken from the library.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import geopandas as gpd

from eoc.alerts.compose import ZONE_SEVERITIES, area_for, compose_alert
from eoc.alerts.library import load_seed_messages, read_seed_messages
from eoc.alerts.model import ALERT_LANGUAGES
from eoc.alerts.polygon import MAX_POINTS
from eoc.alerts.workflow import insert_seed_alert
from eoc.store.sql_engine import SqlBackend

ALERTS_FILE = "alerts.json"
MESSAGES_FILE = "key_messages.csv"


def load_seed_alerts(
    backend: SqlBackend,
    seed_dir: Path,
    frames: dict[str, gpd.GeoDataFrame],
    *,
    now: datetime,
    sender: str,
) -> int:
    """Load the library (if empty) and the scenario alerts (if absent), from `sender` (the
    `cap_sender` setting); returns alerts added."""
    messages_path = seed_dir / MESSAGES_FILE
    if not messages_path.is_file():
        return 0
    load_seed_messages(backend, messages_path, now=now)
    library = {tuple(r[:4]): r[4] for r in read_seed_messages(messages_path)}
    alerts_path = seed_dir / ALERTS_FILE
    if not alerts_path.is_file():
        return 0
    zones = frames["hazard_zones"].set_index("zone_id")
    added = 0
    for spec in json.loads(alerts_path.read_text(encoding="utf-8"))["alerts"]:
        zone = zones.loc[spec["zone_id"]]
        area = area_for(zone.geometry, zone["name"], frames["districts"], max_points=MAX_POINTS)
        key = (spec["hazard"], spec["phase"], spec["audience"])
        texts = {
            lang: {**spec["texts"][lang], "instruction": library.get((*key, lang), "")}
            for lang in ALERT_LANGUAGES
        }
        alert = compose_alert(
            identifier=spec["identifier"],
            hazard=spec["hazard"],
            area=area,
            texts=texts,
            now=datetime.fromisoformat(spec["sent"]),
            onset=datetime.fromisoformat(spec["onset"]),
            expires=now + timedelta(days=spec["expires_days_after_build"]),
            sender=sender,
            status=spec["status"],
            scope=spec["scope"],
            restriction=spec.get("restriction", ""),
            urgency=spec["urgency"],
            severity=spec.get("severity") or ZONE_SEVERITIES[zone["severity"]],
            certainty=spec["certainty"],
        )
        added += insert_seed_alert(
            backend,
            alert,
            drafted_by=spec["drafted_by"],
            approved_by=spec["approved_by"],
            now=now,
            source=f"hazard_zones/{spec['zone_id']}",
        )
    return added
