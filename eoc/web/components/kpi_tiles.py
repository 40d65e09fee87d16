"""KPI tiles: the headline figures as large numbers with a label each."""

from __future__ import annotations

from dash import html

from eoc.analysis.kpis import Kpis
from eoc.i18n import N_, _, format_number

# (field of Kpis, label, whether a non-zero value needs attention)
TILES: tuple[tuple[str, str, bool], ...] = (
    ("people_in_sites", N_("People in sites"), False),
    ("open_sites", N_("Open sites"), False),
    ("sites_over_capacity", N_("Sites over capacity"), True),
    ("active_hazard_zones", N_("Active hazard zones"), False),
    ("projects_in_hazard_zones", N_("Projects in hazard zones"), True),
    ("closed_checkpoints", N_("Closed checkpoints"), True),
    ("restricted_checkpoints", N_("Restricted checkpoints"), True),
    ("new_severe_incidents", N_("New high/critical incidents ({hours} h)"), True),
)


def build_kpi_tiles(kpis: Kpis, *, large: bool = False) -> html.Div:
    """One tile per headline figure; tiles needing attention carry the `kpi-alert` class."""
    tiles = []
    for name, label, alerting in TILES:
        value = getattr(kpis, name)
        classes = f"kpi-tile kpi-{name.replace('_', '-')}"
        if alerting and value:
            classes += " kpi-alert"
        tiles.append(
            html.Div(
                className=classes,
                children=[
                    html.Div(format_number(value), className="kpi-value"),
                    html.Div(
                        _(label).format(hours=format_number(kpis.new_incident_hours)),
                        className="kpi-label",
                    ),
                ],
            )
        )
    return html.Div(tiles, className="kpi-tiles kpi-tiles-large" if large else "kpi-tiles")
