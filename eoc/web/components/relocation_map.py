"""The map of a relocation plan: each move drawn along its road route, as wide as the number of
people, over the offline basemap; the area left drawn beneath; closed roads in red (dotted
where they are kept at a penalty).
"""

from __future__ import annotations

import html

import geopandas as gpd
import plotly.graph_objects as go

from eoc.analysis.relocation import RelocationPlan
from eoc.analysis.road_closures import RoadClosures
from eoc.i18n import _, current_language, format_number
from eoc.web.components.basemap import LABEL_FONT, localise_labels
from eoc.web.components.geojson import to_geojson
from eoc.web.components.view import COUNTRY_BOUNDS, MapView, view_of_bounds

FLOW_COLOUR = "#d95f0e"
ORIGIN_COLOUR = "#8c2d04"
SITE_COLOUR = "#1a9850"
AREA_COLOUR = "rgba(140, 86, 75, 0.30)"
CLOSED_COLOUR = "#d7191c"
MIN_WIDTH, MAX_WIDTH = 1.5, 12.0
PAD_DEG = 0.15


def _points(frame: gpd.GeoDataFrame, id_field: str) -> dict[str, tuple[float, float]]:
    """id -> (lon, lat) of a point inside each feature, in WGS 84."""
    if frame.empty:
        return {}
    inside = frame.to_crs(4326).geometry.representative_point()
    ids = frame[id_field].astype(str)
    return {i: (p.x, p.y) for i, p in zip(ids, inside, strict=True)}


def build_flow_figure(
    plan: RelocationPlan,
    origins: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    basemap: dict,
    area: gpd.GeoDataFrame | None = None,
    lines: gpd.GeoSeries | None = None,
    closures: RoadClosures | None = None,
    penalised: bool = False,
) -> go.Figure:
    """Flow lines (one trace per move, width by people), origins and receiving sites.

    `lines` (EPSG:4326, one per row of `plan.flows`) are the road routes; without them a move
    is drawn straight from origin to site. `closures` are drawn as red roads.
    """
    at_origin = _points(origins, "origin_id")
    at_site = _points(sites, "site_id")
    biggest = max([int(p) for p in plan.flows["people"]] or [1])
    fig = go.Figure()
    if closures is not None and not closures.segments.empty:
        fig.add_trace(_closed_roads(closures, penalised=penalised))
    for k, move in enumerate(plan.flows.itertuples()):
        start, end = at_origin.get(str(move.origin_id)), at_site.get(str(move.site_id))
        if start is None or end is None:
            continue
        if lines is not None:
            lon, lat = (list(axis) for axis in lines.iloc[k].xy)
        else:
            lon, lat = [start[0], end[0]], [start[1], end[1]]
        width = MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * int(move.people) / biggest
        text = _("{people} people: {origin} → {site}, {km} km by road").format(
            people=format_number(int(move.people)),
            origin=html.escape(str(move.origin_name)),
            site=html.escape(str(move.site_name)),
            km=format_number(round(float(move.distance_km), 1)),
        )
        fig.add_trace(
            go.Scattermap(
                lon=lon,
                lat=lat,
                mode="lines",
                line={"width": width, "color": FLOW_COLOUR},
                opacity=0.75,
                hovertext=[text] * len(lon),
                hoverinfo="text",
                showlegend=False,
                meta={"role": "flow", "people": int(move.people)},
            )
        )
    incoming = plan.flows.groupby("site_id")["people"].sum()
    receiving = [s for s in incoming.index if str(s) in at_site]
    names = plan.flows.drop_duplicates("site_id").set_index("site_id")["site_name"]
    fig.add_trace(
        go.Scattermap(
            lon=[at_site[str(s)][0] for s in receiving],
            lat=[at_site[str(s)][1] for s in receiving],
            mode="markers+text",
            marker={"size": 12, "color": SITE_COLOUR},
            # MapLibre draws marker text as plain text: escaping it showed "Vose&#x27;".
            text=[str(names[s]) for s in receiving],
            textposition="top right",
            textfont={"family": LABEL_FONT, "size": 11},
            hovertext=[
                _("{site}: receives {people}").format(
                    site=html.escape(str(names[s])), people=format_number(int(incoming[s]))
                )
                for s in receiving
            ],
            hoverinfo="text",
            name=_("Receiving sites"),
            meta={"role": "sites"},
        )
    )
    fig.add_trace(
        go.Scattermap(
            lon=[p[0] for p in at_origin.values()],
            lat=[p[1] for p in at_origin.values()],
            mode="markers",
            marker={"size": 10, "color": ORIGIN_COLOUR},
            hovertext=[
                _("{origin}: {people} to move").format(
                    origin=html.escape(str(row.name)), people=format_number(int(row.people))
                )
                for row in origins.itertuples()
            ],
            hoverinfo="text",
            name=_("Origins"),
            meta={"role": "origins"},
        )
    )
    view = _view([*at_origin.values(), *(at_site[str(s)] for s in receiving)])
    area_layers = []
    if area is not None and not area.empty:
        area_layers.append(
            {
                "sourcetype": "geojson",
                "source": to_geojson(area.to_crs(4326), simplify_deg=0.001),
                "type": "fill",
                "color": AREA_COLOUR,
                "below": "traces",
            }
        )
    fig.update_layout(
        map={
            "style": localise_labels(basemap, lang=current_language()),
            "center": {"lat": view.lat, "lon": view.lon},
            "zoom": view.zoom,
            "layers": area_layers,
        },
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        legend={"x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.85)"},
        hoverlabel={"font": {"family": "Noto Sans, sans-serif"}},
        uirevision="relocation",
    )
    return fig


def _closed_roads(closures: RoadClosures, *, penalised: bool) -> go.Scattermap:
    """Every closed segment in one trace (None between segments), hover says why."""
    lon: list[float | None] = []
    lat: list[float | None] = []
    text: list[str] = []
    for row in closures.segments.itertuples():
        xs, ys = row.geometry.xy
        why = html.escape(str(row.cause_name))
        lon += [*xs, None]
        lat += [*ys, None]
        text += [why] * len(xs) + [""]
    name = _("Closed roads (used only if no other way)") if penalised else _("Closed roads")
    return go.Scattermap(
        lon=lon,
        lat=lat,
        mode="lines",
        line={"width": 4, "color": CLOSED_COLOUR},
        opacity=0.5 if penalised else 0.9,
        hovertext=text,
        hoverinfo="text",
        name=name,
        meta={"role": "closed_roads"},
    )


def _view(points: list[tuple[float, float]]) -> MapView:
    if not points:
        return view_of_bounds(COUNTRY_BOUNDS)
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return view_of_bounds(
        (min(lons) - PAD_DEG, min(lats) - PAD_DEG, max(lons) + PAD_DEG, max(lats) + PAD_DEG),
        width_px=700,
    )


def build_empty_map(*, basemap: dict) -> go.Figure:
    """The country before any plan is run."""
    view = view_of_bounds(COUNTRY_BOUNDS, width_px=700)
    fig = go.Figure(go.Scattermap(lon=[], lat=[], mode="markers", showlegend=False))
    fig.update_layout(
        map={
            "style": localise_labels(basemap, lang=current_language()),  # place names in Cyrillic
            "center": {"lat": view.lat, "lon": view.lon},
            "zoom": view.zoom,
        },
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        uirevision="relocation",
    )
    return fig
