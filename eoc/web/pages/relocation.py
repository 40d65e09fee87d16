"""Relocation what-if (`/relocation`): where would these people go, and what would it do?

Choose who moves (a hazard zone, a district or villages) and how many, which site types and
statuses, how far, and the rules (hazard-zone sites, closed roads, fill limit, splitting
penalty); the planner allocates them along the open roads (most people placed, then least
cost). The page shows who goes where, who is left and why, every warning to check, the
sites' occupancy and WASH gaps after the moves, a map of the flows along their roads and of
the closed roads, and a CSV of the plan. Planning changes
nothing; CCCM staff may then apply the plan: every receiving site's people in ONE audited
transaction, refused whole if any site changed since the plan was computed.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dash
from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

import layers
from eoc.analysis.active import active_at
from eoc.analysis.relocation import DEFAULT_SPLIT_PENALTY_KM, plan_to_csv
from eoc.analysis.road_graph import road_graph_for
from eoc.errors import ConflictError, EocError, ValidationError
from eoc.i18n import N_, _, format_number, format_time, place_name
from eoc.permissions import Action, is_allowed
from eoc.relocation_planner import (
    FRAMES,
    MODE_LABELS,
    MODES,
    PLAN_LAYERS,
    ROAD_MODE_LABELS,
    ROAD_MODES,
    SITE_STATUSES,
    RelocationRequest,
    plan_request,
)
from eoc.site_edits import RELOCATION, apply_relocation, plan_state
from eoc.store.rows import REASON_MAX_LENGTH
from eoc.web import ids
from eoc.web.cache import VersionedCache
from eoc.web.components.basemap import BASEMAP_LAYERS, build_basemap_style
from eoc.web.components.capacity_settings import build_rules_controls, rules_from, standards_for
from eoc.web.components.footer import build_footer
from eoc.web.components.relocation_map import build_empty_map, build_flow_figure
from eoc.web.components.relocation_results import (
    build_result_grid,
    build_summary,
    build_warnings,
    flow_rows,
    plan_memo,
    receiving_site_rows,
)
from eoc.web.context import current_cache, current_settings, current_write_tokens
from eoc.web.jobs import background_callback
from eoc.web.security import current_role, current_username, guarded_callback, guarded_layout

DEFAULT_PEOPLE = 3000
SITES = layers.get("displacement_sites")
# Protection shelters are never planned into (see eoc.analysis.relocation).
OFFERED_TYPES = tuple(t for t in SITES.field("site_type").allowed if t != "protection_shelter")


def _labelled(label: str, control) -> html.Label:
    return html.Label([html.Span(label), control], className="reloc-field")


@guarded_layout(Action.VIEW_INTERNAL)
def layout(zone: str = "", **_query: str) -> html.Div:
    """The form and empty results; `?zone=ID,ID` preselects hazard zones (links from the map)."""
    cache = current_cache()
    version = cache.store.version()
    now = datetime.now(UTC)
    frames = cache.read_layers(FRAMES, version=version)
    zones = active_at(frames["hazard_zones"], now).sort_values("name")
    hazard = layers.get("hazard_zones").field("hazard_type")
    zone_options = [
        {"label": f"{row.name} ({_(hazard.value_label(row.hazard_type))})", "value": row.zone_id}
        for row in zones.itertuples()
    ]
    # Villages by the name the page shows (Cyrillic on Tajik and Russian pages, as the map).
    place_options = sorted(
        (
            {"label": f"{place_name(row)} ({format_number(row.population)})",
             "value": str(row.geonameid)}
            for row in frames["places"].itertuples(index=False)
        ),
        key=lambda option: option["label"],
    )  # fmt: skip
    districts = sorted(frames["districts"]["adm2_name"].astype(str))
    site_type = SITES.field("site_type")
    status = SITES.field("status")
    settings = current_settings()
    can_apply = is_allowed(current_role(), Action.EDIT_SITES)
    controls = html.Aside(
        className="reloc-controls",
        children=[
            html.H2(_("Who moves")),
            dcc.RadioItems(
                id=ids.RELOC_MODE,
                options=[{"label": _(MODE_LABELS[m]), "value": m} for m in MODES],
                value="zone",
            ),
            _labelled(
                _("Hazard zones in force"),
                dcc.Dropdown(
                    id=ids.RELOC_ZONES,
                    options=zone_options,
                    value=[z for z in zone.split(",") if z in set(zones["zone_id"])],
                    multi=True,
                ),
            ),
            _labelled(_("District"), dcc.Dropdown(id=ids.RELOC_DISTRICT, options=districts)),
            _labelled(
                _("Villages"),
                dcc.Dropdown(id=ids.RELOC_PLACES, options=place_options, multi=True),
            ),
            _labelled(
                _("Number of people (empty: the villages' population)"),
                dcc.Input(id=ids.RELOC_PEOPLE, type="number", min=1, value=DEFAULT_PEOPLE),
            ),
            html.H2(_("Where to")),
            dcc.Checklist(
                id=ids.RELOC_TYPES,
                options=[{"label": _(site_type.value_label(t)), "value": t} for t in OFFERED_TYPES],
                value=list(OFFERED_TYPES),
            ),
            dcc.Checklist(
                id=ids.RELOC_STATUSES,
                options=[{"label": _(status.value_label(s)), "value": s} for s in SITE_STATUSES],
                value=["open"],
            ),
            dcc.Checklist(
                id=ids.RELOC_HAZARD_SITES,
                options=[
                    {"label": _("Allow sites in active hazard zones (flagged)"), "value": "allow"}
                ],
                value=[],
            ),
            _labelled(
                _("Maximum road distance km (empty: any)"),
                dcc.Input(
                    id=ids.RELOC_MAX_KM,
                    type="number",
                    min=1,
                    value=settings.relocation_max_distance_km,
                ),
            ),
            html.H2(_("Rules")),
            dcc.RadioItems(
                id=ids.RELOC_ROAD_MODE,
                options=[{"label": _(ROAD_MODE_LABELS[m]), "value": m} for m in ROAD_MODES],
                value="remove",
            ),
            _labelled(
                _("Fill sites up to % of capacity"),
                dcc.Input(
                    id=ids.RELOC_FILL,
                    type="number",
                    min=1,
                    max=100,
                    value=settings.relocation_fill_limit_pct,
                ),
            ),
            _labelled(
                _("Splitting penalty km (0: none)"),
                dcc.Input(id=ids.RELOC_SPLIT, type="number", min=0, value=DEFAULT_SPLIT_PENALTY_KM),
            ),
            html.P(
                _(
                    "Each extra site a village is split over counts as if the whole village "
                    "travelled this much further: villages stay together unless the places "
                    "do not allow it."
                ),
                className="muted",
            ),
            build_rules_controls(date_id=ids.RELOC_DATE, phase_id=ids.RELOC_PHASE, on=now.date()),
            html.Button(_("Plan the relocation"), id=ids.RELOC_RUN, n_clicks=0),
        ],
    )
    apply = html.Div(
        className="reloc-apply",
        hidden=not can_apply,
        children=[
            html.H3(_("Apply the plan")),
            html.P(
                _(
                    "Adds the placed people to each receiving site in one audited change. "
                    "Refused if any of these sites changed since the plan was computed."
                ),
                className="muted",
            ),
            dcc.Input(
                id=ids.RELOC_REASON,
                type="text",
                placeholder=_("Reason (required), e.g. evacuation order No. 12"),
                disabled=not can_apply,
                maxLength=REASON_MAX_LENGTH,
            ),
            html.Button(
                _("Apply to the sites"), id=ids.RELOC_APPLY, n_clicks=0, disabled=not can_apply
            ),
            # Where the officer is looking after pressing Apply (at the foot of the controls).
            html.Div(id=ids.RELOC_APPLY_MESSAGE, className="reloc-message", role="status"),
        ],
    )
    results = html.Section(
        className="reloc-results",
        children=[
            html.Div(id=ids.RELOC_MESSAGE, className="reloc-message", role="status"),
            html.Div(
                id=ids.RELOC_SUMMARY,
                children=html.P(
                    _("Planning changes nothing: choose who moves and press Plan."),
                    className="muted",
                ),
            ),
            dcc.Graph(
                id=ids.RELOC_MAP,
                figure=build_empty_map(basemap=_basemap(cache, version)),
                className="reloc-map",
                config={"displaylogo": False, "scrollZoom": True},
            ),
            html.H3(_("Who goes where")),
            build_result_grid(ids.RELOC_FLOWS, "flows"),
            html.Div(id=ids.RELOC_UNMET),
            html.H3(_("Receiving sites after the moves")),
            build_result_grid(ids.RELOC_SITES, "sites"),
            html.Button(_("Download the plan (CSV)"), id=ids.RELOC_CSV, className="secondary"),
            dcc.Download(id=ids.RELOC_DOWNLOAD),
            apply,
            html.Footer(id=ids.RELOC_FOOTER, className="data-footer"),
            dcc.Store(id=ids.RELOC_PLAN),
        ],
    )
    return html.Div(className="reloc-page", children=[controls, results])


def _basemap(cache: VersionedCache, version: int) -> dict:
    online = current_settings().online_tiles
    return cache.get(
        ("basemap", online),
        lambda: build_basemap_style(
            cache.read_layers(BASEMAP_LAYERS, version=version), online_tiles=online
        ),
        version=version,
    )


def compute_plan(cache: VersionedCache, version: int, request: RelocationRequest, rules, now):
    """(planned relocation, flow lines) for `request` at `version`, once per version and hour.

    Hazard zones and incidents in force are taken at `now`, rounded down to the hour so a
    plan and its warnings do not change between two clicks of one minute.
    """
    hour = now.replace(minute=0, second=0, microsecond=0)

    def compute():
        frames = cache.read_layers(list(PLAN_LAYERS), version=version)
        graph = road_graph_for(frames["roads"], key=(cache.store.location, version))
        planned = plan_request(frames, request, road_graph=graph, rules=rules, now=hour)
        return planned, planned.flow_lines()

    key = ("relocation", request.key(), rules.on, rules.phase, hour.isoformat())
    return cache.get(key, compute, version=version)


def run_plan(
    clicks: int | None,
    mode: str | None,
    zone_ids: list[str] | None,
    district: str | None,
    place_ids: list[str] | None,
    people: object,
    site_types: list[str] | None,
    max_km: object,
    on: str | None,
    phase: str | None,
    statuses: list[str] | None = ("open",),
    hazard_sites: list[str] | None = None,
    road_mode: str | None = "remove",
    fill_pct: object = None,
    split_km: object = DEFAULT_SPLIT_PENALTY_KM,
    *,
    now: datetime | None = None,
):
    """Plan the relocation the form describes; nothing in the store changes."""
    if not clicks:
        raise PreventUpdate
    cache = current_cache()
    version = cache.store.version()
    settings = current_settings()
    footer = build_footer(version, cache.store.data_time())
    types = None if sorted(site_types or []) == sorted(OFFERED_TYPES) else (site_types or [])
    try:
        request = RelocationRequest.from_inputs(
            mode, zone_ids, district, place_ids, people, types, max_km,
            statuses=statuses, allow_hazard_sites="allow" in (hazard_sites or ()),
            road_mode=road_mode,
            fill_limit_pct=settings.relocation_fill_limit_pct if fill_pct is None else fill_pct,
            split_penalty_km=split_km, long_trip_km=settings.relocation_long_trip_km,
        )  # fmt: skip
        rules = rules_from(standards_for(cache, version), on, phase)
        planned, lines = compute_plan(cache, version, request, rules, now or datetime.now(UTC))
    except EocError as exc:
        error = html.Div(str(exc), className="message-error")
        skip = dash.no_update
        return error, skip, skip, skip, skip, skip, None, footer
    plan = planned.plan
    figure = build_flow_figure(
        plan,
        planned.origins,
        plan.sites,
        basemap=_basemap(cache, version),
        area=planned.area,
        lines=lines,
        closures=planned.closures,
        penalised=request.road_mode == "penalise",
    )
    memo = plan_memo(plan, version=version, request=request.as_dict(), csv=plan_to_csv(plan))
    memo["token"] = _plan_token(memo, version)
    return (
        "",
        build_summary(plan, planned.label, request),
        figure,
        flow_rows(plan, long_trip_km=request.long_trip_km),
        build_warnings(plan, request.max_distance_km),
        receiving_site_rows(plan),
        memo,
        footer,
    )


def plan_job(set_progress, *args):
    """The job of the Plan button (see `run_plan`), saying what it does meanwhile."""
    set_progress(html.Div(_("Planning along the open roads…"), className="muted"))
    return run_plan(*args)


def _plan_failed(message: str):
    skip = dash.no_update
    return html.Div(message, className="message-error"), skip, skip, skip, skip, skip, skip, skip


def download_plan(clicks: int | None, memo: dict | None):
    """The plan shown, as CSV (one row per move, then the people not placed).

    The memo comes back from the browser: its version names the file, so anything but a whole
    number is refused with a message (no file name is ever built from other text).
    """
    if not clicks or not memo or "csv" not in memo:
        raise PreventUpdate
    version = _memo_version(memo.get("version"))
    if version is None:
        refused = _("This plan cannot be downloaded: its store version is not valid. Plan again.")
        return dash.no_update, html.Div(refused, className="message-error")
    return dcc.send_string(str(memo["csv"]), f"relocation-plan-v{version}.csv"), dash.no_update


def _memo_version(value: object) -> int | None:
    """A store version from the page's memo: a whole number >= 0, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _plan_token(memo: dict, version: int) -> str | None:
    """The write token of the plan shown, for roles that may apply it."""
    if not is_allowed(current_role(), Action.EDIT_SITES):
        return None
    state = plan_state(memo.get("incoming") or {}, memo.get("before") or {})
    user = current_username() or "?"
    return current_write_tokens().issue(RELOCATION, user=user, version=version, state=state)


def apply_plan(
    clicks: int | None, reason: str | None, memo: dict | None, *, now: datetime | None = None
):
    """Add the plan's people to its sites in one transaction, unless a site changed since.

    What is applied is the plan the server signed into the memo's token, once.
    """
    if not clicks:
        raise PreventUpdate
    if not memo or not memo.get("incoming"):
        return html.Div(_("Plan a relocation first."), className="message-error"), dash.no_update
    store = current_cache().store
    user = current_username() or "?"
    try:
        with current_write_tokens().redeem(
            memo.get("token"), purpose=RELOCATION, user=user
        ) as issued:
            version = apply_relocation(
                store, issued, user=user, reason=reason, now=now or datetime.now(UTC)
            )
    except ConflictError as exc:
        return html.Div(_conflict_text(exc), className="message-error"), dash.no_update
    except ValidationError as exc:
        text = exc.render(_)
        return html.Div(text, className="message-error", style={"whiteSpace": "pre-line"}), (
            dash.no_update
        )
    except EocError as exc:
        return html.Div(str(exc), className="message-error"), dash.no_update
    incoming = dict(issued.state["incoming"])
    placed = sum(int(v) for v in incoming.values())
    message = _(
        "Plan applied: {people} people added to {sites} sites in one audited change "
        "(store version {version})."
    ).format(people=format_number(placed), sites=len(incoming), version=version)
    return html.Div(message, className="message-ok"), None


def _conflict_text(exc: ConflictError) -> str:
    try:
        when = format_time(datetime.fromisoformat(exc.changed_at)) if exc.changed_at else "?"
    except ValueError:
        when = exc.changed_at
    return _(
        "Not applied: {feature} now holds {theirs} people (the plan was computed for "
        "{yours}), changed by {user} at {time}. Nothing was changed; plan again."
    ).format(
        feature=exc.feature,
        theirs="—" if exc.theirs is None else exc.theirs,
        yours="—" if exc.yours is None else exc.yours,
        user=exc.changed_by or "?",
        time=when,
    )


def register(app: Dash) -> None:
    dash.register_page(
        __name__,
        path="/relocation",
        title=N_("EOC Tajikistan — Relocation what-if"),
        layout=layout,
        name=N_("Relocation"),
        action=Action.VIEW_INTERNAL,
    )
    view = Action.VIEW_INTERNAL
    background_callback(
        app,
        view,
        Output(ids.RELOC_MESSAGE, "children"),
        Output(ids.RELOC_SUMMARY, "children"),
        Output(ids.RELOC_MAP, "figure"),
        Output(ids.RELOC_FLOWS, "rowData"),
        Output(ids.RELOC_UNMET, "children"),
        Output(ids.RELOC_SITES, "rowData"),
        Output(ids.RELOC_PLAN, "data"),
        Output(ids.RELOC_FOOTER, "children"),
        Input(ids.RELOC_RUN, "n_clicks"),
        State(ids.RELOC_MODE, "value"),
        State(ids.RELOC_ZONES, "value"),
        State(ids.RELOC_DISTRICT, "value"),
        State(ids.RELOC_PLACES, "value"),
        State(ids.RELOC_PEOPLE, "value"),
        State(ids.RELOC_TYPES, "value"),
        State(ids.RELOC_MAX_KM, "value"),
        State(ids.RELOC_DATE, "date"),
        State(ids.RELOC_PHASE, "value"),
        State(ids.RELOC_STATUSES, "value"),
        State(ids.RELOC_HAZARD_SITES, "value"),
        State(ids.RELOC_ROAD_MODE, "value"),
        State(ids.RELOC_FILL, "value"),
        State(ids.RELOC_SPLIT, "value"),
        failed=_plan_failed,
        progress=[Output(ids.RELOC_MESSAGE, "children", allow_duplicate=True)],
        running=[(Output(ids.RELOC_RUN, "disabled"), True, False)],
        prevent_initial_call=True,  # a job only when Plan is pressed
    )(plan_job)
    guarded_callback(
        app,
        view,
        Output(ids.RELOC_DOWNLOAD, "data"),
        Output(ids.RELOC_MESSAGE, "children", allow_duplicate=True),
        Input(ids.RELOC_CSV, "n_clicks"),
        State(ids.RELOC_PLAN, "data"),
        prevent_initial_call=True,
    )(download_plan)
    guarded_callback(
        app,
        Action.EDIT_SITES,
        Output(ids.RELOC_APPLY_MESSAGE, "children"),
        Output(ids.RELOC_PLAN, "data", allow_duplicate=True),
        Input(ids.RELOC_APPLY, "n_clicks"),
        State(ids.RELOC_REASON, "value"),
        State(ids.RELOC_PLAN, "data"),
        prevent_initial_call=True,
    )(apply_plan)
