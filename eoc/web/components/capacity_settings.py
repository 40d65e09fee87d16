"""The capacity settings both CCCM pages share: the day (cold season or not) and the phase."""

from __future__ import annotations

from datetime import date

from dash import dcc, html

from eoc.analysis.capacity import PHASES, CapacityRules, CapacityStandards, load_standards
from eoc.errors import EocError
from eoc.i18n import N_, _, format_day, format_number
from eoc.web.cache import VersionedCache

PHASE_LABELS = {"first": N_("First phase (emergency)"), "medium_term": N_("Medium term")}


def build_rules_controls(*, date_id: str, phase_id: str, on: date) -> html.Div:
    """A date picker for the season and a phase choice."""
    return html.Div(
        className="cap-settings",
        children=[
            html.Label(
                [
                    html.Span(_("Season date")),
                    dcc.DatePickerSingle(
                        id=date_id, date=on.isoformat(), display_format="YYYY-MM-DD"
                    ),
                ]
            ),
            html.Label(
                [
                    html.Span(_("Response phase")),
                    dcc.Dropdown(
                        id=phase_id,
                        options=[{"label": _(PHASE_LABELS[p]), "value": p} for p in PHASES],
                        value=PHASES[0],
                        clearable=False,
                    ),
                ]
            ),
        ],
    )


def standards_for(cache: VersionedCache, version: int) -> CapacityStandards:
    """The default standards profile, read once per store version."""
    return cache.get(("capacity-standards",), load_standards, version=version)


def rules_from(standards: CapacityStandards, on: str | None, phase: str | None) -> CapacityRules:
    """Rules for the chosen day and phase; a missing day is refused, not guessed."""
    try:
        day = date.fromisoformat(str(on)[:10])
    except (TypeError, ValueError):
        raise EocError(_("choose the season date (YYYY-MM-DD)")) from None
    if phase not in PHASES:
        raise EocError(_("choose the response phase"))
    return CapacityRules(standards, on=day, phase=phase)


def describe_rules(rules: CapacityRules) -> str:
    """'Standards sphere_2018 on 22 Nov 2026 (cold season): 4.5 m² covered per person, …'."""
    season = _("cold season") if rules.cold else _("warm season")
    return _(
        "Standards {profile} on {day} ({season}): {covered} m² covered space per person, "
        "{site} m² site area per person, {toilet} people per latrine, {tap} people per water point."
    ).format(
        profile=rules.standards.profile,
        day=format_day(rules.on),
        season=season,
        covered=format_number(rules.covered_m2_per_person),
        site=format_number(rules.standards.site_m2_per_person),
        toilet=format_number(rules.people_per_toilet),
        tap=format_number(rules.standards.people_per_tap),
    )
