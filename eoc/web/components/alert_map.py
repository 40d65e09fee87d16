"""CAP alerts in force drawn on a map: each alert's area outlined, hover with its headline.

The alert traces come after the layers' traces (`map_figure.trace_slots`), one per scope,
empty ones included, so they sit at fixed positions and a refresh can replace just them
(`patch_alert_traces`) the way `build_layer_patch` replaces a layer's. Their `meta.layer` is
ALERT_LAYER, which is not a store layer: a click on an alert area opens no feature detail.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import geopandas as gpd
import plotly.graph_objects as go
from dash import Patch
from dash import html as dhtml

from eoc.alerts.areas import alert_areas
from eoc.alerts.model import SCOPES
from eoc.alerts.workflow import AlertRow
from eoc.i18n import N_, _, format_zoned_time
from eoc.web.components.alert_banner import SCOPE_LABELS, alert_kind
from eoc.web.components.basemap import PLACE_LABELS
from eoc.web.components.geojson import to_geojson
from eoc.web.components.map_legend import legend_group

ALERT_LAYER = "cap_alerts"
ALERTS_TITLE = N_("Alerts in force (CAP)")
# The wall banner's colours (assets/alerts.css): red for Public, purple for Restricted.
SCOPE_COLOURS = {"Public": "#b00020", "Restricted": "#6a1b9a"}
LINE_WIDTH = 3
# The fill is a tint in the colour itself, so the layers under the area stay readable and it
# still hovers; marker.opacity would fade the outline too (plotly.js applies it to both).
FILL_ALPHA = 0.08


def alert_area_traces(
    rows: Sequence[AlertRow],
    *,
    lang: str,
    scopes: Sequence[str] = SCOPES,
    visible: bool = True,
) -> list[go.Choroplethmap]:
    """One outline trace per scope in `scopes` of the alerts `rows` (those in force)."""
    areas = alert_areas([r for r in rows if r.scope in scopes], lang=lang)
    return [_trace(areas[areas["scope"] == scope], scope, visible=visible) for scope in scopes]


def patch_alert_traces(patch: Patch, traces: Sequence[go.Choroplethmap], *, start: int) -> Patch:
    """`patch` with the alert traces replaced, the first at index `start` of the figure."""
    for offset, trace in enumerate(traces):
        patch["data"][start + offset] = trace.to_plotly_json()
    return patch


def alert_legend_group(scopes: Sequence[str] = SCOPES) -> dhtml.Div:
    """The legend group of the alert outlines, for an HTML legend (`build_map_legend`)."""
    rows = [(_(SCOPE_LABELS[s]), SCOPE_COLOURS[s]) for s in scopes]
    return legend_group(ALERT_LAYER, _(ALERTS_TITLE), rows, shape="legend-outline")


def _trace(areas: gpd.GeoDataFrame, scope: str, *, visible: bool) -> go.Choroplethmap:
    colour = SCOPE_COLOURS[scope]
    tint = _rgba(colour, FILL_ALPHA)
    customdata = [
        [
            html.escape(str(row.headline)),
            html.escape(alert_kind(row.msg_type, scope)),
            html.escape(format_zoned_time(row.expires_at)),
        ]
        for row in areas.itertuples(index=False)
    ]
    template = (
        "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>"
        + html.escape(_("Expires"))
        + ": %{customdata[2]}"
        + f"<extra>{html.escape(_(ALERTS_TITLE))}</extra>"
    )
    return go.Choroplethmap(
        geojson=to_geojson(areas, id_field="alert_id"),
        locations=[str(v) for v in areas["alert_id"]],
        z=[1] * len(areas),
        colorscale=[[0, tint], [1, tint]],
        showscale=False,
        marker={"opacity": 1, "line": {"color": colour, "width": LINE_WIDTH}},
        customdata=customdata,
        hovertemplate=template,
        below=PLACE_LABELS,
        name=_(SCOPE_LABELS[scope]),
        legendgroup=ALERT_LAYER,
        legendgrouptitle={"text": _(ALERTS_TITLE)},
        meta={"layer": ALERT_LAYER, "category": scope},
        showlegend=bool(len(areas)),
        visible=visible,
    )


def _rgba(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"
