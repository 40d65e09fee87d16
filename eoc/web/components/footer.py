"""The footer: which data the page shows, and whose data it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from dash import html

DUSHANBE = timezone(timedelta(hours=5), "TJT")
ATTRIBUTION = (
    "Boundaries © OpenStreetMap contributors (ODbL) via geoBoundaries · "
    "Places: GeoNames (CC BY 4.0) · Rivers, lakes, neighbours: Natural Earth · "
    "Historic earthquakes: USGS · Health facilities © OpenStreetMap contributors (ODbL)"
)
SCENARIO_NOTICE = (
    "Operational layers (sites, hazard zones, checkpoints, projects) are an illustrative "
    "scenario built on real places, not real operational data. Roads are schematic."
)


def format_data_time(data_time: datetime | None) -> str:
    """'2026-11-22 19:05 UTC (00:05 Dushanbe)', or 'unknown'."""
    if data_time is None:
        return "unknown"
    utc = data_time.astimezone(UTC)
    local = data_time.astimezone(DUSHANBE)
    return f"{utc:%Y-%m-%d %H:%M} UTC ({local:%H:%M} Dushanbe)"


def build_footer(version: int, data_time: datetime | None) -> list:
    return [
        html.Span(
            [
                html.B("Data time: "),
                format_data_time(data_time),
                " · ",
                html.B("Store version: "),
                str(version),
            ],
            className="footer-data",
        ),
        html.Span(SCENARIO_NOTICE, className="footer-scenario"),
        html.Span(ATTRIBUTION, className="footer-attribution"),
    ]
