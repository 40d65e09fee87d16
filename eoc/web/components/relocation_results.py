"""Tables and words for a relocation plan: who goes where, who is left, the sites after."""

from __future__ import annotations

import dash_ag_grid as dag
import pandas as pd
from dash import html

import layers
from eoc.analysis.relocation import RelocationPlan
from eoc.analysis.relocation_warnings import HELD_BACK, NOT_PLACED, NOT_PLACED_KINDS
from eoc.i18n import N_, _, format_number
from eoc.relocation_planner import RelocationRequest, warning_text
from eoc.web.components.capacity_grid import json_value
from eoc.web.components.grid_locale import WRAPPED_HEADER_PX, grid_locale_text, header_min_width

FLOW_COLUMNS = (
    ("origin_name", N_("From"), "text"),
    ("site_name", N_("To site"), "text"),
    ("site_id", N_("Site ID"), "text"),
    ("people", N_("People"), "int"),
    ("distance_km", N_("Road distance km"), "float"),
    ("notes", N_("Check"), "text"),
)
SITE_COLUMNS = (
    ("name", N_("Site"), "text"),
    ("individuals_before", N_("People before"), "int"),
    ("incoming", N_("Incoming"), "int"),
    ("individuals", N_("People after"), "int"),
    ("binding_capacity", N_("Binding capacity"), "int"),
    ("occupancy_pct", N_("Occupancy % after"), "pct"),
    ("fill_limit_places", N_("Fill limit"), "int"),
    ("free_places", N_("Free places after"), "int"),
    ("latrine_gap", N_("Latrine gap after"), "gap"),
    ("water_point_gap", N_("Water-point gap after"), "gap"),
)


def _columns(spec) -> list[dict]:
    columns = []
    for field, header, kind in spec:
        column: dict = {"field": field, "headerName": _(header)}
        column["minWidth"] = header_min_width(column["headerName"])
        if kind != "text":
            column |= {"cellDataType": "number", "type": "rightAligned"}
        if kind == "pct":
            column["valueFormatter"] = {
                "function": "params.value == null ? '—' : Math.round(params.value) + ' %'"
            }
            column["cellClassRules"] = {"cap-over": "params.value > 100"}
        if kind == "gap":
            column["cellClassRules"] = {"cap-gap": "params.value > 0"}
        columns.append(column)
    return columns


def build_result_grid(grid_id: str, kind: str) -> dag.AgGrid:
    """An empty grid for the moves ("flows") or the receiving sites ("sites")."""
    spec = FLOW_COLUMNS if kind == "flows" else SITE_COLUMNS
    return dag.AgGrid(
        id=grid_id,
        rowData=[],
        columnDefs=_columns(spec),
        defaultColDef={
            "sortable": True,
            "filter": True,
            "resizable": True,
            "wrapHeaderText": True,  # long Tajik and Russian headings wrap, not cut
        },
        columnSize="responsiveSizeToFit",
        dashGridOptions={
            "domLayout": "autoHeight",
            "animateRows": False,
            "localeText": grid_locale_text(),  # the grid's own texts in the page's language
            "headerHeight": WRAPPED_HEADER_PX,
        },
        className="reloc-grid",
        style={"width": "100%"},
    )


def flow_rows(plan: RelocationPlan, *, long_trip_km: float | None = None) -> list[dict]:
    """One row per move, with what to check about it (hazard zone, status, road, length)."""
    frame = plan.flows.assign(
        distance_km=plan.flows["distance_km"].round(1),
        notes=[_row_notes(row, long_trip_km) for row in plan.flows.itertuples()],
    )
    return _records(frame, [c for c, _h, _k in FLOW_COLUMNS])


def _row_notes(row, long_trip_km: float | None) -> str:
    notes = []
    if row.site_hazard:
        notes.append(_("in hazard zone: {zones}").format(zones=row.site_hazard))
    if row.site_status != "open":
        notes.append(_("site not open"))
    if row.through_closed:
        notes.append(_("closed road"))
    if long_trip_km is not None and row.distance_km > long_trip_km:
        notes.append(_("long trip"))
    if row.straight_line:
        notes.append(_("straight-line estimate"))
    return "; ".join(notes)


def receiving_site_rows(plan: RelocationPlan) -> list[dict]:
    """The sites the plan sends people to, after the moves."""
    sites = pd.DataFrame(plan.sites.drop(columns=plan.sites.geometry.name))
    sites = sites[sites["incoming"] > 0].sort_values("incoming", ascending=False)
    return _records(sites, [c for c, _h, _k in SITE_COLUMNS] + ["site_id"])


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    rows = frame[columns].to_dict("records")
    return [{k: json_value(v) for k, v in row.items()} for row in rows]


def build_warnings(plan: RelocationPlan, max_distance_km: float | None) -> html.Div:
    """What to check before applying: who could not be placed, and every other warning."""
    unplaced = [w for w in plan.warnings if w.kind == NOT_PLACED]
    held = [w for w in plan.warnings if w.kind in HELD_BACK]
    others = [w for w in plan.warnings if w.kind not in NOT_PLACED_KINDS]
    parts = []
    if unplaced:
        parts += [
            html.P(
                _("Not placed: {unmet} of {total} people").format(
                    unmet=format_number(plan.people_unmet),
                    total=format_number(plan.people_to_move),
                ),
                className="message-error",
            ),
            html.Ul([html.Li(warning_text(w, max_distance_km=max_distance_km)) for w in unplaced]),
        ]
    if held:
        parts += [
            html.P(_("Places the rules held back (change a rule to use them):")),
            html.Ul(
                [html.Li(warning_text(w, max_distance_km=max_distance_km)) for w in held],
                className="reloc-held-back",
            ),
        ]
    else:
        parts.append(html.P(_("Everyone is placed."), className="message-ok"))
    if others:
        parts += [
            html.P(
                _("Check before applying ({count}):").format(count=len(others)),
                className="message-warning",
            ),
            html.Ul([html.Li(warning_text(w, max_distance_km=max_distance_km)) for w in others]),
        ]
    return html.Div(parts, className="reloc-unmet")


def build_summary(plan: RelocationPlan, label: str, request: RelocationRequest) -> html.Div:
    """The plan in one paragraph, and the rules it followed."""
    placed, total = plan.people_placed, plan.people_to_move
    average = plan.total_person_km / placed if placed else 0.0
    longest = float(plan.flows["distance_km"].max()) if placed else 0.0
    return html.Div(
        className="reloc-summary",
        children=[
            html.P(html.B(label)),
            html.P(
                _(
                    "{placed} of {total} people placed in {sites} sites; {unmet} not placed; "
                    "{km} km by road on average, {max_km} km at most."
                ).format(
                    placed=format_number(placed),
                    total=format_number(total),
                    sites=format_number(int(plan.flows["site_id"].nunique())),
                    unmet=format_number(plan.people_unmet),
                    km=format_number(round(average, 1)),
                    max_km=format_number(round(longest)),
                )
            ),
            html.P(rules_text(request), className="muted"),
        ],
    )


def rules_text(request: RelocationRequest) -> str:
    """The rules of a plan, in words (the splitting penalty explained)."""
    status = layers.get("displacement_sites").field("status")
    statuses = ", ".join(_(status.value_label(s)).lower() for s in request.statuses)
    roads = (
        _("roads through active hazard zones or blocked are not used")
        if request.road_mode == "remove"
        else _("roads through active hazard zones or blocked count three times their length")
    )
    return _(
        "Rules: sites that are {statuses}; filled to {fill} % of their capacity; {roads}; "
        "sites in active hazard zones {hazard}. Splitting penalty {penalty} km: sending a "
        "village's people to one more site counts as if the whole village travelled {penalty} "
        "km further, so a village goes to as few sites as the places allow."
    ).format(
        statuses=statuses,
        fill=format_number(request.fill_limit_pct),
        roads=roads,
        hazard=_("allowed, flagged") if request.allow_hazard_sites else _("excluded"),
        penalty=format_number(request.split_penalty_km),
    )


def plan_memo(plan: RelocationPlan, *, version: int, request: dict, csv: str) -> dict:
    """What the page keeps of a plan: small, JSON, enough to download and apply it."""
    receiving = plan.sites[plan.sites["incoming"] > 0]
    before = {
        str(row.site_id): None if pd.isna(row.individuals_before) else int(row.individuals_before)
        for row in receiving.itertuples()
    }
    incoming = {str(row.site_id): int(row.incoming) for row in receiving.itertuples()}
    return {
        "version": version,
        "request": request,
        "incoming": incoming,
        "before": before,
        "placed": plan.people_placed,
        "csv": csv,
    }
