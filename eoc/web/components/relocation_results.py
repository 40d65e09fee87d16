"""Tables and words for a relocation plan: who goes where, who is left, the sites after."""

from __future__ import annotations

import dash_ag_grid as dag
import pandas as pd
from dash import html

from eoc.analysis import relocation
from eoc.analysis.relocation import RelocationPlan
from eoc.i18n import N_, _, format_number
from eoc.web.components.capacity_grid import json_value

# The planner's reasons as literals, so the catalogue extractor finds them (the planner itself
# stays free of gettext; a test checks these equal its constants).
REASONS = (
    N_("no site has free places"),
    N_("no site of the chosen types has free places"),
    N_("no site with free places within {km:g} km"),
    N_("no site of the chosen types with free places within {km:g} km"),
    N_("not enough free places in the sites within {km:g} km"),
    N_("not enough free places overall"),
)
_REASON_TEMPLATES = {
    relocation.NO_SITE_IN_REACH,
    relocation.TYPE_FILTER_IN_REACH,
    relocation.NOT_ENOUGH_IN_REACH,
}
FLOW_COLUMNS = (
    ("origin_name", N_("From"), "text"),
    ("site_name", N_("To site"), "text"),
    ("site_id", N_("Site ID"), "text"),
    ("people", N_("People"), "int"),
    ("distance_km", N_("Road distance km"), "float"),
)
SITE_COLUMNS = (
    ("name", N_("Site"), "text"),
    ("individuals_before", N_("People before"), "int"),
    ("incoming", N_("Incoming"), "int"),
    ("individuals", N_("People after"), "int"),
    ("binding_capacity", N_("Binding capacity"), "int"),
    ("occupancy_pct", N_("Occupancy % after"), "pct"),
    ("free_places", N_("Free places after"), "int"),
    ("latrine_gap", N_("Latrine gap after"), "gap"),
    ("water_point_gap", N_("Water-point gap after"), "gap"),
)


def translated_reason(reason: str, max_distance_km: float | None) -> str:
    """The planner's reason in the reader's language."""
    for template in _REASON_TEMPLATES:
        if max_distance_km is not None and reason == template.format(km=max_distance_km):
            return _(template).format(km=max_distance_km)
    return _(reason)


def _columns(spec) -> list[dict]:
    columns = []
    for field, header, kind in spec:
        column: dict = {"field": field, "headerName": _(header)}
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
        defaultColDef={"sortable": True, "filter": True, "resizable": True},
        columnSize="responsiveSizeToFit",
        dashGridOptions={"domLayout": "autoHeight", "animateRows": False},
        className="reloc-grid",
        style={"width": "100%"},
    )


def flow_rows(plan: RelocationPlan) -> list[dict]:
    frame = plan.flows.assign(distance_km=plan.flows["distance_km"].round(1))
    return _records(frame, [c for c, _h, _k in FLOW_COLUMNS])


def receiving_site_rows(plan: RelocationPlan) -> list[dict]:
    """The sites the plan sends people to, after the moves."""
    sites = pd.DataFrame(plan.sites.drop(columns=plan.sites.geometry.name))
    sites = sites[sites["incoming"] > 0].sort_values("incoming", ascending=False)
    return _records(sites, [c for c, _h, _k in SITE_COLUMNS] + ["site_id"])


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    rows = frame[columns].to_dict("records")
    return [{k: json_value(v) for k, v in row.items()} for row in rows]


def build_unmet(plan: RelocationPlan, max_distance_km: float | None) -> html.Div:
    """Who could not be placed, and why; a line saying so when everyone was."""
    if plan.unmet.empty:
        return html.P(_("Everyone is placed."), className="message-ok")
    items = [
        html.Li(
            _("{people} people from {origin}: {reason}").format(
                people=format_number(int(row.people)),
                origin=row.origin_name,
                reason=translated_reason(str(row.reason), max_distance_km),
            )
        )
        for row in plan.unmet.itertuples()
    ]
    return html.Div(
        [html.P(_("Not placed:"), className="message-error"), html.Ul(items)],
        className="reloc-unmet",
    )


def build_summary(plan: RelocationPlan, label: str) -> html.Div:
    """The plan in one paragraph."""
    placed, total = plan.people_placed, plan.people_to_move
    average = plan.total_person_km / placed if placed else 0.0
    return html.Div(
        className="reloc-summary",
        children=[
            html.P(html.B(label)),
            html.P(
                _(
                    "{placed} of {total} people placed in {sites} sites; {unmet} not placed; "
                    "{km} km by road on average."
                ).format(
                    placed=format_number(placed),
                    total=format_number(total),
                    sites=format_number(int(plan.flows["site_id"].nunique())),
                    unmet=format_number(plan.people_unmet),
                    km=format_number(round(average, 1)),
                )
            ),
        ],
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
