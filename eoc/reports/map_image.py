"""The report's map as a PNG, drawn on the server with matplotlib (Agg): no browser, no tiles.

Regions and districts outlined, hazard zones coloured by hazard type (stronger fill for higher
severity), occupied displacement sites sized by the people staying there, border checkpoints
by status, and the event's epicentre; the main places named (in Cyrillic on Tajik and Russian
reports where the data has the name) and a scale bar. The legend is in the language current
when drawn.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

import layers
from eoc.analysis.exposure import SEVERITY_RANK
from eoc.i18n import _, format_number, localised, place_name
from eoc.reports.model import Event

DPI = 150
SIZE_IN = (7.4, 4.6)
# Alpha of a zone's fill per severity rank (low … very high).
FILL_ALPHA = (0.18, 0.28, 0.4, 0.55)
MIN_SPAN_DEG = 1.6  # an event map shows at least this much around its zones
MARGIN = 0.12
COUNTRY_EXTENT = (67.3, 36.6, 75.2, 41.1)
SIMPLIFY_DEG = 0.003
PLACE_LABELS = 14  # the most populous places in view, plus every capital, are named
KM_PER_DEG_LAT = 111.32
SCALE_STEPS_KM = (5, 10, 20, 25, 50, 100, 200, 250, 500)
HALO = [patheffects.withStroke(linewidth=2, foreground="#ffffff")]


def draw_sitrep_map(
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    zones: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    event: Event | None = None,
) -> bytes:
    """A ~150 dpi PNG of the situation: the country, or the event's zones and surroundings."""
    figure = build_sitrep_figure(frames, zones=zones, sites=sites, event=event)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor=figure.get_facecolor())
    return buffer.getvalue()


def build_sitrep_figure(
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    zones: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    event: Event | None = None,
) -> Figure:
    """The map as a matplotlib Figure (its texts can be read back: place names, scale)."""
    figure = Figure(figsize=SIZE_IN, dpi=DPI)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_facecolor("#eef3f7")
    figure.patch.set_facecolor("#eef3f7")
    extent = _extent(zones, event)

    ax.set_autoscale_on(False)
    for name, colour in (("neighbours", "#e4e4e4"), ("country", "#fbfaf5")):
        frame = _outline(frames.get(name))
        if frame is not None and not frame.empty:
            frame.plot(ax=ax, color=colour, edgecolor="#9a9a9a", linewidth=0.5)
    districts, regions = _outline(frames.get("districts")), _outline(frames.get("regions"))
    if districts is not None and not districts.empty:
        districts.boundary.plot(ax=ax, color="#b8bec5", linewidth=0.35)
    if regions is not None and not regions.empty:
        regions.boundary.plot(ax=ax, color="#4a5562", linewidth=0.9)

    handles = _draw_zones(ax, zones)
    handles += _draw_sites(ax, sites)
    handles += _draw_checkpoints(ax, frames.get("border_checkpoints"))
    if event is not None:
        ax.plot(
            event.lon, event.lat, marker="*", markersize=15, color="#ffd400",
            markeredgecolor="#000000", markeredgewidth=0.8, zorder=6,
        )  # fmt: skip
        handles.append(
            Line2D([], [], marker="*", linestyle="", markersize=11, color="#ffd400",
                   markeredgecolor="#000000", label=_("Event"))
        )  # fmt: skip
    if regions is not None and not regions.empty:
        _label_regions(ax, regions, extent)

    west, south, east, north = _fit(extent)
    _label_places(ax, frames.get("places"), (west, south, east, north))
    _draw_scale_bar(ax, (west, south, east, north))
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / np.cos(np.radians((south + north) / 2)))
    if handles:
        legend = ax.legend(
            handles=handles, loc="upper right", fontsize=6.5, frameon=True, framealpha=0.9
        )
        legend.set_zorder(10)
    return figure


def _extent(zones: gpd.GeoDataFrame, event: Event | None) -> tuple[float, float, float, float]:
    if event is None or zones.empty:
        west, south, east, north = COUNTRY_EXTENT
    else:
        west, south, east, north = zones.total_bounds
        west, east = min(west, event.lon), max(east, event.lon)
        south, north = min(south, event.lat), max(north, event.lat)
    width, height = east - west, north - south
    grow_x = max(width * MARGIN, (MIN_SPAN_DEG - width) / 2)
    grow_y = max(height * MARGIN, (MIN_SPAN_DEG * 0.62 - height) / 2)
    if event is None:
        grow_x = grow_y = 0.0
    return west - grow_x, south - grow_y, east + grow_x, north + grow_y


def _outline(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """Context polygons simplified below a pixel (0.003° ≈ 300 m; a pixel is ≈ 0.007°)."""
    if frame is None or frame.empty:
        return frame
    return frame.set_geometry(frame.geometry.simplify(SIMPLIFY_DEG, preserve_topology=True))


def _fit(extent: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """`extent` grown to the figure's shape (degrees of longitude are short at 38° N)."""
    west, south, east, north = extent
    squash = np.cos(np.radians((south + north) / 2))
    wanted = SIZE_IN[0] / SIZE_IN[1]
    width, height = (east - west) * squash, north - south
    if width / height < wanted:
        grow = (height * wanted / squash - (east - west)) / 2
        west, east = west - grow, east + grow
    else:
        grow = ((east - west) * squash / wanted - height) / 2
        south, north = south - grow, north + grow
    return west, south, east, north


def _draw_zones(ax, zones: gpd.GeoDataFrame) -> list:
    if zones.empty:
        return []
    style = layers.get("hazard_zones").style
    field = layers.get("hazard_zones").field("hazard_type")
    rank = zones["severity"].map(SEVERITY_RANK).fillna(0).astype(int)
    # Lower severity first, so the worst zone of a place is drawn on top; one draw per group.
    ordered = zones.assign(rank=rank).sort_values("rank", kind="stable")
    for (level, hazard), group in ordered.groupby(["rank", "hazard_type"], sort=True):
        colour = style.color_of(hazard)
        shapes = group.geometry
        shapes.plot(
            ax=ax,
            facecolor=colour,
            alpha=FILL_ALPHA[min(int(level), len(FILL_ALPHA) - 1)],
            edgecolor="none",
            zorder=2,
        )
        shapes.boundary.plot(ax=ax, color=colour, linewidth=0.6, zorder=2)
    return [
        Patch(facecolor=style.color_of(h), alpha=0.5, label=_(field.value_label(h)))
        for h in dict.fromkeys(ordered["hazard_type"].astype(str))
    ]


def _draw_sites(ax, sites: gpd.GeoDataFrame) -> list:
    if sites.empty:
        return []
    people = pd.to_numeric(sites["individuals"]).fillna(0).to_numpy(float)
    sizes = 6 + np.sqrt(people) * 1.3
    ax.scatter(
        sites.geometry.x, sites.geometry.y, s=sizes, color="#1a9850", alpha=0.8,
        edgecolors="#ffffff", linewidths=0.5, zorder=4,
    )  # fmt: skip
    return [
        Line2D([], [], marker="o", linestyle="", color="#1a9850", markersize=6,
               label=_("Displacement sites (size: people)"))
    ]  # fmt: skip


def _draw_checkpoints(ax, checkpoints: gpd.GeoDataFrame | None) -> list:
    if checkpoints is None or checkpoints.empty:
        return []
    spec = layers.get("border_checkpoints")
    handles = []
    for status, group in checkpoints.groupby(checkpoints["status"].astype(str), sort=False):
        colour = spec.style.color_of(status)
        ax.scatter(
            group.geometry.x, group.geometry.y, s=34, marker="^", color=colour,
            edgecolors="#000000", linewidths=0.4, zorder=5,
        )  # fmt: skip
        label = _("Checkpoint: {status}").format(
            status=_(spec.field("status").value_label(status)).lower()
        )
        handles.append(
            Line2D([], [], marker="^", linestyle="", color=colour, markeredgecolor="#000000",
                   markersize=6, label=label)
        )  # fmt: skip
    return handles


def _label_regions(ax, regions: gpd.GeoDataFrame, extent) -> None:
    west, south, east, north = extent
    points = regions.geometry.representative_point()
    for row, point in zip(regions.itertuples(index=False), points, strict=True):
        if west < point.x < east and south < point.y < north:
            ax.annotate(
                localised(row, "name_short"), (point.x, point.y), fontsize=6, color="#39424d",
                ha="center", alpha=0.8, zorder=3,
            )  # fmt: skip


def _label_places(ax, places: gpd.GeoDataFrame | None, extent) -> None:
    """Name the capitals and the most populous places in view, with a white halo."""
    if places is None or places.empty:
        return
    west, south, east, north = extent
    x, y = places.geometry.x, places.geometry.y
    inside = places[((x > west) & (x < east) & (y > south) & (y < north)).to_numpy(dtype=bool)]
    if inside.empty:
        return
    capital = inside["capital"].notna() if "capital" in inside.columns else False
    people = pd.to_numeric(inside.get("population"), errors="coerce").fillna(0)
    ranked = inside.assign(_capital=capital, _people=people).sort_values(
        ["_capital", "_people"], ascending=False
    )
    for row in ranked.head(PLACE_LABELS).itertuples(index=False):
        point = row.geometry
        ax.plot(point.x, point.y, marker="o", markersize=2.2, color="#222222", zorder=7)
        ax.annotate(
            place_name(row), (point.x, point.y), xytext=(3, 2), textcoords="offset points",
            fontsize=5.8, color="#111111", zorder=7, path_effects=HALO,
        )  # fmt: skip


def scale_bar_km(extent) -> float:
    """A round length of about a fifth of the map's width, in km."""
    west, south, east, north = extent
    km_per_deg = KM_PER_DEG_LAT * np.cos(np.radians((south + north) / 2))
    target = (east - west) * km_per_deg / 5
    return max((step for step in SCALE_STEPS_KM if step <= target), default=SCALE_STEPS_KM[0])


def _draw_scale_bar(ax, extent) -> None:
    west, south, east, north = extent
    length_km = scale_bar_km(extent)
    km_per_deg = KM_PER_DEG_LAT * np.cos(np.radians((south + north) / 2))
    x0 = west + (east - west) * 0.03
    y0 = south + (north - south) * 0.04
    x1 = x0 + length_km / km_per_deg
    tick = (north - south) * 0.012
    ax.plot([x0, x1], [y0, y0], color="#111111", linewidth=1.6, zorder=8, solid_capstyle="butt")
    for x in (x0, x1):
        ax.plot([x, x], [y0 - tick, y0 + tick], color="#111111", linewidth=1, zorder=8)
    ax.annotate(
        _("{km} km").format(km=format_number(length_km)), ((x0 + x1) / 2, y0 + tick),
        xytext=(0, 2), textcoords="offset points", ha="center", fontsize=6, zorder=8,
        path_effects=HALO,
    )  # fmt: skip
