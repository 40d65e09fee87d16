"""The wall screen (`/wall`): the operations picture for a large display, no controls.

Large KPI numbers, a Dushanbe clock, the data time with a STALE banner, a banner for new high
and critical incidents, the map and the latest activity. The page polls the store version
like the operations map and patches only what changed.

URL parameters (all optional):
- `rotate=60&views=country,gbao,…`: show each saved view in turn, `rotate` seconds each
  (views: country, gbao, khatlon, sughd, dushanbe, drs); `views=` alone fixes one view.
- `stale=15`: warn when the newest data is older than this many minutes
  (default: the `stale_after_min` setting).
- `now=2026-11-22T10:00:00Z`: for tests and replays only — compute as at this time instead of
  the real clock (the clock on screen then runs from this time).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import dash
from dash import ClientsideFunction, Dash, Input, Output, Patch, State, dcc, html

import layers
from eoc.analysis.active import AnalysisInputError, as_utc
from eoc.analysis.kpis import is_stale, new_severe_incidents
from eoc.analysis.regions import region_geometry
from eoc.exercise.marking import BANNER_TEXT, EXERCISE_WORD
from eoc.feeds.state import read_states
from eoc.i18n import N_, _, clock_date_parts, current_language, localised
from eoc.permissions import Action
from eoc.web import ids
from eoc.web.alerts_in_force import alerts_in_force
from eoc.web.components.activity_feed import build_activity_feed
from eoc.web.components.alert_banner import build_alert_banners
from eoc.web.components.banners import build_incident_banner, build_stale_banner
from eoc.web.components.feed_health import (
    feed_down_text,
    feed_health_placeholder,
    register_feed_health,
)
from eoc.web.components.flows_section import build_wall_flows, register_wall_flows
from eoc.web.components.footer import SCENARIO_NOTICE, format_data_time
from eoc.web.components.kpi_tiles import build_kpi_tiles
from eoc.web.components.map_figure import (
    build_map_figure,
    categories,
    layer_traces,
    trace_slots,
)
from eoc.web.components.map_legend import build_map_legend
from eoc.web.components.map_update import plan_map_update
from eoc.web.components.view import COUNTRY_BOUNDS, MapView, screen_factor, view_of_bounds
from eoc.web.context import current_cache, current_exercise_title, current_settings
from eoc.web.headline import build_headline
from eoc.web.past import describe_moment, layers_at
from eoc.web.polling import poll_version
from eoc.web.security import guarded_callback, guarded_layout

# Saved views: URL name -> region code (None: the whole country).
VIEWS: dict[str, str | None] = {
    "country": None,
    "gbao": "TJ-GB",
    "khatlon": "TJ-KT",
    "sughd": "TJ-SU",
    "dushanbe": "TJ-DU",
    "drs": "TJ-RA",
}
DEFAULT_VIEW = "country"
MIN_ROTATE_S = 5.0
BANNER_HOURS = 6.0  # high/critical incidents this recent get a banner
FEED_LIMIT = 10
MAP_WIDTH_PX = 1000  # views fit to this width until the browser tells the viewport size
MAP_SHARE = (0.74, 0.62)  # the map box's share of the viewport's width and (at least) height
MAP_ASPECT = 1.5  # view_of_bounds fits a box of width × 0.75 with a margin: ~1.5 wide per tall
MARKER_SCALE = 1.6  # markers read from across the room (at 1920×1080; more on larger screens)
LABEL_SCALE = 1.4  # place names likewise (11 px at a desk; ~15 px at 1080p, ~31 px at 4K)
WALL_REGION = "wall"  # the map state's "region": the wall map is never filtered
TITLE = N_("Operations wall")
REPLAY = N_("REPLAY at {time}")


@dataclass(frozen=True)
class WallParams:
    """What the URL asked for, checked."""

    views: tuple[str, ...] = (DEFAULT_VIEW,)
    rotate_s: float | None = None
    stale_after_min: float = 30.0
    now: str | None = None  # ISO UTC time for tests and replays; None: the real clock


def parse_wall_params(query: dict[str, str], *, stale_after_min: float) -> WallParams:
    """WallParams from URL parameters; anything unreadable falls back to the default."""
    views = tuple(
        name
        for name in (part.strip().lower() for part in str(query.get("views", "")).split(","))
        if name in VIEWS
    ) or (DEFAULT_VIEW,)
    rotate = _positive(query.get("rotate"))
    stale = _positive(query.get("stale"))
    return WallParams(
        views=views,
        rotate_s=max(rotate, MIN_ROTATE_S) if rotate and len(views) > 1 else None,
        stale_after_min=stale or stale_after_min,
        now=_moment(query.get("now")),
    )


def rotation_view(params: dict, step: int) -> str:
    """The name of the view shown after `step` rotations."""
    views = params.get("views") or [DEFAULT_VIEW]
    return views[step % len(views)]


def _positive(text: str | None) -> float | None:
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) and value > 0 else None


def _moment(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return as_utc(text).isoformat()
    except (AnalysisInputError, ValueError):
        return None


def _now(params: dict | None) -> datetime:
    """The wall's "now": the URL's test/replay time, else the real clock (read here, the edge)."""
    given = (params or {}).get("now")
    return as_utc(given).to_pydatetime() if given else datetime.now(UTC)


@guarded_layout(Action.VIEW_WALL)
def layout(**query: str) -> html.Div:
    settings = current_settings()
    params = parse_wall_params(query, stale_after_min=settings.stale_after_min)
    cache = current_cache()
    regions = cache.read_layers(["regions"], version=cache.store.version())["regions"]
    exercise = current_exercise_title()
    return html.Div(
        className="wall-page" if exercise is None else "wall-page wall-exercise",
        children=[
            html.Header(
                className="wall-header",
                children=[
                    html.Div(
                        className="wall-title",
                        children=[
                            html.H1(_("EOC Tajikistan")),
                            html.Span(_(TITLE)),
                            *wall_exercise_badge(exercise),
                        ],
                    ),
                    html.Div(id=ids.WALL_DATA_TIME, className="wall-data-time"),
                    feed_health_placeholder(ids.WALL_FEED_HEALTH),
                    html.Div(
                        className="wall-clock",
                        children=[
                            html.Div(id=ids.WALL_CLOCK, className="wall-clock-time"),
                            html.Div(id=ids.WALL_CLOCK_DATE, className="wall-clock-date"),
                        ],
                    ),
                ],
            ),
            html.Div(id=ids.WALL_BANNERS, className="wall-banners"),
            html.Div(id=ids.WALL_KPIS, className="wall-kpis"),
            html.Div(
                className="wall-body",
                children=[
                    html.Div(
                        className="wall-map-box",
                        children=[
                            dcc.Graph(
                                id=ids.WALL_MAP,
                                className="wall-map",
                                config={"displayModeBar": False, "scrollZoom": False},
                                responsive=True,
                            ),
                            html.Div(
                                view_label(params.views[0], regions),
                                id=ids.WALL_VIEW_NAME,
                                className="wall-view-name",
                            ),
                            build_map_legend(layers.OPERATIONAL, element_id=ids.WALL_LEGEND),
                        ],
                    ),
                    html.Section(
                        className="wall-feed-box",
                        children=[
                            html.H2(_("Latest activity")),
                            html.Div(id=ids.WALL_FEED, className="wall-feed"),
                            # Arrivals at border points under the feed: the map keeps its room.
                            build_wall_flows(),
                        ],
                    ),
                ],
            ),
            html.Footer(_(SCENARIO_NOTICE), className="wall-footer"),
            dcc.Interval(id=ids.WALL_POLL, interval=int(settings.refresh_s * 1000)),
            dcc.Interval(id=ids.WALL_CLOCK_TICK, interval=1000),
            dcc.Interval(
                id=ids.WALL_ROTATE,
                interval=int((params.rotate_s or 60) * 1000),
                disabled=params.rotate_s is None,
            ),
            dcc.Store(
                id=ids.WALL_PARAMS,
                data={
                    **asdict(params),
                    "lang": current_language(),
                    "date_parts": clock_date_parts(),  # the clock's date in the wall's language
                },
            ),
            dcc.Store(id=ids.WALL_VERSION),
            dcc.Store(id=ids.WALL_MAP_STATE),
            dcc.Store(id=ids.WALL_SCREEN),
        ],
    )


def wall_exercise_badge(title: str | None) -> list:
    """The EXERCISE badge beside the wall's title (the wall covers the page's own banner)."""
    if title is None:
        return []
    return [
        html.Strong(_(EXERCISE_WORD), className="exercise-word wall-exercise-word"),
        html.Span(_(BANNER_TEXT).format(title=title), className="wall-exercise-title"),
    ]


def view_label(name: str, regions) -> str:
    code = VIEWS.get(name)
    if code is None:
        return _("All Tajikistan")
    match = regions[regions["adm1_iso"] == code]
    return localised(next(match.itertuples()), "name_short") if len(match) else code


def view_of(name: str, regions, screen: dict | None = None) -> MapView:
    """Centre and zoom of view `name` in a map box of `screen` (width, height in CSS px)."""
    code = VIEWS.get(name)
    bounds = COUNTRY_BOUNDS if code is None else region_geometry(regions, code).bounds
    return view_of_bounds(bounds, width_px=map_width_px(screen))


def map_width_px(screen: dict | None) -> int:
    """The width to fit views to, from the viewport (`screen`: width, height in CSS px)."""
    try:
        width, height = float(screen["width"]), float(screen["height"])
    except (TypeError, KeyError, ValueError):
        return MAP_WIDTH_PX
    if not (width > 0 and height > 0):
        return MAP_WIDTH_PX
    return int(min(width * MAP_SHARE[0], height * MAP_SHARE[1] * MAP_ASPECT))


def marker_scale(screen: dict | None) -> float:
    """How much larger than on a desk the wall draws markers, for a viewport `screen`."""
    return MARKER_SCALE * screen_factor(screen)


def label_scale(screen: dict | None) -> float:
    """How much larger than on a desk the wall writes place names, for a viewport `screen`."""
    return LABEL_SCALE * screen_factor(screen)


def update_wall_panels(
    _ticks: int | None, version: int | None, params: dict | None, step: int | None = None
) -> tuple:
    """KPI tiles, banners, data time and feed as of "now" (every poll: staleness grows).

    Figures and feed are those of the view on screen (its region), like the map.
    """
    params = params or asdict(WallParams())
    cache = current_cache()
    store = cache.store
    version = store.version() if version is None else version
    now = _now(params)
    headline = build_headline(
        cache,
        version=version,
        moment=now,
        now=datetime.now(UTC),
        region=VIEWS.get(rotation_view(params, step or 0)),
        feed_limit=FEED_LIMIT,
    )
    frames = cache.read_layers(["incidents"], version=version)
    data_time = cache.get("data_time", store.data_time, version=version)
    banners = []
    if is_stale(data_time, now=now, stale_after_min=params["stale_after_min"]):
        down = feed_down_text(read_states(store))
        banners.append(build_stale_banner(data_time, now=now, feed_down=down))
    severe = new_severe_incidents(frames["incidents"], now=now, hours=BANNER_HOURS)
    incident_banner = build_incident_banner(severe, hours=BANNER_HOURS)
    if incident_banner is not None:
        banners.append(incident_banner)
    alerts = alerts_in_force(now=now)  # CAP alerts in force (eoc/alerts)
    banners.extend(build_alert_banners(alerts, lang=current_language()))
    not_live = describe_moment(headline.past)
    if not_live:
        banners.insert(0, html.Div(not_live, className="banner banner-past", role="status"))
    return (
        build_kpi_tiles(headline.kpis, large=True, scope=headline.scope, notes=headline.notes),
        banners,
        _data_time_line(data_time, version, params),
        build_activity_feed(headline.feed),
    )


def _data_time_line(data_time: datetime | None, version: int, params: dict) -> list:
    line = [
        html.Span([html.B(_("Data time:") + " "), format_data_time(data_time)]),
        html.Span([html.B(_("Store version:") + " "), str(version)]),
    ]
    if params.get("now"):
        moment = format_data_time(as_utc(params["now"]).to_pydatetime())
        line.append(html.Span(_(REPLAY).format(time=moment), className="wall-replay"))
    return line


def update_wall_map(
    version: int | None, screen: dict | None, params: dict | None, state: dict | None
) -> tuple:
    """Draw the map once, then patch only the layers written since (the view never jumps)."""
    params = params or asdict(WallParams())
    cache = current_cache()
    version = cache.store.version() if version is None else version
    step = plan_map_update(state, version=version, region=WALL_REGION, hidden=[])
    if state and state.get("screen") != screen:
        step = "full"  # measured after the first draw (or another screen): fit the view again
    if step is None:
        return dash.no_update, dash.no_update
    new_state = {"version": version, "region": WALL_REGION, "hidden": [], "screen": screen}
    if step == "full":
        figure = _full_figure(cache, version, rotation_view(params, 0), screen, params)
        return figure, new_state
    changed = cache.store.changed_layers(state["version"]) & set(layers.OPERATIONAL)
    past = _layers_then(cache, sorted(changed), version, params)
    patch = build_wall_layer_patch(
        past.frames, changed=changed, scale=marker_scale(screen), greyed=past.unknown
    )
    return patch, new_state


def _layers_then(cache, names, version: int, params: dict):
    """The layers at the wall's moment (a replay's `now`, or live)."""
    return layers_at(cache, names, version=version, moment=_now(params), now=datetime.now(UTC))


def rotate_view(step: int | None, params: dict | None, screen: dict | None = None) -> tuple:
    """Move the map to the next saved view (a Patch of centre, zoom and uirevision only)."""
    params = params or asdict(WallParams())
    cache = current_cache()
    regions = cache.read_layers(["regions"], version=cache.store.version())["regions"]
    name = rotation_view(params, step or 0)
    view = view_of(name, regions, screen)
    patch = Patch()
    patch["layout"]["map"]["center"] = {"lat": view.lat, "lon": view.lon}
    patch["layout"]["map"]["zoom"] = view.zoom
    # A new uirevision makes Plotly take the new view; data refreshes keep it.
    patch["layout"]["map"]["uirevision"] = name
    return patch, view_label(name, regions)


def _full_figure(cache, version: int, view_name: str, screen: dict | None, params: dict):
    basemap = cache.basemap_style(version=version, online_tiles=current_settings().online_tiles)
    past = _layers_then(cache, layers.OPERATIONAL, version, params)
    regions = cache.read_layers(["regions"], version=version)["regions"]
    figure = build_map_figure(
        past.frames,
        basemap=basemap,
        view=view_of(view_name, regions, screen),
        uirevision=view_name,
        greyed=past.unknown,
        label_scale=label_scale(screen),
    )
    scale = marker_scale(screen)
    for trace in figure.data:
        if trace.type == "scattermap":
            trace.marker.size = round(trace.marker.size * scale)
    figure.update_layout(showlegend=False)
    return figure


def build_wall_layer_patch(frames, *, changed, scale: float = MARKER_SCALE, greyed=()) -> Patch:
    """A Patch replacing the traces of the `changed` layers, with the wall's large markers."""
    patch = Patch()
    slots = trace_slots(layers.OPERATIONAL)
    for name in sorted(changed):
        spec = layers.get(name)
        start = slots.index((name, categories(spec)[0]))
        for offset, trace in enumerate(layer_traces(frames[name], spec, greyed=name in greyed)):
            if trace.type == "scattermap":
                trace.marker.size = round(trace.marker.size * scale)
            patch["data"][start + offset] = trace.to_plotly_json()
    return patch


def register(app: Dash) -> None:
    register_feed_health(
        app,
        poll_id=ids.WALL_POLL,
        target_id=ids.WALL_FEED_HEALTH,
        action=Action.VIEW_WALL,
        links=False,
    )
    dash.register_page(
        __name__,
        path="/wall",
        title=N_("EOC Tajikistan — Operations wall"),
        layout=layout,
        name=TITLE,
        action=Action.VIEW_WALL,
    )
    register_wall_flows(app, version_id=ids.WALL_VERSION, screen_id=ids.WALL_SCREEN)
    guarded_callback(
        app,
        Action.VIEW_WALL,
        Output(ids.WALL_VERSION, "data"),
        Input(ids.WALL_POLL, "n_intervals"),
        State(ids.WALL_VERSION, "data"),
    )(poll_version)
    guarded_callback(
        app,
        Action.VIEW_WALL,
        Output(ids.WALL_KPIS, "children"),
        Output(ids.WALL_BANNERS, "children"),
        Output(ids.WALL_DATA_TIME, "children"),
        Output(ids.WALL_FEED, "children"),
        Input(ids.WALL_POLL, "n_intervals"),
        Input(ids.WALL_VERSION, "data"),
        State(ids.WALL_PARAMS, "data"),
        Input(ids.WALL_ROTATE, "n_intervals"),
    )(update_wall_panels)
    guarded_callback(
        app,
        Action.VIEW_WALL,
        Output(ids.WALL_MAP, "figure"),
        Output(ids.WALL_MAP_STATE, "data"),
        Input(ids.WALL_VERSION, "data"),
        Input(ids.WALL_SCREEN, "data"),
        State(ids.WALL_PARAMS, "data"),
        State(ids.WALL_MAP_STATE, "data"),
    )(update_wall_map)
    guarded_callback(
        app,
        Action.VIEW_WALL,
        Output(ids.WALL_MAP, "figure", allow_duplicate=True),
        Output(ids.WALL_VIEW_NAME, "children"),
        Input(ids.WALL_ROTATE, "n_intervals"),
        State(ids.WALL_PARAMS, "data"),
        State(ids.WALL_SCREEN, "data"),
        prevent_initial_call=True,
    )(rotate_view)
    # The clock ticks in the browser: no request a second, and it runs with the network down.
    app.clientside_callback(
        ClientsideFunction(namespace="wall", function_name="tick"),
        Output(ids.WALL_CLOCK, "children"),
        Output(ids.WALL_CLOCK_DATE, "children"),
        Input(ids.WALL_CLOCK_TICK, "n_intervals"),
        State(ids.WALL_PARAMS, "data"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="wall", function_name="measure"),
        Output(ids.WALL_SCREEN, "data"),
        Input(ids.WALL_PARAMS, "data"),
    )
