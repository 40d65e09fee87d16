"""The panel that shows one clicked feature in words, with a status editor where the role may edit.

Codes are shown as names (regions in the page's language, countries by their ISO code),
yes/no for booleans, numbers and times formatted (times in Dushanbe time, zone named);
internal bookkeeping fields (a layer's sensitive flag) and empty optional fields are left out.
A site over its binding capacity (eoc.analysis.capacity) gets a warning line.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from dash import dcc, html

import layers
from eoc.i18n import N_, ZONE_NAME, _, country_name, format_number, format_percentage
from eoc.store.rows import REASON_MAX_LENGTH
from eoc.web import ids
from eoc.web.components.map_figure import format_value, hover_value

EDITABLE_STATUS = ("incidents", "border_checkpoints")
BINDING_LABELS = {
    "covered_space": N_("covered living space (Sphere)"),
    "site_area": N_("site area (Sphere)"),
    "declared": N_("declared capacity"),
}


def field_text(
    value: object, field: layers.Field, *, region_names: Mapping[str, str] | None = None
) -> str:
    """One field's value in words: region and country codes as names, years as years."""
    if value is None or (not isinstance(value, str | bool) and pd.isna(value)):
        return "—"
    if field.codes and field.name == "adm1_iso":
        return (region_names or {}).get(str(value), str(value))
    if field.codes:
        return country_name(str(value))
    if field.name == "year":
        return str(int(value))
    return format_value(value, field)


def shown_fields(feature: pd.Series, spec: layers.LayerSpec) -> list[layers.Field]:
    """The fields a reader needs: not the id (in the heading), not the internal flags, not
    optional fields left empty."""
    hidden = {spec.id_field, spec.sensitive_field}
    return [
        f
        for f in spec.fields
        if f.name in feature.index
        and f.name not in hidden
        and (f.required or not _empty(feature[f.name]))
    ]


def _empty(value: object) -> bool:
    if value is None or isinstance(value, str):
        return value is None or not value.strip()
    return not isinstance(value, bool) and bool(pd.isna(value))


def capacity_warning(assessed: pd.Series | None) -> str | None:
    """'260 people for 200 places — 130 % (binding: declared capacity)' for a site over its
    binding capacity (a row of eoc.analysis.capacity.site_capacity), else None."""
    over = None if assessed is None else assessed.get("over_capacity")
    if over is None or pd.isna(over) or not bool(over):
        return None
    people = int(assessed["individuals"])
    binding = assessed.get("binding_capacity")
    places, standard = (
        (int(binding), str(assessed["binding_standard"]))
        if not pd.isna(binding)
        else (int(assessed["capacity"]), "declared")
    )
    text = _("{people} people for {places} places").format(
        people=format_number(people), places=format_number(places)
    )
    if places > 0:
        text += " — " + format_percentage(people / places)
    label = BINDING_LABELS.get(standard)
    return text + (" " + _("(binding: {standard})").format(standard=_(label)) if label else "")


def build_detail(
    feature: pd.Series | None,
    spec: layers.LayerSpec,
    *,
    token: str | None = None,
    region_names: Mapping[str, str] | None = None,
    assessed: pd.Series | None = None,
    message: object = None,
) -> list:
    """The feature in words (internal pages only), and a status form.

    The form is shown only with a write `token` (issued to roles that may change status);
    `message` (the result of the last status change) is shown next to its button.
    `assessed` is the site's row of `site_capacity`, for the over-capacity warning.
    """
    if feature is None:
        return [html.P(_("This feature is no longer in the store."), className="muted")]
    rows = [
        html.Tr(
            [
                html.Th(_(f.title)),
                html.Td(field_text(feature[f.name], f, region_names=region_names)),
            ]
        )
        for f in shown_fields(feature, spec)
    ]
    title = _(spec.item_label).capitalize()
    name = feature.get("name")
    if isinstance(name, str):
        name = hover_value(feature, "name", spec)  # in Cyrillic on tg and ru, if spelled
    heading = (
        f"{title}: {name} ({feature[spec.id_field]})"
        if isinstance(name, str)
        else (f"{title} {feature[spec.id_field]}")
    )
    parts: list = [html.H3(heading)]
    warning = capacity_warning(assessed)
    if warning:
        parts.append(html.P(warning, className="detail-warning", role="alert"))
    parts.append(html.Table(html.Tbody(rows), className="detail-table"))
    if any(f.type == "datetime" for f in spec.fields):
        parts.append(
            html.P(_("Times in {zone}.").format(zone=_(ZONE_NAME)), className="muted detail-note")
        )
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
                    html.Div(
                        message,
                        id=ids.STATUS_MESSAGE,
                        className="form-message",
                        role="status",
                        **{"aria-live": "polite"},
                    ),
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
            html.Label(
                _("When ({zone}; empty: now)").format(zone=_(ZONE_NAME)), htmlFor=ids.INC_TIME
            ),
            dcc.Input(id=ids.INC_TIME, type="datetime-local", className="incident-time"),
            dcc.Input(
                id=ids.INC_REASON,
                placeholder=_("Source of the report (required)"),
                className="reason-input",
                maxLength=REASON_MAX_LENGTH,
            ),
            html.Div(
                id=ids.INC_SAVE_ANYWAY_BOX,
                style={"display": "none"},
                children=dcc.Checklist(
                    id=ids.INC_SAVE_ANYWAY,
                    options=[{"label": " " + _("Save anyway"), "value": "yes"}],
                    value=[],
                ),
            ),
            html.Button(_("Save incident"), id=ids.INC_SAVE, n_clicks=0),
            html.Div(
                id=ids.INC_MESSAGE,
                className="form-message",
                role="status",
                **{"aria-live": "polite"},
            ),
            dcc.Store(id=ids.INC_TOKEN, data=token),
        ],
    )
