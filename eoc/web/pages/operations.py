"""The operations map (`/`): the live situation, filters, feature details and the incident log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dash
from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

import layers
from eoc.analysis.capacity import site_capacity
from eoc.analysis.regions import features_in_region, region_geometry
from eoc.analysis.view_filter import situation_at
from eoc.errors import EocError, ValidationError
from eoc.i18n import N_, ZONE_NAME, _, format_time, localised
from eoc.incident_log import (
    NEW_INCIDENT,
    STATUS_CHANGE,
    IncidentForm,
    LikelyDuplicateError,
    change_status,
    log_incident,
    status_state,
)
from eoc.permissions import Action, is_allowed
from eoc.web import ids
from eoc.web.components.activity_feed import build_activity_feed
from eoc.web.components.detail_panel import build_detail, build_incident_form
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
from eoc.web.context import current_cache, current_settings, current_write_tokens
from eoc.web.headline import build_headline, default_rules
from eoc.web.past import describe_moment, layers_at
from eoc.web.polling import poll_version
from eoc.web.security import current_role, current_username, guarded_callback, guarded_layout

ALL_REGIONS = "all"
PLAY_BACK_HOURS = 72
PLAY_STEP_HOURS = 3
PLAY_LABEL = N_("Play the last 72 hours")
PAUSE_LABEL = N_("Pause")
HOURS_AGO = N_("-{hours} h")  # a mark of the time slider: hours before now
# Layers whose content depends on the as-of time or the filters: all (the past is rewound).
FILTERED = frozenset(layers.OPERATIONAL)
FEED_LIMIT = 8


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
                        value=list(layers.OPERATIONAL),
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
                        marks={
                            h: _(HOURS_AGO).format(hours=h) if h else _("now")
                            for h in (0, 24, 48, 72)
                        },
                        className="as-of-slider",
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
                    build_incident_form(_incident_token()) if can_log else None,
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
        ],
    )


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
    *,
    now: datetime | None = None,
) -> tuple:
    """Draw the map, or patch only what changed since the drawn state."""
    cache = current_cache()
    version = cache.store.version() if version is None else version
    region = region or ALL_REGIONS
    hidden = [name for name in layers.OPERATIONAL if name not in (visible or [])]
    view_key = [
        sorted(hazard_types or []),
        sorted(site_statuses or []),
        int(hours_back or 0),
        base or "",
    ]
    step = plan_map_update(state, version=version, region=region, hidden=hidden)
    if step is None and state and state.get("filters") != view_key:
        step = "layers"
    new_state = {"version": version, "region": region, "hidden": hidden, "filters": view_key}
    footer = build_footer(version, cache.store.data_time())
    if step is None:
        return dash.no_update, dash.no_update, dash.no_update
    if step == "visibility":
        return build_visibility_patch(layers.OPERATIONAL, hidden=hidden), footer, new_state
    if step == "full":
        changed = set(layers.OPERATIONAL)
    else:
        changed = cache.store.changed_layers(state["version"]) & set(layers.OPERATIONAL)
        if state.get("filters") != view_key:
            changed |= FILTERED
    clock = now or datetime.now(UTC)
    moment = _as_of(hours_back, clock, base)
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
        return patch, footer, new_state
    figure = _full_figure(cache, frames, version, region, hidden, greyed=past.unknown)
    return figure, footer, new_state


def _full_figure(cache, frames, version: int, region: str, hidden: list[str], *, greyed=()):
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


def show_detail(click: dict | None):
    """The clicked feature's fields, and a status form where the role may edit it."""
    if not click or not click.get("points"):
        raise PreventUpdate
    point = click["points"][0]
    slots = trace_slots(layers.OPERATIONAL)
    curve = point.get("curveNumber")
    if curve is None or curve >= len(slots):
        raise PreventUpdate
    return _detail(slots[curve][0], point.get("id") or point.get("location"))


def _detail(name: str, feature_id: object, *, message: object = None, now=None) -> list:
    """The panel for one feature as the store holds it now (re-read: after a status change
    it shows the new status), with a fresh status token where the role may edit."""
    spec = layers.get(name)
    cache = current_cache()
    version = cache.store.version()
    frames = cache.read_layers([name, "regions"], version=version)
    gdf = frames[name]
    match = gdf[gdf[spec.id_field].astype(str) == str(feature_id)]
    feature = None if match.empty else match.iloc[0]
    token = assessed = None
    if feature is not None and is_allowed(current_role(), Action.EDIT_INCIDENTS):
        token = current_write_tokens().issue(
            STATUS_CHANGE,
            user=current_username() or "?",
            version=version,
            state=status_state(name, feature[spec.id_field], feature.get("status")),
        )
    if feature is not None and name == "displacement_sites":
        rules = default_rules(cache, version=version, on=now or datetime.now(UTC))
        assessed = site_capacity(match.iloc[:1], rules=rules).iloc[0]
    region_names = {
        str(row.adm1_iso): localised(row, "adm1_name") for row in frames["regions"].itertuples()
    }
    return build_detail(
        feature,
        spec,
        token=token,
        region_names=region_names,
        assessed=assessed,
        message=message,
    )


def _incident_token() -> str:
    """A write token for one new incident, issued with the form."""
    version = current_cache().store.version()
    return current_write_tokens().issue(
        NEW_INCIDENT, user=current_username() or "?", version=version
    )


def fill_location(_clicks: int | None, click: dict | None, relayout: dict | None, figure: dict):
    """Coordinates for a new incident: the clicked point, or the centre of the map view."""
    if dash.ctx.triggered_id == ids.MAP and click and click.get("points"):
        point = click["points"][0]
        if "lat" in point and "lon" in point:
            return round(point["lat"], 5), round(point["lon"], 5)
        raise PreventUpdate
    centre = (relayout or {}).get("map.center") or (
        (figure or {}).get("layout", {}).get("map", {}).get("center")
    )
    if not centre:
        raise PreventUpdate
    return round(centre["lat"], 5), round(centre["lon"], 5)


def _failure(exc: EocError) -> html.Div:
    text = exc.render(_) if isinstance(exc, ValidationError) else str(exc)
    return html.Div(text, className="message-error", role="alert", style={"whiteSpace": "pre-line"})


SHOWN = {"display": "block"}
HIDDEN = {"display": "none"}
# The form's fields, cleared after a save: type, severity, description, people, lat, lon,
# source, time, "save anyway".
CLEARED_FORM = (None, None, "", None, "", "", "", "", [])
KEPT_FORM = (dash.no_update,) * len(CLEARED_FORM)


def save_incident(
    clicks: int | None,
    incident_type: str | None,
    severity: str | None,
    description: str | None,
    people: object,
    lat: object,
    lon: object,
    reason: str | None,
    token: str | None = None,
    when: object = None,
    save_anyway: list | None = None,
    *,
    now: datetime | None = None,
):
    """Write a new incident (one audited transaction) and refresh every open page.

    The form's write token is redeemed once: a second click on the same form is refused,
    and a saved incident gives the form a fresh token for the next one and clears it. A
    likely duplicate is not saved until the officer ticks "Save anyway".
    Returns (message, version, token, "save anyway" box style, *form values).
    """
    if not clicks:
        raise PreventUpdate
    store = current_cache().store
    user = current_username() or "?"
    form = IncidentForm(
        incident_type,
        severity,
        description,
        people,
        lat,
        lon,
        reason,
        time_local=when,
        save_anyway=isinstance(save_anyway, list) and "yes" in save_anyway,
    )
    try:
        with current_write_tokens().redeem(token, purpose=NEW_INCIDENT, user=user) as issued:
            incident_id = log_incident(
                store, form, token=issued, user=user, now=now or datetime.now(UTC)
            )
    except LikelyDuplicateError as exc:
        warning = html.Div(str(exc), className="message-warning", role="alert")
        return warning, dash.no_update, dash.no_update, SHOWN, *KEPT_FORM
    except EocError as exc:
        return _failure(exc), dash.no_update, dash.no_update, dash.no_update, *KEPT_FORM
    message = _("Incident {id} saved.").format(id=incident_id)
    saved = html.Div(message, className="message-ok")
    return saved, store.version(), _incident_token(), HIDDEN, *CLEARED_FORM


def save_status(
    clicks: int | None,
    status: str | None,
    reason: str | None,
    target: dict | None,
    *,
    now: datetime | None = None,
):
    """Change the status of the feature the form was issued for, unless it changed since.

    Returns (message next to the button, the re-read detail panel, version).
    """
    if not clicks or not status:
        raise PreventUpdate
    store = current_cache().store
    user = current_username() or "?"
    token = (target or {}).get("token")
    try:
        with current_write_tokens().redeem(token, purpose=STATUS_CHANGE, user=user) as issued:
            change_status(
                store,
                issued,
                status=status,
                reason=reason,
                user=user,
                now=now or datetime.now(UTC),
            )
    except EocError as exc:
        return _failure(exc), dash.no_update, dash.no_update
    layer, feature_id = issued.state["layer"], issued.state["id"]
    message = _("Status of {id} set to {status}.").format(
        id=feature_id,
        status=_(layers.get(str(layer)).field("status").value_label(status)),
    )
    panel = _detail(str(layer), feature_id, message=html.Div(message, className="message-ok"))
    return dash.no_update, panel, store.version()


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
    )(update_map)
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
    guarded_callback(
        app,
        view,
        Output(ids.DETAIL, "children"),
        Input(ids.MAP, "clickData"),
        prevent_initial_call=True,
    )(show_detail)
    guarded_callback(
        app,
        view,
        Output(ids.INC_LAT, "value"),
        Output(ids.INC_LON, "value"),
        Input(ids.INC_USE_CENTRE, "n_clicks"),
        Input(ids.MAP, "clickData"),
        State(ids.MAP, "relayoutData"),
        State(ids.MAP, "figure"),
        prevent_initial_call=True,
    )(fill_location)
    edit = Action.EDIT_INCIDENTS
    guarded_callback(
        app,
        edit,
        Output(ids.INC_MESSAGE, "children"),
        Output(ids.VERSION, "data", allow_duplicate=True),
        Output(ids.INC_TOKEN, "data"),
        Output(ids.INC_SAVE_ANYWAY_BOX, "style"),
        Output(ids.INC_TYPE, "value"),
        Output(ids.INC_SEVERITY, "value"),
        Output(ids.INC_DESCRIPTION, "value"),
        Output(ids.INC_PEOPLE, "value"),
        Output(ids.INC_LAT, "value", allow_duplicate=True),
        Output(ids.INC_LON, "value", allow_duplicate=True),
        Output(ids.INC_REASON, "value"),
        Output(ids.INC_TIME, "value"),
        Output(ids.INC_SAVE_ANYWAY, "value"),
        Input(ids.INC_SAVE, "n_clicks"),
        State(ids.INC_TYPE, "value"),
        State(ids.INC_SEVERITY, "value"),
        State(ids.INC_DESCRIPTION, "value"),
        State(ids.INC_PEOPLE, "value"),
        State(ids.INC_LAT, "value"),
        State(ids.INC_LON, "value"),
        State(ids.INC_REASON, "value"),
        State(ids.INC_TOKEN, "data"),
        State(ids.INC_TIME, "value"),
        State(ids.INC_SAVE_ANYWAY, "value"),
        prevent_initial_call=True,
    )(save_incident)
    guarded_callback(
        app,
        edit,
        Output(ids.STATUS_MESSAGE, "children"),
        Output(ids.DETAIL, "children", allow_duplicate=True),
        Output(ids.VERSION, "data", allow_duplicate=True),
        Input(ids.STATUS_SAVE, "n_clicks"),
        State(ids.STATUS_VALUE, "value"),
        State(ids.STATUS_REASON, "value"),
        State(ids.STATUS_TARGET, "data"),
        prevent_initial_call=True,
    )(save_status)
