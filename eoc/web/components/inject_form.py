"""The controller's form to add an inject live (/exercise; eoc/exercise/live_injects.py).

One field per scenario column the kinds offered here use, each labelled with the name an
error message gives it (`live_injects.field_names`), in groups by the kinds that read them:
only the chosen kind's groups are shown (`shown_groups`); the sites and checkpoints to
choose from are the sandbox's.
"""

from __future__ import annotations

import pandas as pd
from dash import dcc, html

import layers
from eoc.exercise.live_injects import FIELD_NAMES, KIND_FIELD_NAMES, KIND_LABELS, LIVE_KINDS
from eoc.i18n import N_, _, place_name
from eoc.web import ids

# LiveInjectForm's fields, each with the component that holds it (the callback's States).
FORM_FIELDS = (
    ("kind", ids.EXERCISE_ADD_KIND),
    ("at_min", ids.EXERCISE_ADD_AT),
    ("site", ids.EXERCISE_ADD_SITE),
    ("people_change", ids.EXERCISE_ADD_PEOPLE_CHANGE),
    ("checkpoint", ids.EXERCISE_ADD_CHECKPOINT),
    ("checkpoint_status", ids.EXERCISE_ADD_STATUS),
    ("incident_type", ids.EXERCISE_ADD_INCIDENT_TYPE),
    ("severity", ids.EXERCISE_ADD_SEVERITY),
    ("people", ids.EXERCISE_ADD_PEOPLE),
    ("lat", ids.EXERCISE_ADD_LAT),
    ("lon", ids.EXERCISE_ADD_LON),
    ("text", ids.EXERCISE_ADD_TEXT),
    ("text_ru", ids.EXERCISE_ADD_TEXT_RU),
    ("text_tg", ids.EXERCISE_ADD_TEXT_TG),
)
INCIDENT_GROUP = N_("An incident or a road blocked")
SITE_GROUP = N_("A site's people")
CHECKPOINT_GROUP = N_("A checkpoint")
# The groups each kind reads (the text fields are every kind's); as scenario_row fills them.
GROUPS = (
    ids.EXERCISE_ADD_INCIDENT_GROUP,
    ids.EXERCISE_ADD_TYPE_FIELD,
    ids.EXERCISE_ADD_SITE_GROUP,
    ids.EXERCISE_ADD_CHECKPOINT_GROUP,
)
KIND_GROUPS = {
    "message": (),
    "incident": (ids.EXERCISE_ADD_INCIDENT_GROUP, ids.EXERCISE_ADD_TYPE_FIELD),
    "road_blocked": (ids.EXERCISE_ADD_INCIDENT_GROUP,),
    "site_population": (ids.EXERCISE_ADD_SITE_GROUP,),
    "checkpoint_status": (ids.EXERCISE_ADD_CHECKPOINT_GROUP,),
}
DEFAULT_KIND = "message"
HIDDEN = {"display": "none"}


def shown_groups(kind: str | None) -> list[dict]:
    """The style of each of GROUPS for `kind`: shown if the kind reads it, else hidden (an
    unknown kind shows every group, so nothing the server may ask for is out of reach)."""
    wanted = KIND_GROUPS.get(kind or "", GROUPS)
    return [{} if group in wanted else HIDDEN for group in GROUPS]


def build_inject_form(sites: pd.DataFrame, checkpoints: pd.DataFrame) -> html.Details:
    """The form, its sites and checkpoints those of the sandbox (`sites`, `checkpoints`)."""
    incidents = layers.get("incidents")
    type_field, severity_field = incidents.field("incident_type"), incidents.field("severity")
    status_field = layers.get("border_checkpoints").field("status")
    styles = dict(zip(GROUPS, shown_groups(DEFAULT_KIND), strict=True))
    return html.Details(
        className="inject-form",
        children=[
            html.Summary(_("Add an inject")),
            html.Div(
                className="inject-form-row",
                children=[
                    _labelled(
                        FIELD_NAMES["kind"],
                        dcc.Dropdown(
                            id=ids.EXERCISE_ADD_KIND,
                            options=[{"label": _(KIND_LABELS[k]), "value": k} for k in LIVE_KINDS],
                            value=DEFAULT_KIND,
                            clearable=False,
                        ),
                    ),
                    _labelled(
                        FIELD_NAMES["at_min"],
                        dcc.Input(
                            id=ids.EXERCISE_ADD_AT,
                            inputMode="decimal",
                            placeholder=_("empty: now"),
                        ),
                    ),
                ],
            ),
            html.Fieldset(
                [
                    html.Legend(_("What it says (a message: to the players)")),
                    *(
                        _labelled(FIELD_NAMES[column], dcc.Textarea(id=component))
                        for column, component in (
                            ("text", ids.EXERCISE_ADD_TEXT),
                            ("text_ru", ids.EXERCISE_ADD_TEXT_RU),
                            ("text_tg", ids.EXERCISE_ADD_TEXT_TG),
                        )
                    ),
                ]
            ),
            html.Fieldset(
                id=ids.EXERCISE_ADD_INCIDENT_GROUP,
                style=styles[ids.EXERCISE_ADD_INCIDENT_GROUP],
                children=[
                    html.Legend(_(INCIDENT_GROUP)),
                    html.Div(
                        _labelled(
                            KIND_FIELD_NAMES["incident"]["value"],
                            _choice(ids.EXERCISE_ADD_INCIDENT_TYPE, type_field),
                        ),
                        id=ids.EXERCISE_ADD_TYPE_FIELD,
                        style=styles[ids.EXERCISE_ADD_TYPE_FIELD],
                    ),
                    _labelled(
                        FIELD_NAMES["severity"], _choice(ids.EXERCISE_ADD_SEVERITY, severity_field)
                    ),
                    *(
                        _labelled(FIELD_NAMES[column], dcc.Input(id=component, inputMode="decimal"))
                        for column, component in (
                            ("people", ids.EXERCISE_ADD_PEOPLE),
                            ("lat", ids.EXERCISE_ADD_LAT),
                            ("lon", ids.EXERCISE_ADD_LON),
                        )
                    ),
                ],
            ),
            html.Fieldset(
                id=ids.EXERCISE_ADD_SITE_GROUP,
                style=styles[ids.EXERCISE_ADD_SITE_GROUP],
                children=[
                    html.Legend(_(SITE_GROUP)),
                    _labelled(
                        KIND_FIELD_NAMES["site_population"]["target"],
                        dcc.Dropdown(id=ids.EXERCISE_ADD_SITE, options=_features(sites, "site_id")),
                    ),
                    _labelled(
                        KIND_FIELD_NAMES["site_population"]["value"],
                        dcc.Input(id=ids.EXERCISE_ADD_PEOPLE_CHANGE, placeholder="+450"),
                    ),
                ],
            ),
            html.Fieldset(
                id=ids.EXERCISE_ADD_CHECKPOINT_GROUP,
                style=styles[ids.EXERCISE_ADD_CHECKPOINT_GROUP],
                children=[
                    html.Legend(_(CHECKPOINT_GROUP)),
                    _labelled(
                        KIND_FIELD_NAMES["checkpoint_status"]["target"],
                        dcc.Dropdown(
                            id=ids.EXERCISE_ADD_CHECKPOINT,
                            options=_features(checkpoints, "checkpoint_id"),
                        ),
                    ),
                    _labelled(
                        KIND_FIELD_NAMES["checkpoint_status"]["value"],
                        _choice(ids.EXERCISE_ADD_STATUS, status_field),
                    ),
                ],
            ),
            html.Button(_("Add the inject"), id=ids.EXERCISE_ADD, n_clicks=0),
            html.Div(
                id=ids.EXERCISE_ADD_MESSAGE,
                className="form-message",
                role="status",
                **{"aria-live": "polite"},
            ),
        ],
    )


def _labelled(label: str, component) -> html.Div:
    return html.Div(
        className="inject-field",
        children=[html.Label(_(label), htmlFor=component.id), component],
    )


def _choice(component_id: str, field) -> dcc.Dropdown:
    return dcc.Dropdown(
        id=component_id,
        options=[{"label": _(field.value_label(v)), "value": v} for v in field.allowed],
    )


def _features(frame: pd.DataFrame, id_field: str) -> list[dict[str, str]]:
    """Options named in the page's language where the layer spells its names (checkpoints),
    in the order of those names."""
    named = sorted(
        (place_name(row), str(getattr(row, id_field))) for row in frame.itertuples(index=False)
    )
    return [{"label": f"{name} ({fid})", "value": fid} for name, fid in named]
