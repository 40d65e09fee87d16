"""The public donor map (`/public`): the public view of the operational layers, no sign-in.

Everything this page sends goes through `eoc.publish.public_layers` first; the callback
never touches a raw frame after reading it.
"""

from __future__ import annotations

import dash
import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html

import layers
from eoc.analysis.projects import project_totals
from eoc.i18n import N_, _
from eoc.permissions import Action
from eoc.publish import PUBLIC_NOTE, PUBLISHED_LAYERS, public_layers, public_tooltip
from eoc.web import ids
from eoc.web.components.basemap import BASEMAP_LAYERS, build_basemap_style
from eoc.web.components.footer import build_footer
from eoc.web.components.map_figure import build_map_figure
from eoc.web.components.project_chart import build_project_chart
from eoc.web.components.view import COUNTRY_BOUNDS, view_of_bounds
from eoc.web.context import current_cache, current_settings
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


@guarded_layout(Action.VIEW_PUBLIC)
def layout(**_query: str) -> html.Div:
    options = [{"label": _(layers.get(name).title), "value": name} for name in PUBLIC_OPERATIONAL]
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
                    public_alerts(),
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
                config={**GRAPH_CONFIG, "scrollZoom": True},
            ),
            html.Section(
                className="public-summary",
                children=[
                    dcc.Graph(id=graph_id, className="public-chart", config=GRAPH_CONFIG)
                    for graph_id, _by, _title in SUMMARIES
                ],
            ),
            html.Footer(id=ids.PUBLIC_FOOTER, className="data-footer public-footer"),
        ],
    )


def public_alerts() -> html.Section | None:
    """The Public CAP alerts in force (eoc/alerts; Restricted ones never reach this page)."""
    from datetime import UTC, datetime

    from eoc.alerts.workflow import current_alerts
    from eoc.i18n import current_language
    from eoc.web.components.alert_banner import build_public_alert_list

    rows = current_alerts(current_cache().store.sql, now=datetime.now(UTC), scope="Public")
    return build_public_alert_list(rows, lang=current_language())


def update_public_page(visible: list[str] | None) -> tuple:
    """The donor map of the chosen layers, the project summaries and the footer, at one version."""
    cache = current_cache()
    version = cache.store.version()
    public = cache.get(
        "public-layers",
        lambda: public_layers(cache.read_layers(PAGE_LAYERS, version=version)),
        version=version,
    )
    online = current_settings().online_tiles
    basemap = cache.get(
        ("public-basemap", online),
        lambda: build_basemap_style(
            {name: public[name] for name in BASEMAP_LAYERS if name in public},
            online_tiles=online,
        ),
        version=version,
    )
    chosen = [name for name in PUBLIC_OPERATIONAL if name in (visible or []) and name in public]
    figure = build_map_figure(
        {name: public[name] for name in chosen},
        basemap=basemap,
        view=view_of_bounds(COUNTRY_BOUNDS),
        uirevision="public",
        tooltips={name: public_tooltip(layers.get(name)) for name in chosen},
    )
    return (
        figure,
        *_summaries(public),
        build_footer(version, cache.store.data_time()),
    )


def _summaries(public: dict) -> list[go.Figure]:
    projects = public[PROJECTS]
    region_names = {
        str(row.adm1_iso): str(row.name_short) for row in public["regions"].itertuples()
    }
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
    guarded_callback(
        app,
        Action.VIEW_PUBLIC,
        Output(ids.PUBLIC_MAP, "figure"),
        *(Output(graph_id, "figure") for graph_id, _by, _title in SUMMARIES),
        Output(ids.PUBLIC_FOOTER, "children"),
        Input(ids.PUBLIC_LAYER_TOGGLES, "value"),
    )(update_public_page)
