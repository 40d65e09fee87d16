"""The operations map: operational layers as MapLibre traces over the offline basemap."""

from __future__ import annotations

import html
from collections.abc import Mapping

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go

import layers
from eoc.web.components.geojson import to_geojson
from eoc.web.components.view import MapView


def build_map_figure(
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    basemap: dict,
    view: MapView,
    uirevision: str = "map",
) -> go.Figure:
    """One trace per layer and category, in registry order; hover shows the tooltip fields."""
    fig = go.Figure()
    for name, spec in layers.REGISTRY.items():
        gdf = frames.get(name)
        if gdf is None:
            continue
        for category, part in _categories(gdf, spec):
            if spec.geometry == "Point":
                fig.add_trace(_points(part, spec, category))
            elif spec.geometry == "Polygon":
                fig.add_trace(_polygons(part, spec, category))
    fig.update_layout(
        map={
            "style": basemap,
            "center": {"lat": view.lat, "lon": view.lon},
            "zoom": view.zoom,
            "uirevision": uirevision,
        },
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        autosize=True,
        legend={
            "x": 0.01,
            "y": 0.99,
            "bgcolor": "rgba(255,255,255,0.85)",
            "groupclick": "toggleitem",
        },
        uirevision=uirevision,
        hoverlabel={"font": {"family": "Noto Sans, sans-serif"}},
    )
    return fig


def _categories(gdf: gpd.GeoDataFrame, spec: layers.LayerSpec):
    key = spec.style.color_by
    if key is None:
        yield None, gdf
        return
    for category in sorted(gdf[key].dropna().unique()):
        yield str(category), gdf[gdf[key] == category]


def _trace_labels(spec: layers.LayerSpec, category: str | None) -> dict:
    name = spec.title if category is None else category.replace("_", " ")
    return {
        "name": name,
        "legendgroup": spec.name,
        "legendgrouptitle": {"text": spec.title},
        "meta": {"layer": spec.name, "category": category},
        "showlegend": True,
    }


def _hover(gdf: gpd.GeoDataFrame, spec: layers.LayerSpec) -> tuple[list[list[str]], str]:
    fields = spec.tooltip or (spec.id_field,)
    customdata = [[html.escape(format_value(row[f])) for f in fields] for _, row in gdf.iterrows()]
    lines = ["<b>%{customdata[0]}</b>"] + [
        f"{spec.field(f).title}: %{{customdata[{i}]}}" for i, f in enumerate(fields) if i
    ]
    return customdata, "<br>".join(lines) + f"<extra>{html.escape(spec.title)}</extra>"


def format_value(value: object) -> str:
    """A field value as a duty officer reads it."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "—"
    if isinstance(value, float) and value != value:
        return "—"
    if isinstance(value, pd.Timestamp):
        return (
            value.strftime("%Y-%m-%d %H:%M UTC")
            if value.hour or value.minute
            else (value.strftime("%Y-%m-%d"))
        )
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return f"{int(value):,}"
    return str(value).replace("_", " ")


def _points(gdf: gpd.GeoDataFrame, spec: layers.LayerSpec, category: str | None) -> go.Scattermap:
    customdata, template = _hover(gdf, spec)
    return go.Scattermap(
        lat=gdf.geometry.y.round(5).tolist(),
        lon=gdf.geometry.x.round(5).tolist(),
        mode="markers",
        marker={"size": spec.style.marker_size, "color": spec.style.color_of(category)},
        customdata=customdata,
        hovertemplate=template,
        **_trace_labels(spec, category),
    )


def _polygons(
    gdf: gpd.GeoDataFrame, spec: layers.LayerSpec, category: str | None
) -> go.Choroplethmap:
    customdata, template = _hover(gdf, spec)
    color = spec.style.color_of(category)
    return go.Choroplethmap(
        geojson=to_geojson(gdf, simplify_deg=0.001, id_field=spec.id_field),
        locations=[str(v) for v in gdf[spec.id_field]],
        z=[1] * len(gdf),
        colorscale=[[0, color], [1, color]],
        showscale=False,
        marker={"opacity": spec.style.fill_opacity, "line": {"color": color, "width": 1}},
        customdata=customdata,
        hovertemplate=template,
        **_trace_labels(spec, category),
    )
