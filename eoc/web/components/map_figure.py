"""The operations map: operational layers as MapLibre traces over the offline basemap."""

from __future__ import annotations

import html
from collections.abc import Collection, Iterable, Mapping, Sequence

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
from dash import Patch

import layers
from eoc.i18n import _, current_language, format_number, format_zoned_time, place_name, spells_names
from eoc.web.components.basemap import PLACE_LABELS, localise_labels
from eoc.web.components.geojson import to_geojson
from eoc.web.components.view import MapView

# A layer whose values at the moment shown are not on record (before its history begins).
GREYED_COLOUR = "#9e9e9e"
GREYED_OPACITY = 0.4
YEAR_FIELDS = frozenset({"year"})  # numbers that are years: written without grouping


def build_map_figure(
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    basemap: dict,
    view: MapView,
    uirevision: str = "map",
    tooltips: Mapping[str, Sequence[str]] | None = None,
    hidden: Collection[str] = (),
    greyed: Collection[str] = (),
    label_scale: float = 1.0,
    overlays: Sequence[go.Choroplethmap | go.Scattermap] = (),
) -> go.Figure:
    """Traces for each layer in `frames` (registry order) over the basemap.

    Every layer gets one trace per category of its style, present or not, so a layer's traces
    sit at fixed positions (`trace_slots`) and a refresh can replace just that layer's traces.
    `tooltips` replaces a layer's tooltip fields (the public map passes only public ones);
    layers in `hidden` are drawn invisible, layers in `greyed` grey (values not on record for
    the moment shown). Place names are in the page's language and drawn above the markers,
    `label_scale` times their desk size. `overlays` (what is drawn besides the layers: the
    alerts in force) come after the layers' traces, from index `len(trace_slots(frames))`.
    """
    fig = go.Figure()
    for name in _ordered(frames):
        for trace in layer_traces(
            frames[name],
            layers.get(name),
            tooltips=tooltips,
            visible=name not in hidden,
            greyed=name in greyed,
        ):
            fig.add_trace(trace)
    for trace in overlays:
        fig.add_trace(trace)
    fig.update_layout(
        map={
            "style": localise_labels(basemap, lang=current_language(), scale=label_scale),
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


def _ordered(names: Iterable[str]) -> list[str]:
    present = set(names)
    return [name for name in layers.REGISTRY if name in present]


def categories(spec: layers.LayerSpec) -> tuple[str | None, ...]:
    """The categories a layer is drawn in: the allowed values of its colour field, or one."""
    key = spec.style.color_by
    if key is None or spec.field(key).allowed is None:
        return (None,)
    return spec.field(key).allowed


def trace_slots(names: Iterable[str]) -> list[tuple[str, str | None]]:
    """(layer, category) of every trace `build_map_figure` draws for layers `names`, in order."""
    return [(name, c) for name in _ordered(names) for c in categories(layers.get(name))]


def layer_traces(
    gdf: gpd.GeoDataFrame,
    spec: layers.LayerSpec,
    *,
    tooltips: Mapping[str, Sequence[str]] | None = None,
    visible: bool = True,
    greyed: bool = False,
) -> list[go.Scattermap | go.Choroplethmap]:
    """One trace per category of `spec` (empty ones included, without a legend entry)."""
    fields = tuple((tooltips or {}).get(spec.name, spec.tooltip)) or (spec.id_field,)
    key = spec.style.color_by
    traces = []
    for category in categories(spec):
        if category is None:
            part = gdf
        elif key not in gdf.columns:  # colour field withheld (public view): one trace for all
            part = gdf if category == categories(spec)[0] else gdf.iloc[0:0]
        else:
            part = gdf[gdf[key] == category]
        draw = _points if spec.geometry == "Point" else _polygons
        trace = draw(part, spec, category, fields)
        trace.update(visible=visible, showlegend=bool(len(part)))
        if greyed:
            trace.update(marker={"opacity": GREYED_OPACITY})
            if spec.geometry == "Point":
                trace.update(marker={"color": GREYED_COLOUR})
        traces.append(trace)
    return traces


def build_layer_patch(
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    shown: Collection[str],
    changed: Collection[str],
    hidden: Collection[str] = (),
    tooltips: Mapping[str, Sequence[str]] | None = None,
    greyed: Collection[str] = (),
) -> Patch:
    """A Patch for a map showing layers `shown` that replaces only the traces of `changed`.

    The other layers' traces are not re-sent; only their visibility is set.
    """
    patch = build_visibility_patch(
        [n for n in shown if n not in changed], hidden=hidden, slots_of=shown
    )
    slots = trace_slots(shown)
    for name in _ordered(changed):
        if name not in shown:
            continue
        start = slots.index((name, categories(layers.get(name))[0]))
        traces = layer_traces(
            frames[name],
            layers.get(name),
            tooltips=tooltips,
            visible=name not in hidden,
            greyed=name in greyed,
        )
        for offset, trace in enumerate(traces):
            patch["data"][start + offset] = trace.to_plotly_json()
    return patch


def build_visibility_patch(
    layer_names: Collection[str],
    *,
    hidden: Collection[str],
    slots_of: Collection[str] | None = None,
) -> Patch:
    """A Patch that only shows or hides the layers `layer_names` (no data re-sent).

    `slots_of`: the layers the map was drawn with, if more than `layer_names`.
    """
    patch = Patch()
    for index, (name, _category) in enumerate(trace_slots(slots_of or layer_names)):
        if name in layer_names:
            patch["data"][index]["visible"] = name not in hidden
    return patch


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
        [html.escape(hover_value(row, f, spec)) for f in fields]
        for _row_index, row in gdf.iterrows()
    ]
    lines = ["<b>%{customdata[0]}</b>"] + [
        f"{html.escape(_(spec.field(f).title))}: %{{customdata[{i}]}}"
        for i, f in enumerate(fields)
        if i
    ]
    return customdata, "<br>".join(lines) + f"<extra>{html.escape(_(spec.title))}</extra>"


def hover_value(row: pd.Series, name: str, spec: layers.LayerSpec) -> str:
    """Field `name` of `row` as the hover shows it: a spelled name in the page's language."""
    if name == "name" and spells_names(spec.field_names):
        return place_name(row)
    return format_value(row[name], spec.field(name))


def format_value(value: object, field: layers.Field | None = None) -> str:
    """A field value as a duty officer reads it, in the current language."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "—"
    if isinstance(value, float) and value != value:
        return "—"
    if isinstance(value, pd.Timestamp):
        if field is not None and field.type == "date":
            return value.strftime("%Y-%m-%d")
        return format_zoned_time(value.to_pydatetime())
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field is not None and field.name in YEAR_FIELDS and isinstance(value, int | float):
        return str(int(value))  # "2018", never "2,018"
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
        ids=[str(v) for v in gdf[spec.id_field]] if spec.id_field in gdf.columns else None,
        marker={"size": spec.style.marker_size, "color": spec.style.color_of(category)},
        customdata=customdata,
        hovertemplate=template,
        below=PLACE_LABELS,  # place names stay readable above the markers
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
        below=PLACE_LABELS,  # place names stay readable above the markers
        **_trace_labels(spec, category),
    )
