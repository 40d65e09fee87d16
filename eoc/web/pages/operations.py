"""The operations map (`/`): the four operational layers over the offline basemap."""

from __future__ import annotations

import dash
from dash import Dash, Input, Output, State, dcc, html

import layers
from eoc.analysis.regions import features_in_region, region_geometry
from eoc.i18n import N_, _, localised
from eoc.permissions import Action
from eoc.web import ids
from eoc.web.components.basemap import BASEMAP_LAYERS, build_basemap_style
from eoc.web.components.footer import build_footer
from eoc.web.components.map_figure import (
    build_layer_patch,
    build_map_figure,
    build_visibility_patch,
)
from eoc.web.components.map_update import plan_map_update
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
            dcc.Interval(id=ids.POLL, interval=int(current_settings().refresh_s * 1000)),
            dcc.Store(id=ids.VERSION),
            dcc.Store(id=ids.MAP_STATE),
        ],
    )


def poll_version(_ticks: int | None, known: int | None):
    """The store version, sent only when it differs from what the page knows (a cheap poll)."""
    version = current_cache().store.version()
    return dash.no_update if version == known else version


def update_map(
    version: int | None, visible: list[str] | None, region: str | None, state: dict | None
) -> tuple:
    """Draw the map, or patch only what changed since the drawn state."""
    cache = current_cache()
    version = cache.store.version() if version is None else version
    region = region or ALL_REGIONS
    hidden = [name for name in layers.OPERATIONAL if name not in (visible or [])]
    step = plan_map_update(state, version=version, region=region, hidden=hidden)
    new_state = {"version": version, "region": region, "hidden": hidden}
    footer = build_footer(version, cache.store.data_time())
    if step is None:
        return dash.no_update, dash.no_update, dash.no_update
    if step == "visibility":
        return build_visibility_patch(layers.OPERATIONAL, hidden=hidden), footer, new_state
    changed = (
        set(layers.OPERATIONAL)
        if step == "full"
        else cache.store.changed_layers(state["version"]) & set(layers.OPERATIONAL)
    )
    frames = cache.read_layers(sorted(changed), version=version)
    if region != ALL_REGIONS:
        regions = cache.read_layers(["regions"], version=version)["regions"]
        frames = features_in_region(frames, regions, region)
    if step == "layers":
        patch = build_layer_patch(frames, shown=layers.OPERATIONAL, changed=changed, hidden=hidden)
        return patch, footer, new_state
    return _full_figure(cache, frames, version, region, hidden), footer, new_state


def _full_figure(cache, frames, version: int, region: str, hidden: list[str]):
    bounds = COUNTRY_BOUNDS
    if region != ALL_REGIONS:
        regions = cache.read_layers(["regions"], version=version)["regions"]
        bounds = region_geometry(regions, region).bounds
    online = current_settings().online_tiles
    basemap = cache.get(
        ("basemap", online),
        lambda: build_basemap_style(
            cache.read_layers(BASEMAP_LAYERS, version=version), online_tiles=online
        ),
        version=version,
    )
    return build_map_figure(
        frames, basemap=basemap, view=view_of_bounds(bounds), uirevision=region, hidden=hidden
    )


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
        Output(ids.VERSION, "data"),
        Input(ids.POLL, "n_intervals"),
        State(ids.VERSION, "data"),
    )(poll_version)
    guarded_callback(
        app,
        Action.VIEW_INTERNAL,
        Output(ids.MAP, "figure"),
        Output(ids.FOOTER, "children"),
        Output(ids.MAP_STATE, "data"),
        Input(ids.VERSION, "data"),
        Input(ids.LAYER_TOGGLES, "value"),
        Input(ids.REGION, "value"),
        State(ids.MAP_STATE, "data"),
    )(update_map)
