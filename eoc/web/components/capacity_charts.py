"""Charts of the capacity page: occupancy and WASH gaps by region, one site's history."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go

import layers
from eoc.i18n import _, format_number, format_time, plotly_separators, to_dushanbe
from eoc.store.records import AuditEntry
from eoc.web.components.chart_text import leave_room_for_bar_texts, note_no_data, wrap_label

PEOPLE_COLOUR = "#2c7fb8"
CAPACITY_COLOUR = "#bdbdbd"
GAP_COLOURS = ("#d95f0e", "#756bb1")
FONT = {"family": "Noto Sans, sans-serif", "size": 12}


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 14}, "y": 0.97, "yanchor": "top"},
        margin={"l": 50, "r": 10, "t": 70, "b": 40},
        height=340,
        font=FONT,
        # Between the title and the plot: long Tajik region names under the bars never reach it.
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        barmode="group",
        plot_bgcolor="white",
        separators=plotly_separators(),  # "9 470" in Russian and Tajik
    )
    fig.update_yaxes(gridcolor="#e5e5e5", rangemode="tozero")
    # Level labels under their bars: slanted long names ran into each other and off the chart.
    fig.update_xaxes(automargin=True, tickangle=0)
    return fig


def build_occupancy_chart(by_region: pd.DataFrame, names: Mapping[str, str]) -> go.Figure:
    """People against binding capacity per region, with occupancy % over the bars."""
    x = [wrap_label(names.get(code, code)) for code in by_region["adm1_iso"]]
    pct = [
        "" if pd.isna(v) else format_number(round(float(v)), decimals=0) + " %"
        for v in by_region["occupancy_pct"]
    ]
    fig = go.Figure(
        [
            go.Bar(
                x=x,
                y=by_region["binding_capacity"],
                name=_("Binding capacity"),
                marker_color=CAPACITY_COLOUR,
            ),
            go.Bar(
                x=x,
                y=by_region["individuals"],
                name=_("People"),
                marker_color=PEOPLE_COLOUR,
                text=pct,
                textposition="outside",
            ),
        ]
    )
    return leave_room_for_bar_texts(_layout(fig, _("Occupancy by region")))


def build_wash_chart(gaps: pd.DataFrame, names: Mapping[str, str]) -> go.Figure:
    """Missing latrines and water points per region (summed site by site)."""
    x = [wrap_label(names.get(code, code)) for code in gaps["adm1_iso"]]
    fig = go.Figure(
        [
            go.Bar(
                x=x,
                y=gaps["latrine_gap"],
                name=_("Latrines missing"),
                marker_color=GAP_COLOURS[0],
                text=gaps["latrine_gap"],
                textposition="outside",
            ),
            go.Bar(
                x=x,
                y=gaps["water_point_gap"],
                name=_("Water points missing"),
                marker_color=GAP_COLOURS[1],
                text=gaps["water_point_gap"],
                textposition="outside",
            ),
        ]
    )
    return leave_room_for_bar_texts(_layout(fig, _("WASH gaps by region")))


def site_history(entries: Sequence[AuditEntry], *, people_now: object, status_now: object):
    """(time, people, status, change) points of a site from its audit entries, oldest first.

    Each change adds a point with the values it left; the first point holds the values before
    the first recorded change (found by undoing the changes from the values now). Returns an
    empty frame when nothing was recorded.
    """
    changes = [
        e
        for e in sorted(entries, key=lambda e: e.id)
        if e.action == "update" and {"individuals", "status"} & set(e.new or {})
    ]
    rows = []
    if changes:
        # Walk back from now to the values before the first recorded change.
        people, status = people_now, status_now
        for entry in reversed(changes):
            old, new = entry.old or {}, entry.new or {}
            people = old.get("individuals") if "individuals" in new else people
            status = old.get("status") if "status" in new else status
        rows.append((changes[0].at, people, status, "", "", ""))
        for entry in changes:
            new = entry.new or {}
            note = ""
            if "status" in new and new["status"] != status:
                note = f"{_status(status)} → {_status(new['status'])}"
            people = new.get("individuals", people)
            status = new.get("status", status)
            rows.append((entry.at, people, status, note, entry.user, entry.reason or ""))
    return pd.DataFrame(rows, columns=["at", "individuals", "status", "note", "user", "reason"])


def _status(code: object) -> str:
    if code is None:
        return "—"
    return _(layers.get("displacement_sites").field("status").value_label(code))


def build_history_figure(
    history: pd.DataFrame, *, site_name: str, people_now: object, now: datetime
) -> go.Figure:
    """People over time as steps, status changes marked; a note when nothing was recorded."""
    fig = go.Figure()
    title = _("History of {site}").format(site=site_name)
    if history.empty:
        note = _("No recorded change since the store was built; {people} people now.")
        return _layout(note_no_data(fig, note.format(people=format_number(people_now))), title)
    # The axis in Dushanbe time, like every time on screen (not UTC, not seconds).
    times = [to_dushanbe(t) for t in [*history["at"], now]]
    people = list(history["individuals"]) + [history["individuals"].iloc[-1]]
    hover = [_hover_line(row) for row in history.itertuples(index=False)]
    fig.add_trace(
        go.Scatter(
            x=times,
            y=people,
            mode="lines+markers",
            line={"shape": "hv", "color": PEOPLE_COLOUR},
            name=_("People"),
            hovertext=hover + [_("now")],
            hoverinfo="text",
        )
    )
    marked = history[history["note"] != ""]
    if not marked.empty:
        fig.add_trace(
            go.Scatter(
                x=[to_dushanbe(t) for t in marked["at"]],
                y=marked["individuals"],
                mode="markers+text",
                marker={"symbol": "diamond", "size": 11, "color": "#d95f0e"},
                text=marked["note"],
                textposition="top center",
                name=_("Status change"),
                hoverinfo="text",
            )
        )
    fig.update_xaxes(tickformat="%d.%m %H:%M", title_text=_("Dushanbe time"))
    return _layout(fig, title)


def _hover_line(row) -> str:
    """When (Dushanbe time), people and status, and who changed it and why."""
    lines = [
        format_time(row.at),
        f"{_('People')}: {format_number(row.individuals)}",
        f"{_('Status')}: {_status(row.status)}",
    ]
    if row.user:
        lines.append(f"{_('User')}: {html.escape(str(row.user))}")
    if row.reason:
        lines.append(f"{_('Reason')}: {html.escape(str(row.reason))}")
    return "<br>".join(lines)


def build_placeholder(text: str) -> go.Figure:
    """An empty chart with a line of text (no site chosen, or an error)."""
    fig = note_no_data(go.Figure(), text)
    fig.update_annotations(font=FONT)
    fig.update_layout(height=300, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig
