"""Site capacity (`/capacity`): every site against the Sphere standards, editable by CCCM staff.

A grid of sites with their binding capacity, occupancy, free places, congestion and WASH
gaps (coloured where a site is over capacity or short of latrines or water points), charts
by region and the selected site's history from the audit log. CCCM staff and admins edit
site figures in the grid: each cell change is one audited edit with a reason, refused if
someone else changed the site since the grid loaded it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dash
import pandas as pd
from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from eoc.analysis.capacity import occupancy_by_region, site_capacity, wash_gaps_by_region
from eoc.analysis.kpis import sites_over_capacity, sites_over_declared_capacity
from eoc.errors import ConflictError, EocError, ValidationError
from eoc.i18n import N_, _, format_number, format_time
from eoc.permissions import Action, is_allowed
from eoc.site_edits import SITE_ROW, CellChange, checked_change, row_state, save_cell_change
from eoc.store.rows import REASON_MAX_LENGTH
from eoc.web import ids
from eoc.web.cache import VersionedCache
from eoc.web.components.capacity_charts import (
    build_history_figure,
    build_occupancy_chart,
    build_placeholder,
    build_wash_chart,
    site_history,
)
from eoc.web.components.capacity_grid import (
    SPEC,
    build_site_grid,
    labelled_regions,
    site_rows,
)
from eoc.web.components.capacity_settings import (
    build_rules_controls,
    describe_rules,
    rules_from,
    standards_for,
)
from eoc.web.components.flows_section import build_flows_section, register_flows
from eoc.web.components.footer import build_footer
from eoc.web.context import current_cache, current_settings, current_write_tokens
from eoc.web.polling import poll_version
from eoc.web.security import current_role, current_username, guarded_callback, guarded_layout

HISTORY_LIMIT = 500
SELECT_A_SITE = N_("Select a site in the grid to see its history.")


@guarded_layout(Action.VIEW_INTERNAL)
def layout(**_query: str) -> html.Div:
    can_edit = is_allowed(current_role(), Action.EDIT_SITES)
    today = datetime.now(UTC).date()
    # The reason input is always in the page (the save callback reads it); disabled for
    # roles that may not edit, and the save callback checks the role on the server anyway.
    hint = (
        _(
            "Type a reason first, then double-click a white cell to edit. "
            "Each change is saved at once and recorded in the audit log."
        )
        if can_edit
        else _("Read only: CCCM staff and administrators can edit site figures.")
    )
    editing = html.Div(
        className="cap-editing",
        hidden=not can_edit,
        children=[
            html.Label(_("Reason for your changes"), htmlFor=ids.CAP_REASON),
            dcc.Input(
                id=ids.CAP_REASON,
                type="text",
                placeholder=_("e.g. headcount by the site manager, 22 Nov"),
                disabled=not can_edit,
                className="cap-reason",
                maxLength=REASON_MAX_LENGTH,
            ),
        ],
    )
    return html.Div(
        className="cap-page",
        children=[
            html.H2(_("Site capacity against the Sphere standards")),
            build_rules_controls(date_id=ids.CAP_DATE, phase_id=ids.CAP_PHASE, on=today),
            html.P(id=ids.CAP_RULES, className="muted cap-rules"),
            editing,
            html.P(hint, className="muted cap-hint"),
            html.Div(id=ids.CAP_MESSAGE, className="cap-message", role="status"),
            build_site_grid(ids.CAP_GRID, editable=can_edit),
            html.Div(
                className="cap-charts",
                children=[
                    dcc.Graph(id=ids.CAP_OCCUPANCY, config={"displaylogo": False}),
                    dcc.Graph(id=ids.CAP_WASH, config={"displaylogo": False}),
                ],
            ),
            dcc.Graph(
                id=ids.CAP_HISTORY,
                figure=build_placeholder(_(SELECT_A_SITE)),
                config={"displaylogo": False},
            ),
            build_flows_section(),
            html.Footer(id=ids.CAP_FOOTER, className="data-footer"),
            dcc.Interval(id=ids.CAP_POLL, interval=int(current_settings().refresh_s * 1000)),
            dcc.Store(id=ids.CAP_VERSION),
            dcc.Store(id=ids.CAP_RELOAD, data=0),
        ],
    )


def checked_sites(cache: VersionedCache, version: int, on: str | None, phase: str | None):
    """The sites checked by `site_capacity` under the chosen rules (cached per version)."""
    rules = rules_from(standards_for(cache, version), on, phase)
    sites = cache.get(
        ("capacity", rules.on, rules.phase),
        lambda: site_capacity(
            cache.read_layers(["displacement_sites"], version=version)["displacement_sites"],
            rules=rules,
        ),
        version=version,
    )
    return sites, rules


def refresh_capacity(
    version: int | None, on: str | None, phase: str | None, _reload: int | None = None
):
    """Rows, charts, the rules in words and the footer, all from one store version.

    Always the store's current version: the poll's `version` and the save's `_reload` only
    trigger the refresh, and a grid reloaded after a save must show what was saved.
    """
    cache = current_cache()
    version = cache.store.version()
    footer = build_footer(version, cache.store.data_time())
    try:
        sites, rules = checked_sites(cache, version, on, phase)
    except EocError as exc:
        blank = build_placeholder(str(exc))
        return dash.no_update, blank, blank, html.Span(str(exc), className="message-error"), footer
    regions = cache.read_layers(["regions"], version=version)["regions"]
    by_region = occupancy_by_region(sites)
    names = labelled_regions(regions, by_region["adm1_iso"])
    return (
        _with_tokens(site_rows(sites), version),
        build_occupancy_chart(by_region, names),
        build_wash_chart(wash_gaps_by_region(sites), names),
        [html.Strong(describe_over_capacity(sites, rules=rules)), " ", describe_rules(rules)],
        footer,
    )


def describe_over_capacity(sites, *, rules) -> str:
    """'12 open or closing sites over capacity (9 over their declared capacity).'"""
    return _(
        "{count} open or closing sites over capacity ({declared} over their declared capacity)."
    ).format(
        count=format_number(len(sites_over_capacity(sites, rules=rules))),
        declared=format_number(len(sites_over_declared_capacity(sites))),
    )


# The grid's rows carry the write token of each row (not a column: the grid never shows it).
TOKEN_KEY = "_token"


def _with_tokens(rows: list[dict], version: int) -> list[dict]:
    """Rows with a write token each, for roles that may edit; unchanged for others."""
    if not is_allowed(current_role(), Action.EDIT_SITES):
        return rows
    tokens, user = current_write_tokens(), current_username() or "?"
    return [
        row | {TOKEN_KEY: tokens.issue(SITE_ROW, user=user, version=version, state=row_state(row))}
        for row in rows
    ]


def save_cell(
    changed: list[dict] | dict | None,
    reason: str | None,
    reload: int | None,
    *,
    now: datetime | None = None,
):
    """Save a cell the user changed; on any refusal say why and reload the grid's rows."""
    events = [changed] if isinstance(changed, dict) else list(changed or [])
    if not events:
        raise PreventUpdate
    store = current_cache().store
    tokens, user = current_write_tokens(), current_username() or "?"
    messages = []
    for event in events:
        try:
            token = ((event or {}).get("data") or {}).get(TOKEN_KEY)
            # The same token may change several cells of its row, each cell once.
            replay = f"{event.get('colId')}={event.get('value')!r}"
            with tokens.redeem(token, purpose=SITE_ROW, user=user, key=replay) as issued:
                change = checked_change(event, issued)
                version = save_cell_change(
                    store,
                    change,
                    loaded_at=issued.version,
                    user=user,
                    reason=reason,
                    now=now or datetime.now(UTC),
                )
        except ConflictError as exc:
            messages.append(html.Div(_conflict_text(exc), className="message-error"))
        except ValidationError as exc:
            messages.append(html.Div(exc.render(_), className="message-error"))
        except EocError as exc:
            messages.append(html.Div(str(exc), className="message-error"))
        else:
            messages.append(html.Div(_saved_text(change, version), className="message-ok"))
    return html.Div(messages, style={"whiteSpace": "pre-line"}), (reload or 0) + 1


def _label(field: str) -> str:
    return _(SPEC.field(field).title) if field in SPEC.field_names else field


def _conflict_text(exc: ConflictError) -> str:
    try:
        when = format_time(datetime.fromisoformat(exc.changed_at)) if exc.changed_at else "?"
    except ValueError:
        when = exc.changed_at
    return _(
        "Not saved: {feature} — {field} was changed to {theirs} by {user} at {time} after "
        "the grid loaded it (you saw {yours}). The grid now shows the stored values; "
        "make your change again if it is still right."
    ).format(
        feature=exc.feature,
        field=_label(exc.field),
        theirs="—" if exc.theirs is None else exc.theirs,
        user=exc.changed_by or "?",
        time=when,
        yours="—" if exc.yours is None else exc.yours,
    )


def _saved_text(change: CellChange, version: int) -> str:
    return _("Saved: site {id}, {field} {old} → {new} (store version {version}).").format(
        id=change.site_id,
        field=_label(change.field),
        old="—" if change.old_value is None else change.old_value,
        new="—" if change.new_value is None else change.new_value,
        version=version,
    )


def show_history(selected: list[dict] | None, _version: int | None = None, *, now=None):
    """The selected site's people and status over time, from the audit log."""
    if not selected:
        return build_placeholder(_(SELECT_A_SITE))
    row = selected[0] if isinstance(selected, list) else None
    site_id = (row or {}).get("site_id")
    if not site_id:
        return build_placeholder(_(SELECT_A_SITE))
    cache = current_cache()
    version = cache.store.version()
    sites = cache.read_layers(["displacement_sites"], version=version)["displacement_sites"]
    match = sites[sites["site_id"] == str(site_id)]
    if match.empty:
        return build_placeholder(_("Site {id} is no longer in the store.").format(id=site_id))
    site = match.iloc[0]
    people = None if pd.isna(site["individuals"]) else int(site["individuals"])
    entries = cache.store.audit_log(
        layer="displacement_sites", feature_id=str(site_id), limit=HISTORY_LIMIT
    )
    history = site_history(entries, people_now=people, status_now=site["status"])
    return build_history_figure(
        history, site_name=str(site["name"]), people_now=people, now=now or datetime.now(UTC)
    )


def register(app: Dash) -> None:
    dash.register_page(
        __name__,
        path="/capacity",
        title=N_("EOC Tajikistan — Site capacity"),
        layout=layout,
        name=N_("Site capacity"),
        action=Action.VIEW_INTERNAL,
    )
    view = Action.VIEW_INTERNAL
    register_flows(app, version_id=ids.CAP_VERSION)
    guarded_callback(
        app,
        view,
        Output(ids.CAP_VERSION, "data"),
        Input(ids.CAP_POLL, "n_intervals"),
        State(ids.CAP_VERSION, "data"),
    )(poll_version)
    guarded_callback(
        app,
        view,
        Output(ids.CAP_GRID, "rowData"),
        Output(ids.CAP_OCCUPANCY, "figure"),
        Output(ids.CAP_WASH, "figure"),
        Output(ids.CAP_RULES, "children"),
        Output(ids.CAP_FOOTER, "children"),
        Input(ids.CAP_VERSION, "data"),
        Input(ids.CAP_DATE, "date"),
        Input(ids.CAP_PHASE, "value"),
        Input(ids.CAP_RELOAD, "data"),
    )(refresh_capacity)
    guarded_callback(
        app,
        view,
        Output(ids.CAP_HISTORY, "figure"),
        Input(ids.CAP_GRID, "selectedRows"),
        Input(ids.CAP_VERSION, "data"),
    )(show_history)
    guarded_callback(
        app,
        Action.EDIT_SITES,
        Output(ids.CAP_MESSAGE, "children"),
        Output(ids.CAP_RELOAD, "data"),
        Input(ids.CAP_GRID, "cellValueChanged"),
        State(ids.CAP_REASON, "value"),
        State(ids.CAP_RELOAD, "data"),
        prevent_initial_call=True,
    )(save_cell)
