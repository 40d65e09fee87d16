"""The one permission table: which role may do what. Checked on the server, never in the page."""

from __future__ import annotations

from enum import StrEnum

from layers.spec import N_


class Role(StrEnum):
    ADMIN = "admin"
    DUTY_OFFICER = "duty_officer"
    CCCM = "cccm"
    VIEWER = "viewer"  # internal, read-only
    PUBLIC = "public"  # anonymous visitors and donors
    DISPLAY = "display"  # a wall screen opened with a display token (eoc/displays.py)


INTERNAL_ROLES = frozenset({Role.ADMIN, Role.DUTY_OFFICER, Role.CCCM, Role.VIEWER})
# roles a user account can have
USER_ROLES = tuple(r.value for r in Role if r not in (Role.PUBLIC, Role.DISPLAY))
# How the pages name them (the CLI and the audit log keep the codes).
ROLE_LABELS = {
    Role.ADMIN: N_("administrator"),
    Role.DUTY_OFFICER: N_("duty officer"),
    Role.CCCM: N_("CCCM co-chair"),
    Role.VIEWER: N_("viewer (read only)"),
}


class Action(StrEnum):
    VIEW_PUBLIC = "view_public"  # the donor map and its summaries
    VIEW_INTERNAL = "view_internal"  # every internal page and layer, sensitive rows included
    VIEW_WALL = "view_wall"  # the wall screen's read-only callbacks (staff and display tokens)
    EDIT_INCIDENTS = "edit_incidents"  # incident log, checkpoint status, hazard zones
    EDIT_SITES = "edit_sites"  # displacement site figures and status, relocation plans
    IMPORT_DATA = "import_data"  # whole-layer imports
    PUBLISH_REPORTS = "publish_reports"  # situation reports
    VIEW_AUDIT = "view_audit"
    MANAGE_USERS = "manage_users"
    EDIT_CONTEXT = "edit_context"  # base layers (regions, rivers, ...) and layers no screen edits
    CHANGE_PROTECTION = "change_protection"  # un-flag or re-type a protected (sensitive) row
    DRAFT_ALERTS = "draft_alerts"  # CAP alert drafts and the messaging library's texts
    APPROVE_ALERTS = "approve_alerts"  # approve another's draft, publish an approved alert
    ENTER_FLOWS = "enter_flows"  # flow monitoring counts at border points (form and import)
    RUN_EXERCISE = "run_exercise"  # the exercise controller: the clock and the injects


# Action names as shown in refusals ("role 'viewer' may not edit sites").
ACTION_LABELS = (
    N_("view public"),
    N_("view internal"),
    N_("view wall"),
    N_("edit incidents"),
    N_("edit sites"),
    N_("import data"),
    N_("publish reports"),
    N_("view audit"),
    N_("manage users"),
    N_("edit context"),
    N_("change protection"),
    N_("draft alerts"),
    N_("approve alerts"),
    N_("enter flows"),
    N_("run exercise"),
)

PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.VIEW_PUBLIC: frozenset(Role),
    Action.VIEW_INTERNAL: INTERNAL_ROLES,
    Action.VIEW_WALL: INTERNAL_ROLES | {Role.DISPLAY},
    Action.EDIT_INCIDENTS: frozenset({Role.ADMIN, Role.DUTY_OFFICER}),
    Action.EDIT_SITES: frozenset({Role.ADMIN, Role.CCCM}),
    Action.IMPORT_DATA: frozenset({Role.ADMIN, Role.DUTY_OFFICER, Role.CCCM}),
    Action.PUBLISH_REPORTS: frozenset({Role.ADMIN, Role.DUTY_OFFICER}),
    Action.VIEW_AUDIT: frozenset({Role.ADMIN}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.EDIT_CONTEXT: frozenset({Role.ADMIN}),
    Action.CHANGE_PROTECTION: frozenset({Role.ADMIN}),
    Action.DRAFT_ALERTS: frozenset({Role.ADMIN, Role.DUTY_OFFICER}),
    # Never one's own draft (eoc/alerts/workflow.py): the second person is checked there.
    Action.APPROVE_ALERTS: frozenset({Role.ADMIN, Role.DUTY_OFFICER}),
    Action.ENTER_FLOWS: frozenset({Role.ADMIN, Role.DUTY_OFFICER}),
    Action.RUN_EXERCISE: frozenset({Role.ADMIN}),
}

# Which action edits which layer, on its screens and by import alike (one table for both).
# A layer not named here (context layers, projects) is edited by EDIT_CONTEXT: admins only.
LAYER_EDIT_ACTIONS: dict[str, Action] = {
    "displacement_sites": Action.EDIT_SITES,
    "incidents": Action.EDIT_INCIDENTS,
    "border_checkpoints": Action.EDIT_INCIDENTS,
    "hazard_zones": Action.EDIT_INCIDENTS,
}


def is_allowed(role: Role | str | None, action: Action | str) -> bool:
    """Whether `role` (None = anonymous) may do `action`. Unknown roles and actions: no."""
    try:
        who = Role(role) if role is not None else Role.PUBLIC
        return who in PERMISSIONS[Action(action)]
    except ValueError:
        return False


def layer_edit_action(layer: str) -> Action:
    """The action that changes `layer` (EDIT_CONTEXT for every layer not in the table)."""
    return LAYER_EDIT_ACTIONS.get(layer, Action.EDIT_CONTEXT)


def may_import(role: Role | str | None, layer: str) -> bool:
    """Whether `role` may import into `layer`: the import right AND that layer's edit right."""
    return is_allowed(role, Action.IMPORT_DATA) and is_allowed(role, layer_edit_action(layer))
