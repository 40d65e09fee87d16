"""The audit log (`/admin/audit`, admins only): who changed what, when and why."""

from __future__ import annotations

import dash
from dash import Dash, Input, Output, dcc, html

import layers
from eoc.i18n import N_, _
from eoc.permissions import Action
from eoc.web import ids
from eoc.web.components.audit_table import build_audit_table
from eoc.web.context import current_cache
from eoc.web.security import guarded_callback, guarded_layout

ALL = "all"
LIMIT = 500


@guarded_layout(Action.VIEW_AUDIT)
def layout(**_query: str) -> html.Div:
    layer_options = [{"label": _("All layers"), "value": ALL}] + [
        {"label": _(spec.title), "value": name} for name, spec in layers.REGISTRY.items()
    ]
    return html.Div(
        className="audit-page",
        children=[
            html.H2(_("Audit log")),
            html.P(
                _("Newest first, at most {count} entries. The log is append-only.").format(
                    count=LIMIT
                ),
                className="muted",
            ),
            html.Div(
                className="audit-filters",
                children=[
                    dcc.Dropdown(
                        id=ids.AUDIT_LAYER, options=layer_options, value=ALL, clearable=False
                    ),
                    dcc.Input(id=ids.AUDIT_USER, placeholder=_("user"), debounce=True),
                    dcc.Input(id=ids.AUDIT_FEATURE, placeholder=_("feature id"), debounce=True),
                ],
            ),
            html.Div(id=ids.AUDIT_TABLE),
        ],
    )


def update_audit(layer: str | None, user: str | None, feature: str | None):
    """The audit entries matching the filters."""
    entries = current_cache().store.audit_log(
        layer=None if layer in (None, ALL) else layer,
        user=(user or "").strip() or None,
        feature_id=(feature or "").strip() or None,
        limit=LIMIT,
    )
    return build_audit_table(entries)


def register(app: Dash) -> None:
    dash.register_page(
        __name__,
        path="/admin/audit",
        title=N_("EOC Tajikistan — Audit log"),
        layout=layout,
        name=N_("Audit log"),
        action=Action.VIEW_AUDIT,
    )
    guarded_callback(
        app,
        Action.VIEW_AUDIT,
        Output(ids.AUDIT_TABLE, "children"),
        Input(ids.AUDIT_LAYER, "value"),
        Input(ids.AUDIT_USER, "value"),
        Input(ids.AUDIT_FEATURE, "value"),
    )(update_audit)
