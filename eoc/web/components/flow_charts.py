"""Figures of the flow-monitoring registry and the influx projection (plotly, three languages)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from dash import html

from eoc.analysis.influx import InfluxProjection
from eoc.flows.projection import METHOD_NOTE
from eoc.flows.values import CATEGORIES, LABELS
from eoc.i18n import N_, _, format_day, format_number
from eoc.web.components.chart_text import DAY_TICKS, note_no_data

CATEGORY_COLOURS = {"refugees": "#d62728", "returning_migrants": "#1f77b4", "other": "#7f7f7f"}
MEAN_DAYS = 7
NO_COUNTS = N_("No flow monitoring counts yet.")
WALL_FONT_PX = 13  # the wall chart's text on a 1920×1080 screen


def daily_arrivals(counts: pd.DataFrame) -> pd.DataFrame:
    """Arrivals per day, point and category (rows for every day, 0 where none came)."""
    arrivals = counts[counts["direction"] == "in"].assign(day=lambda f: pd.to_datetime(f["day"]))
    table = arrivals.pivot_table(
        index="day", columns=["point_id", "category"], values="count", aggfunc="sum"
    )
    if table.empty:
        return table
    days = pd.date_range(table.index.min(), table.index.max(), freq="D")
    return table.reindex(days, fill_value=0).fillna(0)


def build_arrivals_figure(counts: pd.DataFrame, point_names: dict[str, str]) -> go.Figure:
    """Arrivals per point over time by category, with each series' 7-day mean."""
    figure = go.Figure()
    table = daily_arrivals(counts)
    for point, category in table.columns:
        series = table[(point, category)]
        name = f"{point_names.get(point, point)} — {_(LABELS[category])}"
        colour = CATEGORY_COLOURS.get(category, "#333")
        figure.add_bar(
            x=series.index, y=series.to_numpy(), name=name, marker_color=colour, opacity=0.35,
            legendgroup=name, showlegend=False, hovertemplate="%{x|%Y-%m-%d}: %{y}<extra>"
            + name + "</extra>",
        )  # fmt: skip
        figure.add_scatter(
            x=series.index, y=series.rolling(MEAN_DAYS, min_periods=1).mean().to_numpy(),
            name=name, mode="lines", line={"color": colour}, legendgroup=name,
        )  # fmt: skip
    figure.update_layout(
        title=_("Arrivals per point and day (bars) and their 7-day mean (lines)"),
        barmode="group",
        yaxis_title=_("people a day"),
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 50, "r": 10, "t": 50, "b": 10},
    )
    figure.update_xaxes(tickformat=DAY_TICKS)
    return figure if len(table.columns) else note_no_data(figure, _(NO_COUNTS))


def build_wall_arrivals_figure(
    counts: pd.DataFrame, point_names: dict[str, str], *, scale: float = 1.0
) -> go.Figure:
    """For the wall: each point's 7-day mean of all arrivals, one line a point, named in a
    legend over the plot; the box's heading is the title (a long one ran off the narrow box).
    `scale`: how many times a 1080p screen the wall is (text and lines grow with it)."""
    figure = go.Figure()
    table = daily_arrivals(counts)
    if len(table.columns):
        for point, series in table.T.groupby(level="point_id"):
            name = point_names.get(point, point)
            mean = series.sum().rolling(MEAN_DAYS, min_periods=1).mean()
            figure.add_scatter(
                x=mean.index, y=mean.to_numpy(), name=name, mode="lines", line={"width": 3 * scale},
                hovertemplate="%{x|%Y-%m-%d}: %{y:.0f}<extra>" + name + "</extra>",
            )  # fmt: skip
    figure.update_layout(
        yaxis_title=_("people a day"),
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        margin={"l": 50 * scale, "r": 10 * scale, "t": 10 * scale, "b": 10 * scale},
        font={"family": "Noto Sans, sans-serif", "size": WALL_FONT_PX * scale},
        # Light on the wall's dark boxes (a white chart was the brightest thing on the screen).
        template="plotly_dark",
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    figure.update_xaxes(tickformat=DAY_TICKS, automargin=True)
    figure.update_yaxes(rangemode="tozero", automargin=True)
    return figure if len(table.columns) else note_no_data(figure, _(NO_COUNTS))


def build_projection_figure(projection: InfluxProjection | None) -> go.Figure:
    """Expected arrivals needing a site place over the coming days, with the 80 % band."""
    figure = go.Figure()
    if projection is not None:
        f = projection.forecast.iloc[:90]
        figure.add_scatter(x=f["day"], y=f["high"], mode="lines", line={"width": 0},
                           showlegend=False, hoverinfo="skip")  # fmt: skip
        figure.add_scatter(
            x=f["day"], y=f["low"], mode="lines", line={"width": 0}, fill="tonexty",
            fillcolor="rgba(214,39,40,0.2)", name=_("80 % range"),
        )  # fmt: skip
        figure.add_scatter(x=f["day"], y=f["expected"], mode="lines", name=_("expected"),
                           line={"color": "#d62728"})  # fmt: skip
    figure.update_layout(
        title=_("Projected arrivals needing a site place (cumulative, next 90 days)"),
        yaxis_title=_("people"),
        margin={"l": 50, "r": 10, "t": 50, "b": 10},
    )
    figure.update_xaxes(tickformat=DAY_TICKS)
    return figure if projection is not None else note_no_data(figure, _(NO_COUNTS))


def days_text(days: float) -> str:
    return "—" if pd.isna(days) else format_number(int(days))


def build_days_to_full_table(
    projection: InfluxProjection | None, region_names: dict[str, str]
) -> html.Div:
    """Days until each region's sites are full, with the band, and the projection's terms."""
    if projection is None:
        return html.P(_(NO_COUNTS), className="muted")
    head = html.Tr([html.Th(_(h)) for h in (
        "Region", "Sites", "Free places", "Days to full", "80 % range (days)", "Full on"
    )])  # fmt: skip
    rows = [
        html.Tr([
            html.Td(region_names.get(r.adm1_iso, r.adm1_iso)),
            html.Td(format_number(r.sites)),
            html.Td(format_number(r.free_places)),
            html.Td(days_text(r.days_to_full), className="flows-days"),
            html.Td(f"{days_text(r.days_to_full_early)}–{days_text(r.days_to_full_late)}"),
            html.Td("—" if r.full_on is None else format_day(r.full_on)),
        ])
        for r in projection.regions.itertuples()
    ]  # fmt: skip
    note = _(METHOD_NOTE).format(
        categories=", ".join(_(LABELS[c]) for c in CATEGORIES[:1]),
        day=format_day(projection.as_of),
    )
    return html.Div([html.Table([html.Thead(head), html.Tbody(rows)], className="flows-table"),
                     html.P(note, className="muted")])  # fmt: skip
