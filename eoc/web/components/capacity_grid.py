"""The site capacity grid: rows from `site_capacity`, columns for dash-ag-grid.

Colours come from class rules (assets/capacity.css): a row over capacity, an occupancy near
or above 100 %, a latrine or water-point gap, high congestion. Editable columns are marked
editable only for roles that may edit sites; the save callback checks the role again.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

import dash_ag_grid as dag
import geopandas as gpd
import numpy as np
import pandas as pd

import layers
from eoc.i18n import N_, _, localised
from eoc.site_edits import EDITABLE_FIELDS
from eoc.web.components.grid_locale import WRAPPED_HEADER_PX, grid_locale_text, header_min_width

SPEC = layers.get("displacement_sites")
BINDING_LABELS = {
    "covered_space": N_("Covered space"),
    "site_area": N_("Site area"),
    "declared": N_("Declared capacity"),
}
CONGESTION_LABELS = {
    "high": N_("High"),
    "moderate": N_("Moderate"),
    "low": N_("Low"),
    "none": N_("No congestion"),
}
# (field, header, kind); kind: text, int, float, pct, date, code (a label shown for a code).
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("site_id", N_("Site ID"), "text"),
    ("name", N_("Site"), "text"),
    ("site_type_label", N_("Type"), "text"),
    ("adm1_iso", N_("Region"), "text"),
    ("adm2_name", N_("District"), "text"),
    ("status", N_("Status"), "status"),
    ("individuals", N_("People"), "int"),
    ("households", N_("Households"), "int"),
    ("capacity", N_("Declared capacity"), "int"),
    ("binding_capacity", N_("Binding capacity"), "assessed"),
    ("binding_standard_label", N_("Binding limit"), "text"),
    ("occupancy_pct", N_("Occupancy %"), "pct"),
    ("free_places", N_("Free places"), "assessed"),
    ("congestion_label", N_("Congestion"), "text"),
    ("site_area_m2", N_("Site area m²"), "float"),
    ("covered_area_m2", N_("Covered area m²"), "float"),
    ("latrines", N_("Latrines"), "int"),
    ("latrine_gap", N_("Latrine gap"), "gap"),
    ("water_points", N_("Water points"), "int"),
    ("water_point_gap", N_("Water-point gap"), "gap"),
    ("last_assessment", N_("Last assessment"), "date"),
    ("managing_agency", N_("Managed by"), "text"),
)


# Column widths in px: the rows arrive after the grid is drawn, so it cannot size to them.
WIDTHS = {
    "site_id": 120,
    "name": 300,
    "site_type_label": 160,
    "adm1_iso": 100,
    "adm2_name": 170,
    "binding_standard_label": 160,
    "last_assessment": 150,
    "managing_agency": 260,
}


def site_rows(checked: gpd.GeoDataFrame) -> list[dict]:
    """JSON rows for the grid from sites checked by `site_capacity` (labels translated)."""
    type_field = SPEC.field("site_type")
    frame = pd.DataFrame(checked.drop(columns=checked.geometry.name))
    frame["site_type_label"] = [_(type_field.value_label(v)) for v in frame["site_type"]]
    frame["binding_standard_label"] = [
        _(BINDING_LABELS[v]) if v in BINDING_LABELS else "" for v in frame["binding_standard"]
    ]
    frame["congestion_label"] = [
        _(CONGESTION_LABELS[v]) if v in CONGESTION_LABELS else "" for v in frame["congestion"]
    ]
    wanted = [c for c, _h, _k in COLUMNS] + ["over_capacity", "congestion", "sensitive"]
    records = frame[[c for c in wanted if c in frame.columns]].to_dict("records")
    return [{key: json_value(value) for key, value in row.items()} for row in records]


def json_value(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return round(value, 1)
    return value


def site_columns(*, editable: bool) -> list[dict]:
    """Column definitions; `editable` for roles that may edit sites."""
    not_assessed = json.dumps(_("not assessed"))
    status = SPEC.field("status")
    columns = []
    for field, header, kind in COLUMNS:
        column: dict = {"field": field, "headerName": _(header)}
        can_edit = editable and field in EDITABLE_FIELDS
        if can_edit:
            column["editable"] = True
            column["cellClass"] = "cap-editable"
        if field in ("site_id", "name"):
            column["pinned"] = "left"
        column["width"] = max(WIDTHS.get(field, 120), header_min_width(column["headerName"]))
        if kind in ("int", "float", "assessed", "gap", "pct"):
            column["cellDataType"] = "number"
            column["filter"] = "agNumberColumnFilter"
            column["type"] = "rightAligned"
        if kind in ("int", "float") and can_edit:
            column["cellEditor"] = "agNumberCellEditor"
            column["cellEditorParams"] = {"min": 0, "precision": 0 if kind == "int" else 1}
        if kind == "assessed":
            column["valueFormatter"] = {
                "function": f"params.value == null ? {not_assessed} : String(params.value)"
            }
        if kind == "pct":
            column["valueFormatter"] = {
                "function": (
                    f"params.value == null ? {not_assessed} : Math.round(params.value) + ' %'"
                )
            }
            column["cellClassRules"] = {
                "cap-over": "params.value > 100",
                "cap-near": "params.value >= 90 && params.value <= 100",
            }
        if kind == "gap":
            column["cellClassRules"] = {"cap-gap": "params.value > 0"}
        if kind == "date":
            column["cellDataType"] = "dateString"
            column["filter"] = "agDateColumnFilter"
        if kind == "status":
            column["cellDataType"] = "text"
            column["refData"] = {v: _(status.value_label(v)) for v in status.allowed}
            if can_edit:
                column["cellEditor"] = "agSelectCellEditor"
                column["cellEditorParams"] = {"values": list(status.allowed)}
        if kind == "text":
            column["cellDataType"] = "text"
        if field == "congestion_label":
            column["cellClassRules"] = {"cap-congested": "params.data.congestion === 'high'"}
        columns.append(column)
    return columns


def build_site_grid(grid_id: str, *, editable: bool) -> dag.AgGrid:
    """The empty grid; rows arrive from the refresh callback."""
    return dag.AgGrid(
        id=grid_id,
        rowData=[],
        columnDefs=site_columns(editable=editable),
        defaultColDef={
            "sortable": True,
            "filter": True,
            "floatingFilter": True,
            "resizable": True,
            "minWidth": 90,
            # Long Tajik and Russian headings wrap (in a fixed height: an automatic one
            # re-lays the rows out under the user's pointer) instead of being cut.
            "wrapHeaderText": True,
        },
        getRowId="params.data.site_id",
        rowClassRules={"cap-row-over": "params.data.over_capacity === true"},
        dashGridOptions={
            "localeText": grid_locale_text(),  # the grid's own texts in the page's language
            "headerHeight": WRAPPED_HEADER_PX,
            "rowSelection": {
                "mode": "singleRow",
                "checkboxes": False,
                "enableClickSelection": True,
            },
            "stopEditingWhenCellsLoseFocus": True,
            # 22 columns: render them all, so every colour rule is on the page at once.
            "suppressColumnVirtualisation": True,
            "animateRows": False,
            "tooltipShowDelay": 300,
        },
        className="cap-grid",
        style={"height": "520px", "width": "100%"},
    )


def labelled_regions(regions: gpd.GeoDataFrame, codes: Iterable[str]) -> dict[str, str]:
    """adm1 code -> the region's short name in the current language."""
    names = {str(r.adm1_iso): localised(r, "name_short") for r in regions.itertuples()}
    return {code: names.get(code, code) for code in codes}
