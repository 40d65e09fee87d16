"""What is in force at a moment: hazard zones valid at a time, incidents still open.

"When" is always an argument (the clock is read at the edge), and always time-zone aware.
"""

from __future__ import annotations

from datetime import datetime

import geopandas as gpd
import pandas as pd

from eoc.errors import EocError

CLOSED = "closed"


class AnalysisInputError(EocError):
    """An analysis was given data it cannot work on (wrong CRS, missing field, naive time)."""


def as_utc(when: datetime | pd.Timestamp | str) -> pd.Timestamp:
    """`when` as a UTC timestamp; a time without a time zone is refused, not guessed."""
    stamp = pd.Timestamp(when)
    if pd.isna(stamp):
        raise AnalysisInputError(f"{when!r} is not a date and time")
    if stamp.tzinfo is None:
        raise AnalysisInputError(
            f"the time {when} has no time zone: give it in UTC (for example 2026-11-21T06:00Z)"
        )
    return stamp.tz_convert("UTC")


def active_at(
    gdf: gpd.GeoDataFrame,
    when: datetime | pd.Timestamp | str,
    *,
    start: str = "valid_from",
    end: str = "valid_to",
) -> gpd.GeoDataFrame:
    """The rows valid at `when`: start <= when < end; a missing end is open-ended.

    The end is the first moment a row no longer applies (one rule for the whole app).

    A missing start is taken as "valid since always" (the field is required in the hazard
    zones layer, so this only matters for hand-built frames).
    """
    require_fields(gdf, (start, end))
    moment = as_utc(when)
    starts, ends = _utc_column(gdf, start), _utc_column(gdf, end)
    valid = (starts.isna() | (starts <= moment)) & (ends.isna() | (ends > moment))
    return gdf[valid.to_numpy(dtype=bool)].copy()


def changes_passed(
    gdf: gpd.GeoDataFrame,
    when: datetime | pd.Timestamp | str,
    *,
    start: str = "valid_from",
    end: str = "valid_to",
) -> int:
    """How many starts and ends of rows lie at or before `when`.

    `active_at` gives the same rows for two moments with the same count: a value computed
    from what is in force can be kept under this count until the next start or end.
    """
    require_fields(gdf, (start, end))
    moment = as_utc(when)
    times = pd.concat([_utc_column(gdf, start), _utc_column(gdf, end)])
    return int((times <= moment).fillna(False).sum())


def open_incidents_at(
    incidents: gpd.GeoDataFrame,
    when: datetime | pd.Timestamp | str,
    *,
    time_field: str = "time_utc",
    status_field: str = "status",
) -> gpd.GeoDataFrame:
    """Incidents that had happened by `when` and are not closed."""
    require_fields(incidents, (time_field, status_field))
    moment = as_utc(when)
    times = _utc_column(incidents, time_field)
    status = incidents[status_field].astype("string").str.strip().str.lower()
    happened = times.notna() & (times <= moment)
    still_open = status.fillna("") != CLOSED
    return incidents[(happened & still_open).to_numpy(dtype=bool)].copy()


def require_fields(gdf: pd.DataFrame, fields: tuple[str, ...]) -> None:
    missing = [name for name in fields if name not in gdf.columns]
    if missing:
        raise AnalysisInputError(
            f"the layer has no field {', '.join(missing)}; "
            f"its fields are: {', '.join(map(str, gdf.columns))}"
        )


def _utc_column(gdf: pd.DataFrame, name: str) -> pd.Series:
    try:
        return pd.to_datetime(gdf[name], utc=True, format="ISO8601")
    except (TypeError, ValueError) as exc:
        raise AnalysisInputError(f"{name} holds values that are not dates and times") from exc
