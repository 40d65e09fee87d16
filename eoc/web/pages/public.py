"""The public donor map (`/public`): the public view of the operational layers, no sign-in.

Everything this page sends goes through `eoc.publish.public_layers` first; the callback
never touches a raw frame after reading it. Its answer is the same for every visitor, so it
is built once per (store version, language, layers chosen) and served from the cache the
workers share (`eoc.web.public_cache`). The basemap's GeoJSON is not embedded in the figure
but sent by URL (`/public/geojson/<hash>.json`, addressed by its content, kept by browsers).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import dash
import flask
import plotly.graph_objects as go
from dash import ClientsideFunction, Dash, Input, Output, dcc, html

import layers
from eoc.alerts.workflow import AlertRow
from eoc.analysis.active import active_at, changes_passed
from eoc.analysis.kpis import compute_public_kpis
from eoc.analysis.projects import project_totals
from eoc.i18n import N_, _, current_language
from eoc.permissions import Action
from eoc.publish import PUBLIC_NOTE, PUBLISHED_LAYERS, public_layers, public_tooltip
from eoc.web import ids
from eoc.web.alerts_in_force import alerts_in_force, published_rows
from eoc.web.components.alert_banner import build_public_alert_list
from eoc.web.components.alert_map import alert_area_traces, alert_legend_group
from eoc.web.components.basemap import BASEMAP_LAYERS, build_basemap_style
from eoc.web.components.footer import build_footer
from eoc.web.components.kpi_tiles import PUBLIC_TILES, build_kpi_tiles
from eoc.web.components.map_figure import build_map_figure
from eoc.web.components.map_legend import build_map_legend
from eoc.web.components.project_chart import build_project_chart, region_labels
from eoc.web.components.view import COUNTRY_BOUNDS, MAP_WIDTH_PX, VIEW_ASPECT, view_of_bounds
from eoc.web.context import current_cache, current_settings
from eoc.web.public_cache import ANSWERS_KEY, CachedCallback, current_answers
from eoc.web.security import guarded_callback, guarded_layout

PUBLIC_OPERATIONAL = tuple(
    name
    for name in layers.OPERATIONAL
    if name in PUBLISHED_LAYERS and not layers.get(name).sensitive
)
PROJECTS = "infrastructure_projects"
# Layers read for the page: what it maps, the basemap, and the regions that name the summary.
PAGE_LAYERS = tuple(dict.fromkeys((*PUBLIC_OPERATIONAL, *BASEMAP_LAYERS, "regions")))
SUMMARIES = (
    (ids.PUBLIC_BY_DONOR, "donor", N_("Projects by donor")),
    (ids.PUBLIC_BY_CATEGORY, "category", N_("Projects by kind")),
    (ids.PUBLIC_BY_REGION, "adm1_iso", N_("Projects by region")),
)
GRAPH_CONFIG = {"displaylogo": False, "responsive": True}
PAGE_OUTPUTS = (
    Output(ids.PUBLIC_MAP, "figure"),
    *(Output(graph_id, "figure") for graph_id, _by, _title in SUMMARIES),
    Output(ids.PUBLIC_FOOTER, "children"),
    Output(ids.PUBLIC_KPIS, "children"),
)
GEOJSON_ROUTE = "/public/geojson/"
GEOJSON_TYPE = "application/geo+json"
PUBLIC_SCOPES = ("Public",)  # the only alerts this page ever reads


@guarded_layout(Action.VIEW_PUBLIC)
def layout(**_query: str) -> html.Div:
    options = [{"label": _(layers.get(name).title), "value": name} for name in PUBLIC_OPERATIONAL]
    alerts = public_alert_rows(datetime.now(UTC))
    return html.Div(
        className="public-page",
        children=[
            html.Section(
                className="public-intro",
                children=[
                    html.H2(_("Displacement, hazards and community projects in Tajikistan")),
                    html.P(
                        _(PUBLIC_NOTE),
                        className="public-note",
                    ),
                    build_public_alert_list(alerts, lang=current_language()),
                    html.Div(id=ids.PUBLIC_KPIS, className="public-kpis"),
                    dcc.Checklist(
                        id=ids.PUBLIC_LAYER_TOGGLES,
                        options=options,
                        value=list(PUBLIC_OPERATIONAL),
                        className="layer-toggles public-toggles",
                        inline=True,
                    ),
                ],
            ),
            dcc.Graph(
                id=ids.PUBLIC_MAP,
                className="public-map",
                # Its own height, or Dash sets 100% (of the page) inline (assets/public.css).
                style={"height": "var(--public-map-height)"},
                config={**GRAPH_CONFIG, "scrollZoom": True},
            ),
            dcc.Store(id=ids.PUBLIC_MAP_FITTED),  # written by the browser's fit (assets/)
            # Beside the map, not on it: on a phone Plotly's legend covered half the map.
            build_map_legend(
                PUBLIC_OPERATIONAL,
                element_id=ids.PUBLIC_LEGEND,
                extra=[alert_legend_group(PUBLIC_SCOPES)] if alerts else [],
            ),
            html.Section(
                className="public-summary",
                children=[
                    # No toolbar: on a phone it covered the chart's title.
                    dcc.Graph(
                        id=graph_id,
                        className="public-chart",
                        config={**GRAPH_CONFIG, "displayModeBar": False},
                    )
                    for graph_id, _by, _title in SUMMARIES
                ],
            ),
            html.Footer(id=ids.PUBLIC_FOOTER, className="data-footer public-footer"),
        ],
    )


def public_alert_rows(now: datetime) -> list[AlertRow]:
    """The Public CAP alerts in force (eoc/alerts; Restricted ones never reach this page)."""
    return alerts_in_force(now=now, scope=PUBLIC_SCOPES[0])


def update_public_page(visible: list[str] | None, *, now: datetime | None = None) -> tuple:
    """The headline figures, the donor map of the chosen layers, the project summaries and
    the footer, at one version."""
    cache = current_cache()
    version = cache.store.version()
    # Kept by the frames they come from: an edit of a layer the public never sees (incidents)
    # or of one operational layer does not rebuild the basemap.
    public = cache.get_derived(
        "public-layers",
        PAGE_LAYERS,
        lambda: public_layers(cache.read_layers(PAGE_LAYERS, version=version)),
        version=version,
    )
    online = current_settings().online_tiles
    basemap = cache.get_derived(
        ("public-basemap-by-url", online),
        PAGE_LAYERS,
        lambda: public_basemap(public, online_tiles=online),
        version=version,
    )
    chosen = [name for name in PUBLIC_OPERATIONAL if name in (visible or []) and name in public]
    clock = now or datetime.now(UTC)
    alerts = alert_area_traces(
        public_alert_rows(clock), lang=current_language(), scopes=PUBLIC_SCOPES
    )
    # Zones in force only, as the tile counts them (ended summer floods are not drawn).
    in_force = {**public, "hazard_zones": active_at(public["hazard_zones"], clock)}
    figure = build_map_figure(
        {name: in_force[name] for name in chosen},
        basemap=basemap,
        view=view_of_bounds(COUNTRY_BOUNDS),
        uirevision="public",
        tooltips={name: public_tooltip(layers.get(name)) for name in chosen},
        overlays=alerts,
    )
    figure.update_layout(
        showlegend=False,  # the HTML legend under the map names the colours
        # The width the view was fitted for: a narrower map zooms out (assets/public_map.js).
        meta={"view_width_px": MAP_WIDTH_PX, "view_aspect": VIEW_ASPECT},
    )
    figures = compute_public_kpis(public, now=clock)
    return (
        figure,
        *_summaries(public),
        build_footer(version, cache.store.data_time()),
        build_kpi_tiles(figures, tiles=PUBLIC_TILES),
    )


def public_basemap(public: dict, *, online_tiles: bool) -> dict:
    """The basemap style of the public frames, its GeoJSON kept in the shared cache."""
    context = {name: public[name] for name in BASEMAP_LAYERS if name in public}
    return basemap_by_url(build_basemap_style(context, online_tiles=online_tiles))


def basemap_by_url(style: dict) -> dict:
    """`style` with each embedded GeoJSON source kept in the shared cache and sent by URL."""
    answers = current_answers()
    sources = {}
    for name, source in style["sources"].items():
        if source.get("type") == "geojson" and isinstance(source.get("data"), dict):
            body = json.dumps(source["data"], separators=(",", ":")).encode()
            source = {**source, "data": f"{GEOJSON_ROUTE}{answers.put_blob(body)}.json"}
        sources[name] = source
    return {**style, "sources": sources}


def serve_geojson(digest: str) -> flask.Response:
    """A basemap source of the public map, by its content hash (ETag, kept a year)."""
    answers = current_answers()
    found = answers.blob_response(digest, mimetype=GEOJSON_TYPE)
    if found is None:
        # Not kept (expired, or cleared since the figure was sent): build the current
        # basemap, which keeps its sources again; a hash of nothing public stays unknown.
        cache = current_cache()
        version = cache.store.version()
        frames = cache.read_layers(PAGE_LAYERS, version=version)
        public_basemap(public_layers(frames), online_tiles=current_settings().online_tiles)
        found = answers.blob_response(digest, mimetype=GEOJSON_TYPE)
    return found if found is not None else flask.abort(404)


def layers_key(inputs: list) -> str | None:
    """The cache key of the layer toggles' value (the public layers chosen, in page order),
    of the zones in force now (their starts and ends passed) and of the Public alerts in force
    (their expiries passed; a new alert, update or cancel moves the store version)."""
    visible = inputs[0].get("value") if inputs and isinstance(inputs[0], dict) else None
    if visible is None:
        visible = []
    if not isinstance(visible, list) or not all(isinstance(v, str) for v in visible):
        return None
    chosen = ",".join(name for name in PUBLIC_OPERATIONAL if name in visible) or "-"
    now = datetime.now(UTC)
    return f"{chosen}@{zone_changes_passed(now)}.{alert_expiries_passed(now)}"


def zone_changes_passed(now: datetime) -> int:
    """Starts and ends of the stored hazard zones at or before `now` (read per version)."""
    cache = current_cache()
    version = cache.version()
    zones = cache.read_layers(["hazard_zones"], version=version)["hazard_zones"]
    return changes_passed(zones, now)


def alert_expiries_passed(now: datetime) -> int:
    """Published Public alerts expired at or before `now` (read once per store version)."""
    public = [r for r in published_rows() if r.scope == PUBLIC_SCOPES[0]]
    return sum(1 for r in public if r.expires_at <= now)


def _summaries(public: dict) -> list[go.Figure]:
    projects = public[PROJECTS]
    region_names = region_labels(public["regions"])  # in the page's language
    return [
        build_project_chart(
            project_totals(projects, by=by),
            by=by,
            title=_(title),
            field=layers.get(PROJECTS).field(by),
            labels=region_names if by == "adm1_iso" else None,
        )
        for _graph_id, by, title in SUMMARIES
    ]


def register(app: Dash) -> None:
    dash.register_page(
        __name__,
        path="/public",
        title=N_("EOC Tajikistan — Public map"),
        layout=layout,
        name=N_("Public map"),
        action=Action.VIEW_PUBLIC,
    )
    before = set(app.callback_map)
    guarded_callback(
        app,
        Action.VIEW_PUBLIC,
        *PAGE_OUTPUTS,
        Input(ids.PUBLIC_LAYER_TOGGLES, "value"),
    )(update_public_page)
    (output_key,) = set(app.callback_map) - before
    app.server.config[ANSWERS_KEY].add(CachedCallback(output_key, layers_key))
    app.server.add_url_rule(f"{GEOJSON_ROUTE}<string:digest>.json", "public_geojson", serve_geojson)
    # In the browser: the country in view whatever the map's width (a phone is 390 px).
    app.clientside_callback(
        ClientsideFunction(namespace="publicmap", function_name="fit"),
        Output(ids.PUBLIC_MAP_FITTED, "data"),
        Input(ids.PUBLIC_MAP, "figure"),
    )
