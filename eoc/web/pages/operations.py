"""The operations map (`/`): the live situation, filters, feature details and the incident log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dash
from dash import Dash, Input, Output, State, dcc, html

import layers
from eoc.analysis.regions import features_in_region, region_geometry
from eoc.analysis.view_filter import situation_at
from eoc.i18n import N_, ZONE_NAME, _, current_language, format_time, localised
from eoc.permissions import Action, is_allowed
from eoc.web import ids
from eoc.web.alerts_in_force import alerts_in_force
from eoc.web.components.activity_feed import build_activity_feed
from eoc.web.components.alert_banner import build_alert_banners
from eoc.web.components.alert_map import (
    ALERT_LAYER,
    ALERTS_TITLE,
    alert_area_traces,
    patch_alert_traces,
)
from eoc.web.components.detail_panel import build_incident_form
from eoc.web.components.feed_health import feed_health_placeholder, register_feed_health
from eoc.web.components.footer import DUSHANBE, build_footer
from eoc.web.components.kpi_tiles import build_kpi_tiles
from eoc.web.components.map_figure import (
    build_layer_patch,
    build_map_figure,
    build_visibility_patch,
    trace_slots,
)
from eoc.web.components.map_update import plan_map_update
from eoc.web.components.view import COUNTRY_BOUNDS, view_of_bounds
from eoc.web.context import current_cache, current_settings
from eoc.web.headline import build_headline
from eoc.web.pages.operations_forms import incident_token, register_forms
from eoc.web.past import describe_moment, layers_at
from eoc.web.polling import poll_version
from eoc.web.security import current_role, guarded_callback, guarded_layout

ALL_REGIONS = "all"
PLAY_BACK_HOURS = 72
PLAY_STEP_HOURS = 3
PLAY_LABEL = N_("Play the last 72 hours")
PAUSE_LABEL = N_("Pause")
HOURS_AGO = N_("-{hours} h")  # a mark of the time slider: hours before now
AS_OF_MARKS = (0, 24, 48, PLAY_BACK_HOURS)
# Layers whose content depends on the as-of time or the filters: all (the past is rewound).
FILTERED = frozenset(layers.OPERATIONAL)
FEED_LIMIT = 8
ALERTS_SHOWN = 5  # alerts in force named over the map (the count says if there are more)
# The alert traces follow every operational layer's (map_figure.trace_slots).
ALERT_TRACES_START = len(trace_slots(layers.OPERATIONAL))


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
    ] + [{"label": _(ALERTS_TITLE), "value": ALERT_LAYER}]
    hazard, status = (
        layers.get("hazard_zones").field("hazard_type"),
        layers.get("displacement_sites").field("status"),
    )
    can_log = is_allowed(current_role(), Action.EDIT_INCIDENTS)
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
                        value=[*layers.OPERATIONAL, ALERT_LAYER],
                        className="layer-toggles",
                    ),
                    html.H2(_("Region")),
                    dcc.Dropdown(
                        id=ids.REGION, options=region_options, value=ALL_REGIONS, clearable=False
                    ),
                    html.H2(_("Hazard")),
                    dcc.Dropdown(
                        id=ids.HAZARD_FILTER,
                        options=[
                            {"label": _(hazard.value_label(v)), "value": v} for v in hazard.allowed
                        ],
                        multi=True,
                        placeholder=_("All hazards"),
                    ),
                    html.H2(_("Site status")),
                    dcc.Dropdown(
                        id=ids.STATUS_FILTER,
                        options=[
                            {"label": _(status.value_label(v)), "value": v} for v in status.allowed
                        ],
                        multi=True,
                        placeholder=_("All statuses"),
                    ),
                    html.H2(_("Situation as of")),
                    dcc.Slider(
                        id=ids.AS_OF,
                        min=0,
                        max=PLAY_BACK_HOURS,
                        step=1,
                        value=0,
                        marks={h: _as_of_mark(h) for h in AS_OF_MARKS},
                        className="as-of-slider",
                        # No number box beside it: the box took a third of the narrow panel
                        # and crowded the marks ("-24 соат-48 соат"); the hours are dragged.
                        allow_direct_input=False,
                    ),
                    html.Div(id=ids.AS_OF_LABEL, className="as-of-label"),
                    html.Label(_("Counting back from (Dushanbe time; empty: now)")),
                    dcc.Input(
                        id=ids.AS_OF_BASE,
                        type="datetime-local",
                        debounce=True,
                        className="as-of-base",
                    ),
                    html.Div(
                        className="as-of-play",
                        children=[
                            html.Button(
                                _(PLAY_LABEL), id=ids.PLAY, n_clicks=0, className="secondary"
                            ),
                            html.Button(
                                _("Back to live"),
                                id=ids.PLAY_STOP,
                                n_clicks=0,
                                className="secondary",
                            ),
                        ],
                    ),
                    dcc.Interval(id=ids.PLAY_TICK, interval=1500, disabled=True),
                ],
            ),
            html.Div(
                className="ops-kpis",
                children=[
                    html.Div(id=ids.PAST_BANNER, className="past-banner", role="status"),
                    html.Div(id=ids.OPS_ALERTS, className="ops-alerts"),
                    html.Div(id=ids.KPI_ROW),
                ],
            ),
            dcc.Graph(
                id=ids.MAP,
                className="ops-map",
                style={"height": "100%"},
                config={"displaylogo": False, "scrollZoom": True},
            ),
            html.Aside(
                className="ops-side",
                children=[
                    html.Div(
                        id=ids.DETAIL,
                        className="detail-panel",
                        children=html.P(
                            _("Click a feature on the map to see its details."), className="muted"
                        ),
                    ),
                    build_incident_form(incident_token()) if can_log else None,
                    html.H2(
                        [
                            _("Latest activity"),
                            html.Span(" (" + _(ZONE_NAME) + ")", className="muted zone-note"),
                        ]
                    ),
                    html.Div(id=ids.FEED, className="ops-feed"),
                ],
            ),
            feed_health_placeholder(ids.FEED_HEALTH),
            html.Footer(id=ids.FOOTER, className="data-footer"),
            dcc.Interval(id=ids.POLL, interval=int(current_settings().refresh_s * 1000)),
            dcc.Store(id=ids.VERSION),
            dcc.Store(id=ids.MAP_STATE),
            dcc.Store(id=ids.OPS_ALERTS_KEY),
        ],
    )


def _as_of_mark(hours: int) -> str:
    """ "now", "-24", "-48", "-72 h": the unit once, at the end (four "-24 соат" marks
    overlapped in the narrow panel)."""
    if hours == 0:
        return _("now")
    return _(HOURS_AGO).format(hours=hours) if hours == AS_OF_MARKS[-1] else f"-{hours}"


def _as_of(hours_back: float | None, now: datetime, base: str | None = None) -> datetime:
    """The moment shown: `hours_back` before the chosen date-time (Dushanbe), or before now."""
    start = now
    if base:
        try:
            start = datetime.fromisoformat(base).replace(tzinfo=DUSHANBE).astimezone(UTC)
        except ValueError:
            start = now
    return start - timedelta(hours=float(hours_back or 0))


def update_map(
    version: int | None,
    visible: list[str] | None,
    region: str | None,
    hazard_types: list[str] | None = None,
    site_statuses: list[str] | None = None,
    hours_back: float | None = 0,
    base: str | None = None,
    state: dict | None = None,
    alerts_key: list[str] | None = None,
    *,
    now: datetime | None = None,
) -> tuple:
    """Draw the map, or patch only what changed since the drawn state.

    `alerts_key` names the alerts in force at the moment shown (`update_alerts`): their
    outlines are redrawn when it changes, or when they are switched on or off.
    """
    cache = current_cache()
    version = cache.store.version() if version is None else version
    region = region or ALL_REGIONS
    hidden = [name for name in layers.OPERATIONAL if name not in (visible or [])]
    show_alerts = ALERT_LAYER in (visible or [])
    view_key = [
        sorted(hazard_types or []),
        sorted(site_statuses or []),
        int(hours_back or 0),
        base or "",
    ]
    step = plan_map_update(state, version=version, region=region, hidden=hidden)
    if step is None and state and state.get("filters") != view_key:
        step = "layers"
    alerts_moved = bool(state) and (
        state.get("alerts") != alerts_key or state.get("alerts_shown") != show_alerts
    )
    new_state = {"version": version, "region": region, "hidden": hidden, "filters": view_key,
                 "alerts": alerts_key, "alerts_shown": show_alerts}  # fmt: skip
    footer = build_footer(version, cache.store.data_time())
    clock = now or datetime.now(UTC)
    moment = _as_of(hours_back, clock, base)
    if step is None:
        if not alerts_moved:
            return dash.no_update, dash.no_update, dash.no_update
        return _alert_patch(dash.Patch(), moment, show_alerts), footer, new_state
    if step == "visibility":
        patch = build_visibility_patch(layers.OPERATIONAL, hidden=hidden)
        if alerts_moved:
            patch = _alert_patch(patch, moment, show_alerts)
        return patch, footer, new_state
    if step == "full":
        changed = set(layers.OPERATIONAL)
    else:
        changed = cache.store.changed_layers(state["version"]) & set(layers.OPERATIONAL)
        if state.get("filters") != view_key:
            changed |= FILTERED
    past = layers_at(cache, sorted(changed), version=version, moment=moment, now=clock)
    frames = situation_at(
        past.frames, as_of=moment, hazard_types=hazard_types, site_statuses=site_statuses
    )
    if region != ALL_REGIONS:
        regions = cache.read_layers(["regions"], version=version)["regions"]
        frames = features_in_region(frames, regions, region)
    if step == "layers":
        patch = build_layer_patch(
            frames, shown=layers.OPERATIONAL, changed=changed, hidden=hidden, greyed=past.unknown
        )
        if alerts_moved:
            patch = _alert_patch(patch, moment, show_alerts)
        return patch, footer, new_state
    figure = _full_figure(
        cache, frames, version, region, hidden, greyed=past.unknown,
        overlays=_alert_traces(moment, show_alerts),
    )  # fmt: skip
    return figure, footer, new_state


def _alert_traces(moment: datetime, shown: bool) -> list:
    """The outlines of the alerts in force at `moment`, Public and Restricted (staff only)."""
    rows = alerts_in_force(now=moment)
    return alert_area_traces(rows, lang=current_language(), visible=shown)


def _alert_patch(patch: dash.Patch, moment: datetime, shown: bool) -> dash.Patch:
    traces = _alert_traces(moment, shown)
    return patch_alert_traces(patch, traces, start=ALERT_TRACES_START)


def update_alerts(
    _ticks: int | None,
    _version: int | None,
    hours_back: float | None,
    base: str | None = None,
    known: list[str] | None = None,
    *,
    now: datetime | None = None,
) -> tuple:
    """The banner of alerts in force at the moment shown (every poll: alerts expire), and
    their ids for the map (sent only when they change)."""
    moment = _as_of(hours_back, now or datetime.now(UTC), base)
    rows = alerts_in_force(now=moment)
    may_author = is_allowed(current_role(), Action.DRAFT_ALERTS)
    banner = build_alert_banners(
        rows, lang=current_language(), max_shown=ALERTS_SHOWN, files=True,
        authoring_href="/alerts" if may_author else None,
    )  # fmt: skip
    key = sorted(r.alert_id for r in rows)
    return banner, dash.no_update if key == known else key


def _full_figure(
    cache, frames, version: int, region: str, hidden: list[str], *, greyed=(), overlays=()
):
    bounds = COUNTRY_BOUNDS
    if region != ALL_REGIONS:
        regions = cache.read_layers(["regions"], version=version)["regions"]
        bounds = region_geometry(regions, region).bounds
    basemap = cache.basemap_style(version=version, online_tiles=current_settings().online_tiles)
    return build_map_figure(
        frames,
        basemap=basemap,
        view=view_of_bounds(bounds),
        uirevision=region,
        hidden=hidden,
        greyed=greyed,
        overlays=overlays,
    )


def update_panels(
    version: int | None,
    hours_back: float | None,
    base: str | None = None,
    region: str | None = None,
    *,
    now: datetime | None = None,
):
    """Headline figures and the activity feed as of the chosen moment, for the chosen region."""
    cache = current_cache()
    version = cache.store.version() if version is None else version
    clock = now or datetime.now(UTC)
    headline = build_headline(
        cache,
        version=version,
        moment=_as_of(hours_back, clock, base),
        now=clock,
        region=None if region in (None, ALL_REGIONS) else region,
        feed_limit=FEED_LIMIT,
    )
    return (
        build_kpi_tiles(headline.kpis, scope=headline.scope, notes=headline.notes),
        build_activity_feed(headline.feed),
    )


def show_as_of(
    hours_back: float | None, base: str | None = None, *, now: datetime | None = None
) -> tuple:
    """The as-of label under the slider, and the "not live" banner over the map."""
    clock = now or datetime.now(UTC)
    moment = _as_of(hours_back, clock, base)
    label = _("Showing the situation at {time} (Dushanbe time)").format(time=format_time(moment))
    cache = current_cache()
    past = layers_at(
        cache, layers.OPERATIONAL, version=cache.store.version(), moment=moment, now=clock
    )
    banner = describe_moment(past)
    return label, banner, {"display": "block" if banner else "none"}


def step_play(
    clicks: int | None,
    _ticks: int | None,
    _stop: int | None,
    hours_back: float | None,
    paused: bool | None = True,
):
    """Play from -72 h towards now; the play button pauses and resumes; "back to live" stops."""
    trigger = dash.ctx.triggered_id
    if trigger == ids.PLAY_STOP:
        return 0, True, _(PLAY_LABEL)
    if trigger == ids.PLAY:
        if not paused:  # playing: pause where we are
            return dash.no_update, True, _(PLAY_LABEL)
        start = hours_back if hours_back else PLAY_BACK_HOURS
        return start, False, _(PAUSE_LABEL)
    remaining = max(0, int(hours_back or 0) - PLAY_STEP_HOURS)
    done = remaining == 0
    return remaining, done, _(PLAY_LABEL) if done else _(PAUSE_LABEL)


def register(app: Dash) -> None:
    register_feed_health(app, poll_id=ids.POLL, target_id=ids.FEED_HEALTH)
    dash.register_page(
        __name__,
        path="/",
        title=N_("EOC Tajikistan — Operations"),
        layout=layout,
        name=N_("Operations"),
        action=Action.VIEW_INTERNAL,
    )
    view = Action.VIEW_INTERNAL
    guarded_callback(
        app,
        view,
        Output(ids.VERSION, "data"),
        Input(ids.POLL, "n_intervals"),
        State(ids.VERSION, "data"),
    )(poll_version)
    guarded_callback(
        app,
        view,
        Output(ids.MAP, "figure"),
        Output(ids.FOOTER, "children"),
        Output(ids.MAP_STATE, "data"),
        Input(ids.VERSION, "data"),
        Input(ids.LAYER_TOGGLES, "value"),
        Input(ids.REGION, "value"),
        Input(ids.HAZARD_FILTER, "value"),
        Input(ids.STATUS_FILTER, "value"),
        Input(ids.AS_OF, "value"),
        Input(ids.AS_OF_BASE, "value"),
        State(ids.MAP_STATE, "data"),
        Input(ids.OPS_ALERTS_KEY, "data"),
    )(update_map)
    guarded_callback(
        app,
        view,
        Output(ids.OPS_ALERTS, "children"),
        Output(ids.OPS_ALERTS_KEY, "data"),
        Input(ids.POLL, "n_intervals"),
        Input(ids.VERSION, "data"),
        Input(ids.AS_OF, "value"),
        Input(ids.AS_OF_BASE, "value"),
        State(ids.OPS_ALERTS_KEY, "data"),
    )(update_alerts)
    guarded_callback(
        app,
        view,
        Output(ids.AS_OF_LABEL, "children"),
        Output(ids.PAST_BANNER, "children"),
        Output(ids.PAST_BANNER, "style"),
        Input(ids.AS_OF, "value"),
        Input(ids.AS_OF_BASE, "value"),
    )(show_as_of)
    guarded_callback(
        app,
        view,
        Output(ids.KPI_ROW, "children"),
        Output(ids.FEED, "children"),
        Input(ids.VERSION, "data"),
        Input(ids.AS_OF, "value"),
        Input(ids.AS_OF_BASE, "value"),
        Input(ids.REGION, "value"),
    )(update_panels)
    guarded_callback(
        app,
        view,
        Output(ids.AS_OF, "value"),
        Output(ids.PLAY_TICK, "disabled"),
        Output(ids.PLAY, "children"),
        Input(ids.PLAY, "n_clicks"),
        Input(ids.PLAY_TICK, "n_intervals"),
        Input(ids.PLAY_STOP, "n_clicks"),
        State(ids.AS_OF, "value"),
        State(ids.PLAY_TICK, "disabled"),
        prevent_initial_call=True,
    )(step_play)
    register_forms(app)
