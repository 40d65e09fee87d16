"""KPI tiles: the headline figures as large numbers with a label each."""

from __future__ import annotations

from collections.abc import Mapping

from dash import html

from eoc.analysis.kpis import Kpis, PublicKpis
from eoc.i18n import N_, _, format_number

# (field of Kpis, label, whether a non-zero value needs attention)
TILES: tuple[tuple[str, str, bool], ...] = (
    ("residents_exposed", N_("Residents in hazard zones"), False),
    ("people_in_sites", N_("People in sites"), False),
    ("open_sites", N_("Open sites"), False),
    ("sites_over_capacity", N_("Sites over capacity"), True),
    ("active_hazard_zones", N_("Active hazard zones"), False),
    ("projects_in_hazard_zones", N_("Projects in hazard zones"), True),
    ("closed_checkpoints", N_("Closed checkpoints"), True),
    ("restricted_checkpoints", N_("Restricted checkpoints"), True),
    ("new_severe_incidents", N_("New high/critical incidents ({hours} h)"), True),
)
# The public page's tiles: the figures of `PublicKpis`, with the labels of the internal ones.
PUBLIC_TILES = tuple(tile for tile in TILES if tile[0] in PublicKpis.__dataclass_fields__)


def build_kpi_tiles(
    kpis: Kpis | PublicKpis,
    *,
    large: bool = False,
    scope: str | None = None,
    notes: Mapping[str, str] | None = None,
    tiles: tuple[tuple[str, str, bool], ...] = TILES,
) -> html.Div:
    """One tile per headline figure; tiles needing attention carry the `kpi-alert` class.

    `scope` says what the figures cover (the whole country or one region); `notes` are
    second lines by figure (what residents are counted from). A figure that is None (not
    computed) has no tile.
    """
    shown = []
    for name, label, alerting in tiles:
        value = getattr(kpis, name)
        if value is None:
            continue
        classes = f"kpi-tile kpi-{name.replace('_', '-')}"
        if alerting and value:
            classes += " kpi-alert"
        shown.append(
            html.Div(
                className=classes,
                children=[
                    html.Div(format_number(value), className="kpi-value"),
                    html.Div(
                        _(label).format(
                            hours=format_number(getattr(kpis, "new_incident_hours", 0))
                        ),
                        className="kpi-label",
                    ),
                    *_detail(kpis, name, notes or {}),
                ],
            )
        )
    grid = html.Div(shown, className="kpi-tiles kpi-tiles-large" if large else "kpi-tiles")
    if not scope:
        return grid
    return html.Div([html.Div(scope, className="kpi-scope"), grid], className="kpi-block")


def _detail(kpis: Kpis | PublicKpis, name: str, notes: Mapping[str, str]) -> list[html.Div]:
    """A second line under a tile, where one figure needs another beside it."""
    if notes.get(name):
        return [html.Div(notes[name], className="kpi-detail")]
    if name != "sites_over_capacity":
        return []
    text = _("{count} over declared capacity").format(
        count=format_number(kpis.sites_over_declared_capacity)
    )
    return [html.Div(text, className="kpi-detail")]
