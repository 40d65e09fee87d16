"""The operations page's feature panel and its two forms: a new incident, a status change.

Each write redeems a single-use write token (eoc/write_tokens.py) and is one audited
transaction (eoc/incident_log.py); the panel is re-read from the store after a change.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dash
from dash import Dash, Input, Output, State, html
from dash.exceptions import PreventUpdate

import layers
from eoc.analysis.capacity import site_capacity
from eoc.errors import EocError, ValidationError
from eoc.i18n import _, localised
from eoc.incident_log import (
    NEW_INCIDENT,
    STATUS_CHANGE,
    IncidentForm,
    LikelyDuplicateError,
    change_status,
    log_incident,
    status_state,
)
from eoc.permissions import Action, is_allowed
from eoc.web import ids
from eoc.web.components.detail_panel import build_detail
from eoc.web.components.map_figure import trace_slots
from eoc.web.context import current_cache, current_write_tokens
from eoc.web.headline import default_rules
from eoc.web.security import current_role, current_username, guarded_callback


def show_detail(click: dict | None):
    """The clicked feature's fields, and a status form where the role may edit it."""
    if not click or not click.get("points"):
        raise PreventUpdate
    point = click["points"][0]
    slots = trace_slots(layers.OPERATIONAL)
    curve = point.get("curveNumber")
    if curve is None or curve >= len(slots):
        raise PreventUpdate
    return feature_detail(slots[curve][0], point.get("id") or point.get("location"))


def feature_detail(name: str, feature_id: object, *, message: object = None, now=None) -> list:
    """The panel for one feature as the store holds it now (re-read: after a status change
    it shows the new status), with a fresh status token where the role may edit."""
    spec = layers.get(name)
    cache = current_cache()
    version = cache.store.version()
    frames = cache.read_layers([name, "regions"], version=version)
    gdf = frames[name]
    match = gdf[gdf[spec.id_field].astype(str) == str(feature_id)]
    feature = None if match.empty else match.iloc[0]
    token = assessed = None
    if feature is not None and is_allowed(current_role(), Action.EDIT_INCIDENTS):
        token = current_write_tokens().issue(
            STATUS_CHANGE,
            user=current_username() or "?",
            version=version,
            state=status_state(name, feature[spec.id_field], feature.get("status")),
        )
    if feature is not None and name == "displacement_sites":
        rules = default_rules(cache, version=version, on=now or datetime.now(UTC))
        assessed = site_capacity(match.iloc[:1], rules=rules).iloc[0]
    region_names = {
        str(row.adm1_iso): localised(row, "adm1_name") for row in frames["regions"].itertuples()
    }
    return build_detail(
        feature,
        spec,
        token=token,
        region_names=region_names,
        assessed=assessed,
        message=message,
    )


def incident_token() -> str:
    """A write token for one new incident, issued with the form."""
    version = current_cache().store.version()
    return current_write_tokens().issue(
        NEW_INCIDENT, user=current_username() or "?", version=version
    )


def fill_location(_clicks: int | None, click: dict | None, relayout: dict | None, figure: dict):
    """Coordinates for a new incident: the clicked point, or the centre of the map view."""
    if dash.ctx.triggered_id == ids.MAP and click and click.get("points"):
        point = click["points"][0]
        if "lat" in point and "lon" in point:
            return round(point["lat"], 5), round(point["lon"], 5)
        raise PreventUpdate
    centre = (relayout or {}).get("map.center") or (
        (figure or {}).get("layout", {}).get("map", {}).get("center")
    )
    if not centre:
        raise PreventUpdate
    return round(centre["lat"], 5), round(centre["lon"], 5)


def failure(exc: EocError) -> html.Div:
    text = exc.render(_) if isinstance(exc, ValidationError) else str(exc)
    return html.Div(text, className="message-error", role="alert", style={"whiteSpace": "pre-line"})


SHOWN = {"display": "block"}
HIDDEN = {"display": "none"}
# The form's fields, cleared after a save: type, severity, description, people, lat, lon,
# source, time, "save anyway".
CLEARED_FORM = (None, None, "", None, "", "", "", "", [])
KEPT_FORM = (dash.no_update,) * len(CLEARED_FORM)


def save_incident(
    clicks: int | None,
    incident_type: str | None,
    severity: str | None,
    description: str | None,
    people: object,
    lat: object,
    lon: object,
    reason: str | None,
    token: str | None = None,
    when: object = None,
    save_anyway: list | None = None,
    *,
    now: datetime | None = None,
):
    """Write a new incident (one audited transaction) and refresh every open page.

    The form's write token is redeemed once: a second click on the same form is refused,
    and a saved incident gives the form a fresh token for the next one and clears it. A
    likely duplicate is not saved until the officer ticks "Save anyway".
    Returns (message, version, token, "save anyway" box style, *form values).
    """
    if not clicks:
        raise PreventUpdate
    store = current_cache().store
    user = current_username() or "?"
    form = IncidentForm(
        incident_type,
        severity,
        description,
        people,
        lat,
        lon,
        reason,
        time_local=when,
        save_anyway=isinstance(save_anyway, list) and "yes" in save_anyway,
    )
    try:
        with current_write_tokens().redeem(token, purpose=NEW_INCIDENT, user=user) as issued:
            incident_id = log_incident(
                store, form, token=issued, user=user, now=now or datetime.now(UTC)
            )
    except LikelyDuplicateError as exc:
        warning = html.Div(str(exc), className="message-warning", role="alert")
        return warning, dash.no_update, dash.no_update, SHOWN, *KEPT_FORM
    except EocError as exc:
        return failure(exc), dash.no_update, dash.no_update, dash.no_update, *KEPT_FORM
    message = _("Incident {id} saved.").format(id=incident_id)
    saved = html.Div(message, className="message-ok")
    return saved, store.version(), incident_token(), HIDDEN, *CLEARED_FORM


def save_status(
    clicks: int | None,
    status: str | None,
    reason: str | None,
    target: dict | None,
    *,
    now: datetime | None = None,
):
    """Change the status of the feature the form was issued for, unless it changed since.

    Returns (message next to the button, the re-read detail panel, version).
    """
    if not clicks or not status:
        raise PreventUpdate
    store = current_cache().store
    user = current_username() or "?"
    token = (target or {}).get("token")
    try:
        with current_write_tokens().redeem(token, purpose=STATUS_CHANGE, user=user) as issued:
            change_status(
                store,
                issued,
                status=status,
                reason=reason,
                user=user,
                now=now or datetime.now(UTC),
            )
    except EocError as exc:
        return failure(exc), dash.no_update, dash.no_update
    layer, feature_id = issued.state["layer"], issued.state["id"]
    message = _("Status of {id} set to {status}.").format(
        id=feature_id,
        status=_(layers.get(str(layer)).field("status").value_label(status)),
    )
    panel = feature_detail(
        str(layer), feature_id, message=html.Div(message, className="message-ok")
    )
    return dash.no_update, panel, store.version()


def register_forms(app: Dash) -> None:
    """The panel's and the forms' callbacks, each guarded by its action."""
    view = Action.VIEW_INTERNAL
    guarded_callback(
        app,
        view,
        Output(ids.DETAIL, "children"),
        Input(ids.MAP, "clickData"),
        prevent_initial_call=True,
    )(show_detail)
    guarded_callback(
        app,
        view,
        Output(ids.INC_LAT, "value"),
        Output(ids.INC_LON, "value"),
        Input(ids.INC_USE_CENTRE, "n_clicks"),
        Input(ids.MAP, "clickData"),
        State(ids.MAP, "relayoutData"),
        State(ids.MAP, "figure"),
        prevent_initial_call=True,
    )(fill_location)
    edit = Action.EDIT_INCIDENTS
    guarded_callback(
        app,
        edit,
        Output(ids.INC_MESSAGE, "children"),
        Output(ids.VERSION, "data", allow_duplicate=True),
        Output(ids.INC_TOKEN, "data"),
        Output(ids.INC_SAVE_ANYWAY_BOX, "style"),
        Output(ids.INC_TYPE, "value"),
        Output(ids.INC_SEVERITY, "value"),
        Output(ids.INC_DESCRIPTION, "value"),
        Output(ids.INC_PEOPLE, "value"),
        Output(ids.INC_LAT, "value", allow_duplicate=True),
        Output(ids.INC_LON, "value", allow_duplicate=True),
        Output(ids.INC_REASON, "value"),
        Output(ids.INC_TIME, "value"),
        Output(ids.INC_SAVE_ANYWAY, "value"),
        Input(ids.INC_SAVE, "n_clicks"),
        State(ids.INC_TYPE, "value"),
        State(ids.INC_SEVERITY, "value"),
        State(ids.INC_DESCRIPTION, "value"),
        State(ids.INC_PEOPLE, "value"),
        State(ids.INC_LAT, "value"),
        State(ids.INC_LON, "value"),
        State(ids.INC_REASON, "value"),
        State(ids.INC_TOKEN, "data"),
        State(ids.INC_TIME, "value"),
        State(ids.INC_SAVE_ANYWAY, "value"),
        prevent_initial_call=True,
    )(save_incident)
    guarded_callback(
        app,
        edit,
        Output(ids.STATUS_MESSAGE, "children"),
        Output(ids.DETAIL, "children", allow_duplicate=True),
        Output(ids.VERSION, "data", allow_duplicate=True),
        Input(ids.STATUS_SAVE, "n_clicks"),
        State(ids.STATUS_VALUE, "value"),
        State(ids.STATUS_REASON, "value"),
        State(ids.STATUS_TARGET, "data"),
        prevent_initial_call=True,
    )(save_status)
