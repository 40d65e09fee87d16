"""The operations map (`/`): the four operational layers over the offline basemap."""

from __future__ import annotations

import dash
from dash import Dash, Input, Output, dcc, html

import layers
from eoc.analysis.regions import features_in_region, region_geometry
from eoc.i18n import N_, _, localised
from eoc.permissions import Action
from eoc.web import ids
from eoc.web.components.basemap import BASEMAP_LAYERS, build_basemap_style
from eoc.web.components.footer import build_footer
from eoc.web.components.map_figure import build_map_figure
from eoc.web.components.view import COUNTRY_BOUNDS, view_of_bounds
from eoc.web.context import current_cache, current_settings
from eoc.web.security import guarded_callback, guarded_layout

ALL_REGIONS = "all"


@guarded_layout(Action.VIEW_INTERNAL)
def layout(**_query: str) -> html.Div:
    cache = current_cache()
    regions = cache.read_layers(["regions"], version=cache.store.version())["regions"]
    region_options = [{"label": _("All Tajikistan"), "value": ALL_REGIONS}] + [
        {"label": localised(row, "name_short"), "value": str(row.adm1_iso)}
        for row in regions.sort_values("adm1_name").itertuples()
    ]
    layer_options = [
        {"label": _(layers.get(name).title), "value": name} for name in layers.OPERATIONAL
    ]
    return html.Div(
        className="ops-page",
        children=[
            html.Aside(
                className="ops-controls",
                children=[
                    html.H2(_("Layers")),
                    dcc.Checklist(
                        id=ids.LAYER_TOGGLES,
                        options=layer_options,
                        value=list(layers.OPERATIONAL),
                        className="layer-toggles",
                    ),
                    html.H2(_("Region")),
                    dcc.Dropdown(
                        id=ids.REGION,
                        options=region_options,
                        value=ALL_REGIONS,
                        clearable=False,
                    ),
                ],
            ),
            dcc.Graph(
                id=ids.MAP,
                className="ops-map",
                config={"displaylogo": False, "scrollZoom": True},
            ),
            html.Footer(id=ids.FOOTER, className="data-footer"),
        ],
    )


def update_map(visible: list[str] | None, region: str | None) -> tuple:
    """Redraw the map for the chosen layers and region."""
    cache = current_cache()
    version = cache.store.version()
    chosen = [name for name in layers.OPERATIONAL if name in (visible or [])]
    frames = cache.read_layers(chosen, version=version)
    bounds = COUNTRY_BOUNDS
    if region and region != ALL_REGIONS:
        regions = cache.read_layers(["regions"], version=version)["regions"]
        frames = features_in_region(frames, regions, region)
        bounds = region_geometry(regions, region).bounds
    online = current_settings().online_tiles
    basemap = cache.get(
        ("basemap", online),
        lambda: build_basemap_style(
            cache.read_layers(BASEMAP_LAYERS, version=version), online_tiles=online
        ),
        version=version,
    )
    figure = build_map_figure(
        frames, basemap=basemap, view=view_of_bounds(bounds), uirevision=region or ALL_REGIONS
    )
    return figure, build_footer(version, cache.store.data_time())


def register(app: Dash) -> None:
    dash.register_page(
        __name__,
        path="/",
        title=N_("EOC Tajikistan — Operations"),
        layout=layout,
        name=N_("Operations"),
        action=Action.VIEW_INTERNAL,
    )
    guarded_callback(
        app,
        Action.VIEW_INTERNAL,
        Output(ids.MAP, "figure"),
        Output(ids.FOOTER, "children"),
        Input(ids.LAYER_TOGGLES, "value"),
        Input(ids.REGION, "value"),
    )(update_map)
