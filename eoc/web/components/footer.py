"""The footer: which data the page shows, and whose data it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from dash import html

from eoc.i18n import N_, _, format_time

DUSHANBE = timezone(timedelta(hours=5), "TJT")
ATTRIBUTION = N_(
    "Boundaries © OpenStreetMap contributors (ODbL) via geoBoundaries · "
    "Places: GeoNames (CC BY 4.0) · Rivers, lakes, neighbours: Natural Earth · "
    "Historic earthquakes: USGS · Health facilities © OpenStreetMap contributors (ODbL)"
)
SCENARIO_NOTICE = N_(
    "Operational layers (sites, hazard zones, checkpoints, projects, incidents) are an "
    "illustrative scenario built on real places, not real operational data. Roads are schematic."
)


def format_data_time(data_time: datetime | None) -> str:
    """'2026-11-22 19:05 UTC (22.11.2026, 00:05 Dushanbe)', or 'unknown'."""
    if data_time is None:
        return _("unknown")
    utc = data_time.astimezone(UTC)
    return _("{utc} UTC ({local} Dushanbe)").format(
        utc=f"{utc:%Y-%m-%d %H:%M}", local=format_time(data_time)
    )


def build_footer(version: int, data_time: datetime | None) -> list:
    return [
        html.Span(
            [
                html.B(_("Data time:") + " "),
                format_data_time(data_time),
                " · ",
                html.B(_("Store version:") + " "),
                str(version),
            ],
            className="footer-data",
        ),
        html.Span(_(SCENARIO_NOTICE), className="footer-scenario"),
        html.Span(_(ATTRIBUTION), className="footer-attribution"),
    ]
