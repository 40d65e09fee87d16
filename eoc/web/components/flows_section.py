"""The flow-monitoring section of `/capacity` (and its wall view): charts, what-if, the form.

Thin callbacks: the registry is read from the store, the projection comes from
eoc/flows/projection.py, the figures from flow_charts.py; the form's write goes through
eoc/flows/registry.py with a write token, for roles with ENTER_FLOWS.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import dash
from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

import layers
from eoc.analysis.influx import RATE_FACTORS, SITE_CATEGORIES, WhatIf
from eoc.analysis.relocation import DEFAULT_STATUSES
from eoc.errors import EocError
from eoc.flows.projection import LAYERS, new_site_at_region, project_from, rule_from_controls
from eoc.flows.registry import enter_count, read_counts
from eoc.flows.values import AGE_BANDS, CATEGORIES, DIRECTIONS, LABELS, SEXES, check_row
from eoc.i18n import _, localised, place_name
from eoc.permissions import Action, is_allowed
from eoc.web import ids
from eoc.web.components.capacity_settings import rules_from, standards_for
from eoc.web.components.flow_charts import (
    build_arrivals_figure,
    build_days_to_full_table,
    build_projection_figure,
    build_wall_arrivals_figure,
)
from eoc.web.components.view import screen_factor
from eoc.web.context import current_cache, current_settings, current_write_tokens
from eoc.web.security import current_role, current_username, guarded_callback

ENTRY = "flow-count"


def _options(values, *, labels=True) -> list[dict]:
    return [{"label": _(LABELS.get(v, v)) if labels else v, "value": v} for v in values]


def build_flows_section() -> html.Section:
    """The section: arrivals chart, projection with what-if controls, days to full, the form."""
    cache = current_cache()
    version = cache.store.version()
    frames = cache.read_layers(["regions", "displacement_sites", "border_checkpoints"],
                               version=version)  # fmt: skip
    regions = [{"label": localised(r, "adm1_name"), "value": r.adm1_iso}
               for r in frames["regions"].itertuples()]  # fmt: skip
    sites = frames["displacement_sites"]
    open_sites = sites[sites["status"] == "open"].sort_values("name")
    closable = [{"label": f"{r.name} ({r.site_id})", "value": r.site_id}
                for r in open_sites.itertuples()]  # fmt: skip
    low, high = RATE_FACTORS
    controls = html.Div(className="flows-whatif", children=[
        html.Label(_("Arrival rate (what-if)"), htmlFor=ids.FLOWS_FACTOR),
        dcc.Slider(id=ids.FLOWS_FACTOR, min=low, max=high, step=0.25, value=1.0,
                   marks={v: f"×{v:g}" for v in (0.5, 1, 1.5, 2, 2.5, 3)}),
        html.Label(_("Open a new site in region"), htmlFor=ids.FLOWS_NEW_REGION),
        dcc.Dropdown(id=ids.FLOWS_NEW_REGION, options=regions, clearable=True),
        html.Label(_("with a Sphere capacity of (people)"), htmlFor=ids.FLOWS_NEW_CAPACITY),
        dcc.Input(id=ids.FLOWS_NEW_CAPACITY, type="number", min=0, step=50),
        html.Label(_("Close sites"), htmlFor=ids.FLOWS_CLOSED),
        dcc.Dropdown(id=ids.FLOWS_CLOSED, options=closable, multi=True),
        *_rule_controls(),
    ])  # fmt: skip
    return html.Section(className="flows-section", children=[
        html.H2(_("Arrivals at border points and when the sites will be full")),
        dcc.Graph(id=ids.FLOWS_ARRIVALS, config={"displaylogo": False}),
        controls,
        dcc.Graph(id=ids.FLOWS_PROJECTION, config={"displaylogo": False}),
        html.Div(id=ids.FLOWS_DAYS, role="status"),
        _entry_form(frames["border_checkpoints"], version),
    ])  # fmt: skip


def _rule_controls() -> list:
    """Who needs a site place and where arrivals may go: the relocation planner's rules,
    starting from the same settings (EOC_RELOCATION_FILL_LIMIT_PCT, …_MAX_DISTANCE_KM)."""
    settings = current_settings()
    status = layers.get("displacement_sites").field("status")
    receiving = [{"label": _(status.value_label(s)), "value": s} for s in status.allowed]
    return [
        html.Label(_("Who needs a site place"), htmlFor=ids.FLOWS_RULE_CATEGORIES),
        dcc.Checklist(id=ids.FLOWS_RULE_CATEGORIES, options=_options(CATEGORIES),
                      value=list(SITE_CATEGORIES), inline=True),
        html.Label(_("Sites that may receive arrivals"), htmlFor=ids.FLOWS_RULE_STATUSES),
        dcc.Checklist(id=ids.FLOWS_RULE_STATUSES, options=receiving,
                      value=list(DEFAULT_STATUSES), inline=True),
        html.Label(_("Fill sites up to (% of Sphere capacity)"), htmlFor=ids.FLOWS_RULE_FILL),
        dcc.Input(id=ids.FLOWS_RULE_FILL, type="number", min=1, max=100, step=5,
                  value=settings.relocation_fill_limit_pct),
        html.Label(_("Farthest site by road (km; empty: no limit)"), htmlFor=ids.FLOWS_RULE_KM),
        dcc.Input(id=ids.FLOWS_RULE_KM, type="number", min=1, step=10,
                  value=settings.relocation_max_distance_km),
        dcc.Checklist(id=ids.FLOWS_RULE_HAZARD,
                      options=[{"label": _("Also sites inside hazard zones in force"),
                                "value": "yes"}], value=[]),
    ]  # fmt: skip


def _entry_form(checkpoints, version: int) -> html.Div:
    can = is_allowed(current_role(), Action.ENTER_FLOWS)
    token = (current_write_tokens().issue(ENTRY, user=current_username() or "?", version=version)
             if can else None)  # fmt: skip
    points = [{"label": f"{place_name(r)} ({r.checkpoint_id})", "value": r.checkpoint_id}
              for r in checkpoints.itertuples()]  # fmt: skip
    field = dict(disabled=not can)
    return html.Div(className="flows-entry", hidden=not can, children=[
        html.H3(_("Add a daily count")),
        dcc.Input(id=ids.FLOWS_ENTRY_DAY, type="text", placeholder="2026-11-22", **field),
        dcc.Dropdown(id=ids.FLOWS_ENTRY_POINT, options=points, placeholder=_("Point"), **field),
        dcc.Dropdown(id=ids.FLOWS_ENTRY_DIRECTION, options=_options(DIRECTIONS), value="in",
                     **field),
        dcc.Dropdown(id=ids.FLOWS_ENTRY_CATEGORY, options=_options(CATEGORIES),
                     value="refugees", **field),
        dcc.Dropdown(id=ids.FLOWS_ENTRY_SEX, options=_options(SEXES), value="unknown", **field),
        dcc.Dropdown(id=ids.FLOWS_ENTRY_AGE, options=_options(AGE_BANDS, labels=False),
                     value="unknown", **field),
        dcc.Input(id=ids.FLOWS_ENTRY_COUNT, type="number", min=0, placeholder=_("Count"),
                  **field),
        html.Button(_("Save count"), id=ids.FLOWS_ENTRY_SAVE, **field),
        html.Div(id=ids.FLOWS_ENTRY_MESSAGE, role="status"),
        dcc.Store(id=ids.FLOWS_ENTRY_TOKEN, data=token),
    ])  # fmt: skip


def flows_view(version: object, factor=1.0, region=None, capacity=None, closed=None,
               categories=SITE_CATEGORIES, statuses=DEFAULT_STATUSES, fill_pct=None,
               max_km=None, hazard_sites=None):  # fmt: skip
    """(arrivals figure, projection figure, days-to-full table) at the store's version,
    under the rule of the page's controls (the settings' fill limit when none is given)."""
    cache = current_cache()
    version = cache.store.version()
    frames = cache.read_layers(LAYERS, version=version)
    counts = cache.get(("flow-counts",), lambda: read_counts(cache.store.sql), version=version)
    try:
        what_if = WhatIf(
            rate_factor=float(factor or 1.0),
            new_sites=new_site_at_region(frames, region, capacity),
            closed_site_ids=tuple(closed or ()),
        )
        rule = rule_from_controls(
            categories, current_settings().relocation_fill_limit_pct if fill_pct is None
            else fill_pct, max_km, statuses, hazard_sites,
        )  # fmt: skip
        rules = rules_from(standards_for(cache, version), date.today().isoformat(), "first")
        projection = project_from(
            frames, counts, rules=rules, graph_key=(cache.store.location, version),
            what_if=what_if, rule=rule,
        )  # fmt: skip
    except EocError as exc:
        return dash.no_update, dash.no_update, html.Div(str(exc), role="alert")
    points = _point_names(frames["border_checkpoints"])
    names = {r.adm1_iso: localised(r, "adm1_name") for r in frames["regions"].itertuples()}
    return (
        build_arrivals_figure(counts, points),
        build_projection_figure(projection),
        build_days_to_full_table(projection, names),
    )


def _point_names(checkpoints) -> dict[str, str]:
    """Checkpoint id -> its name as the page's language writes it (Latin on English pages)."""
    return {str(r.checkpoint_id): place_name(r) for r in checkpoints.itertuples()}


def save_flow_count(clicks, day, point, direction, category, sex, age, count, token, *,
                    now: datetime | None = None):  # fmt: skip
    """One count from the form (one audited write); returns (message, fresh token)."""
    if not clicks:
        raise PreventUpdate
    store = current_cache().store
    user = current_username() or "?"
    checked, found = check_row({"day": day, "point_id": point, "direction": direction,
                                "category": category, "sex": sex, "age_band": age,
                                "count": count})  # fmt: skip
    if checked is None:
        text = "; ".join(f"{f}: {_(t).format(**p)}" for f, t, p in found)
        return html.Div(text, className="message-error", role="alert"), dash.no_update
    try:
        with current_write_tokens().redeem(token, purpose=ENTRY, user=user) as issued:
            done = enter_count(store.sql, checked, token=issued, by=user,
                               now=now or datetime.now(UTC))  # fmt: skip
    except EocError as exc:
        return html.Div(str(exc), className="message-error", role="alert"), dash.no_update
    fresh = current_write_tokens().issue(ENTRY, user=user, version=done.version)
    message = _("Count saved: {count} on {day} at {point}.").format(
        count=checked.count, day=checked.day.isoformat(), point=checked.point_id
    )
    return html.Div(message, className="message-ok"), fresh


def register_flows(app: Dash, *, version_id: str) -> None:
    """The section's callbacks, refreshed by the page's version store `version_id`."""
    guarded_callback(
        app, Action.VIEW_INTERNAL,
        Output(ids.FLOWS_ARRIVALS, "figure"), Output(ids.FLOWS_PROJECTION, "figure"),
        Output(ids.FLOWS_DAYS, "children"),
        Input(version_id, "data"), Input(ids.FLOWS_FACTOR, "value"),
        Input(ids.FLOWS_NEW_REGION, "value"), Input(ids.FLOWS_NEW_CAPACITY, "value"),
        Input(ids.FLOWS_CLOSED, "value"), Input(ids.FLOWS_RULE_CATEGORIES, "value"),
        Input(ids.FLOWS_RULE_STATUSES, "value"), Input(ids.FLOWS_RULE_FILL, "value"),
        Input(ids.FLOWS_RULE_KM, "value"), Input(ids.FLOWS_RULE_HAZARD, "value"),
    )(flows_view)  # fmt: skip
    guarded_callback(
        app, Action.ENTER_FLOWS,
        Output(ids.FLOWS_ENTRY_MESSAGE, "children"), Output(ids.FLOWS_ENTRY_TOKEN, "data"),
        Input(ids.FLOWS_ENTRY_SAVE, "n_clicks"),
        State(ids.FLOWS_ENTRY_DAY, "value"), State(ids.FLOWS_ENTRY_POINT, "value"),
        State(ids.FLOWS_ENTRY_DIRECTION, "value"), State(ids.FLOWS_ENTRY_CATEGORY, "value"),
        State(ids.FLOWS_ENTRY_SEX, "value"), State(ids.FLOWS_ENTRY_AGE, "value"),
        State(ids.FLOWS_ENTRY_COUNT, "value"), State(ids.FLOWS_ENTRY_TOKEN, "data"),
        prevent_initial_call=True,
    )(save_flow_count)  # fmt: skip


def build_wall_flows() -> html.Section:
    return html.Section(className="wall-flows-box", children=[
        html.H2(_("Arrivals at border points")),
        dcc.Graph(id=ids.WALL_FLOWS, config={"displayModeBar": False}),
    ])  # fmt: skip


def wall_flows(version: object, screen: dict | None = None) -> object:
    """The wall's arrivals chart at the store's version (no projection: nothing to what-if),
    its text as large for the room as the rest of the wall on a `screen` of that size."""
    cache = current_cache()
    version = cache.store.version()
    frames = cache.read_layers(["border_checkpoints"], version=version)
    counts = cache.get(("flow-counts",), lambda: read_counts(cache.store.sql), version=version)
    names = _point_names(frames["border_checkpoints"])
    return build_wall_arrivals_figure(counts, names, scale=screen_factor(screen))


def register_wall_flows(app: Dash, *, version_id: str, screen_id: str) -> None:
    guarded_callback(
        app, Action.VIEW_WALL, Output(ids.WALL_FLOWS, "figure"), Input(version_id, "data"),
        Input(screen_id, "data"),
    )(wall_flows)  # fmt: skip
