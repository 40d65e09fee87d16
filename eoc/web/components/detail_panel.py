"""The panel that shows one clicked feature, with a status editor where the role may edit."""

from __future__ import annotations

import pandas as pd
from dash import dcc, html

import layers
from eoc.i18n import _
from eoc.store.rows import REASON_MAX_LENGTH
from eoc.web import ids
from eoc.web.components.map_figure import format_value

EDITABLE_STATUS = ("incidents", "border_checkpoints")


def build_detail(
    feature: pd.Series | None, spec: layers.LayerSpec, *, token: str | None = None
) -> list:
    """A table of every field of `feature` (internal pages only), and a status form.

    The form is shown only with a write `token` (issued to roles that may change status).
    """
    if feature is None:
        return [html.P(_("This feature is no longer in the store."), className="muted")]
    rows = [
        html.Tr([html.Th(_(f.title)), html.Td(format_value(feature[f.name], f))])
        for f in spec.fields
        if f.name in feature.index
    ]
    parts: list = [
        html.H3(f"{_(spec.item_label).capitalize()} {feature[spec.id_field]}"),
        html.Table(html.Tbody(rows), className="detail-table"),
    ]
    if token and spec.name in EDITABLE_STATUS:
        status_field = spec.field("status")
        parts.append(
            html.Div(
                className="status-form",
                children=[
                    html.Label(_("Change status")),
                    dcc.Dropdown(
                        id=ids.STATUS_VALUE,
                        options=[
                            {"label": _(status_field.value_label(v)), "value": v}
                            for v in status_field.allowed
                        ],
                        value=str(feature["status"]),
                        clearable=False,
                    ),
                    dcc.Input(
                        id=ids.STATUS_REASON,
                        placeholder=_("reason (required)"),
                        className="reason-input",
                        maxLength=REASON_MAX_LENGTH,
                    ),
                    html.Button(_("Save status"), id=ids.STATUS_SAVE, n_clicks=0),
                    dcc.Store(id=ids.STATUS_TARGET, data={"token": token}),
                ],
            )
        )
    return parts


def build_incident_form(token: str) -> html.Details:
    """The form to log a new incident, with the write `token` it was issued with."""
    spec = layers.get("incidents")
    type_field, severity_field = spec.field("incident_type"), spec.field("severity")
    return html.Details(
        className="incident-form",
        children=[
            html.Summary(_("Log an incident")),
            dcc.Dropdown(
                id=ids.INC_TYPE,
                options=[
                    {"label": _(type_field.value_label(v)), "value": v} for v in type_field.allowed
                ],
                placeholder=_("Type"),
            ),
            dcc.Dropdown(
                id=ids.INC_SEVERITY,
                options=[
                    {"label": _(severity_field.value_label(v)), "value": v}
                    for v in severity_field.allowed
                ],
                placeholder=_("Severity"),
            ),
            dcc.Textarea(
                id=ids.INC_DESCRIPTION,
                placeholder=_("What happened, where"),
                maxLength=spec.field("description").length_limit,
            ),
            dcc.Input(
                id=ids.INC_PEOPLE,
                type="number",
                min=0,
                max=spec.field("people_affected").highest,
                step=1,
                placeholder=_("People affected"),
            ),
            html.Div(
                className="coords",
                children=[
                    dcc.Input(id=ids.INC_LAT, placeholder=_("Latitude")),
                    dcc.Input(id=ids.INC_LON, placeholder=_("Longitude")),
                ],
            ),
            html.Button(
                _("Use the map centre"), id=ids.INC_USE_CENTRE, n_clicks=0, className="secondary"
            ),
            dcc.Input(
                id=ids.INC_REASON,
                placeholder=_("Source of the report (required)"),
                className="reason-input",
                maxLength=REASON_MAX_LENGTH,
            ),
            html.Button(_("Save incident"), id=ids.INC_SAVE, n_clicks=0),
            dcc.Store(id=ids.INC_TOKEN, data=token),
        ],
    )
