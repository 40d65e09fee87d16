"""The CAP alerts in force, for the pages that show them (/, /wall, /public, /cap/feed.xml).

Every open page asks at each poll (alerts expire without a write), so the published alerts
are read once per store version (a publication, update or cancel moves it) and only the
choice of those in force at the moment asked runs each time.
"""

from __future__ import annotations

from datetime import datetime

from eoc.alerts.workflow import AlertRow, in_force, published_alerts
from eoc.web.context import current_cache


def published_rows() -> list[AlertRow]:
    """Every published alert at the store's version (kept per version; do not mutate)."""
    cache = current_cache()
    return cache.get(
        "published-alerts", lambda: published_alerts(cache.store.sql), version=cache.version()
    )


def alerts_in_force(*, now: datetime, scope: str | None = None) -> list[AlertRow]:
    """Published alerts in force at `now` (of `scope`, if given): eoc.alerts.workflow.in_force."""
    return in_force(published_rows(), now=now, scope=scope)
