"""The operations map: operational layers as MapLibre traces over the offline basemap."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go

import layers
from eoc.i18n import _, format_number, format_time
from eoc.web.components.geojson import to_geojson
from eoc.web.components.view import MapView


def build_map_figure(
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    basemap: dict,
    view: MapView,
    uirevision: str = "map",
    tooltips: Mapping[str, Sequence[str]] | None = None,
) -> go.Figure:
    """One trace per layer and category, in registry order; hover shows the tooltip fields.

    `tooltips` replaces a layer's tooltip fields (the public map passes only public ones).
    """
    fig = go.Figure()
    for name, spec in layers.REGISTRY.items():
        gdf = frames.get(name)
        if gdf is None:
            continue
        fields = tuple((tooltips or {}).get(name, spec.tooltip)) or (spec.id_field,)
        for category, part in _categories(gdf, spec):
            if spec.geometry == "Point":
                fig.add_trace(_points(part, spec, category, fields))
            elif spec.geometry == "Polygon":
                fig.add_trace(_polygons(part, spec, category, fields))
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
    if key is None or key not in gdf.columns:
        yield None, gdf
        return
    for category in sorted(gdf[key].dropna().unique()):
        yield str(category), gdf[gdf[key] == category]


def _trace_labels(spec: layers.LayerSpec, category: str | None) -> dict:
    title = _(spec.title)
    key = spec.style.color_by
    name = title if category is None else _(spec.field(key).value_label(category))
    return {
        "name": name,
        "legendgroup": spec.name,
        "legendgrouptitle": {"text": title},
        "meta": {"layer": spec.name, "category": category},
        "showlegend": True,
    }


def _hover(
    gdf: gpd.GeoDataFrame, spec: layers.LayerSpec, fields: Sequence[str]
) -> tuple[list[list[str]], str]:
    customdata = [
        [html.escape(format_value(row[f], spec.field(f))) for f in fields]
        for _row_index, row in gdf.iterrows()
    ]
    lines = ["<b>%{customdata[0]}</b>"] + [
        f"{html.escape(_(spec.field(f).title))}: %{{customdata[{i}]}}"
        for i, f in enumerate(fields)
        if i
    ]
    return customdata, "<br>".join(lines) + f"<extra>{html.escape(_(spec.title))}</extra>"


def format_value(value: object, field: layers.Field | None = None) -> str:
    """A field value as a duty officer reads it, in the current language."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "—"
    if isinstance(value, float) and value != value:
        return "—"
    if isinstance(value, pd.Timestamp):
        if field is not None and field.type == "date":
            return value.strftime("%Y-%m-%d")
        return format_time(value.to_pydatetime())
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return format_number(value)
    if field is not None and field.allowed is not None:
        return _(field.value_label(value))
    return str(value)


def _points(
    gdf: gpd.GeoDataFrame, spec: layers.LayerSpec, category: str | None, fields: Sequence[str]
) -> go.Scattermap:
    customdata, template = _hover(gdf, spec, fields)
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
    gdf: gpd.GeoDataFrame, spec: layers.LayerSpec, category: str | None, fields: Sequence[str]
) -> go.Choroplethmap:
    customdata, template = _hover(gdf, spec, fields)
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
