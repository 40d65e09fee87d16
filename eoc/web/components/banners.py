"""Banners across the top of a screen: stale data, new high and critical incidents."""

from __future__ import annotations

from datetime import datetime

import geopandas as gpd
import pandas as pd
from dash import html

import layers
from eoc.analysis.active import as_utc
from eoc.i18n import N_, _, format_duration, format_number, format_time

STALE = N_("STALE DATA")
STALE_DETAIL = N_("the newest data is from {time}, {age} ago; check the feeds and data entry")
STALE_UNKNOWN = N_("the store does not say when its data was written")
NEW_INCIDENTS = N_("NEW HIGH/CRITICAL INCIDENTS (last {hours} h)")
MORE_INCIDENTS = N_("and {count} more")
SHOWN_INCIDENTS = 3


def build_stale_banner(
    data_time: datetime | None, *, now: datetime, feed_down: str | None = None
) -> html.Div:
    """The stale-data warning (shown only when the caller found the data stale).

    `feed_down` says which feeds are failing: then the data is old because nothing can
    arrive; without it the feeds answer and there is simply no new data.
    """
    if feed_down:
        detail = feed_down
    elif data_time is None:
        detail = _(STALE_UNKNOWN)
    else:
        age = as_utc(now) - as_utc(data_time)
        detail = _(STALE_DETAIL).format(
            time=format_time(data_time),
            age=format_duration(age),
        )
    return html.Div(
        className="banner banner-stale",
        role="alert",
        children=[html.Strong(_(STALE)), html.Span(detail, className="banner-detail")],
    )


def build_incident_banner(incidents: gpd.GeoDataFrame, *, hours: float) -> html.Div | None:
    """The newest high and critical incidents (already chosen, newest first), or None."""
    if incidents.empty:
        return None
    spec = layers.get("incidents")
    shown = []
    for row in incidents.head(SHOWN_INCIDENTS).itertuples(index=False):
        labels = " · ".join(
            _(spec.field(name).value_label(getattr(row, name)))
            for name in ("severity", "incident_type", "adm1_iso")
            if _present(getattr(row, name, None))
        )
        shown.append(
            html.Li(
                className=f"banner-incident feed-severity-{row.severity}",
                children=[
                    html.Time(format_time(as_utc(row.time_utc).to_pydatetime())),
                    html.B(labels),
                    html.Span(str(row.description) if _present(row.description) else ""),
                ],
            )
        )
    rest = len(incidents) - len(shown)
    if rest > 0:
        shown.append(html.Li(_(MORE_INCIDENTS).format(count=format_number(rest))))
    return html.Div(
        className="banner banner-incidents",
        role="alert",
        children=[
            html.Strong(_(NEW_INCIDENTS).format(hours=format_number(hours))),
            html.Ul(shown, className="banner-list"),
        ],
    )


def _present(value: object) -> bool:
    return value is not None and not pd.isna(value)
