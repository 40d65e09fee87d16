"""Site figures edited by CCCM staff: a grid cell or a relocation plan turned into audited edits.

Both go through `store.apply_edits`, so every change is one transaction, validated against the
layer spec and refused (nothing written) when someone else changed the site since the editor
loaded it: the edit carries what the editor saw as `expected`. What the editor saw comes from
the write token the server issued with the grid row or the plan (eoc.write_tokens), never
from values the browser sends back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

import layers
from eoc.errors import EocError
from eoc.i18n import _
from eoc.permissions import Action, Role, is_allowed
from eoc.store import Store
from eoc.store.edits import Edit
from eoc.store.rows import protected_fields
from eoc.write_tokens import WriteRefusedError, WriteToken, require_unchanged_since

LAYER = "displacement_sites"
# The figures a site manager reports; names, places and types change through imports only,
# and a protected site's sensitivity and type only through `change_protection` (admins).
EDITABLE_FIELDS = (
    "individuals",
    "households",
    "capacity",
    "site_area_m2",
    "covered_area_m2",
    "status",
    "latrines",
    "water_points",
    "last_assessment",
)
MAX_SITES_PER_PLAN = 1000
# What the write tokens of a grid row and of a relocation plan are for.
SITE_ROW = "site:row"
RELOCATION = "relocation:apply"


def row_state(row: Mapping[str, object]) -> dict[str, object]:
    """What a grid row's token holds: the site and its editable figures as the grid shows them."""
    return {
        "site_id": str(row["site_id"]),
        "seen": {name: row.get(name) for name in EDITABLE_FIELDS if name in row},
    }


def plan_state(incoming: Mapping[str, int], before: Mapping[str, object]) -> dict[str, object]:
    """What a plan's token holds: the people it sends to each site and each site's base."""
    return {"incoming": dict(incoming), "before": dict(before)}


@dataclass(frozen=True)
class CellChange:
    """One grid cell the user changed: the row as loaded, the field, the old and new value."""

    site_id: str
    field: str
    old_value: object
    new_value: object
    seen: Mapping[str, object]  # the row's editable fields as the grid loaded them

    @classmethod
    def from_grid_event(cls, event: Mapping[str, object]) -> CellChange:
        """From one entry of dash-ag-grid's `cellValueChanged`."""
        data = event.get("data") or {}
        if not isinstance(data, Mapping):
            raise EocError(_("the grid sent a change without its row; reload the page"))
        site_id = event.get("rowId") or data.get("site_id")
        field = event.get("colId")
        if not site_id or not isinstance(field, str):
            raise EocError(_("the grid sent a change without its row; reload the page"))
        return cls(
            site_id=str(site_id),
            field=field,
            old_value=event.get("oldValue"),
            new_value=event.get("value"),
            seen={name: data.get(name) for name in EDITABLE_FIELDS if name in data},
        )


def checked_change(event: Mapping[str, object], token: WriteToken) -> CellChange:
    """The grid's change to the row `token` was issued with; what was seen is the token's."""
    change = CellChange.from_grid_event(event)
    if change.site_id != token.state.get("site_id"):
        raise WriteRefusedError(_("the grid sent a change for another row; reload the page"))
    seen = dict(token.state.get("seen") or {})
    return replace(change, old_value=seen.get(change.field), seen=seen)


def cell_edit(change: CellChange) -> Edit:
    """The edit for `change`: the new value, expecting the whole row as the editor saw it.

    Every editable field is expected unchanged (the edited one at its old value), so a change
    by someone else to any figure of the site since it was loaded refuses this edit.
    """
    if change.field not in EDITABLE_FIELDS:
        label = _field_label(change.field)
        raise EocError(_("{field} cannot be changed here").format(field=label))
    expected = {name: _blank_as_none(value) for name, value in change.seen.items()}
    expected[change.field] = _blank_as_none(change.old_value)
    return Edit(
        change.site_id,
        {change.field: _blank_as_none(change.new_value)},
        expected=expected,
    )


def save_cell_change(
    store: Store,
    change: CellChange,
    *,
    loaded_at: int,
    user: str,
    reason: str | None,
    now: datetime,
) -> int:
    """Write one cell change (validated, audited, refused on conflict); the new version.

    `loaded_at` is the store version the row was loaded at: a site changed after it is
    refused even if its figures are back to what the editor saw.
    """
    _require_reason(reason)
    edit = cell_edit(change)
    require_unchanged_since(store, LAYER, change.site_id, version=loaded_at)
    return store.apply_edits(LAYER, [edit], user=user, reason=reason, now=now)


def relocation_edits(
    incoming: Mapping[str, int], individuals_before: Mapping[str, int]
) -> list[Edit]:
    """One edit per receiving site: its people plus the incoming, expecting the planned base."""
    if len(incoming) > MAX_SITES_PER_PLAN:
        raise EocError(_("the plan names too many sites; run it again"))
    edits = []
    for site_id, people in sorted(incoming.items()):
        if isinstance(people, bool) or not isinstance(people, int) or people < 0:
            raise EocError(
                _("site {id}: {value} is not a number of people").format(id=site_id, value=people)
            )
        if people == 0:
            continue
        if site_id not in individuals_before:
            raise EocError(
                _("site {id}: the plan does not say how many people it had").format(id=site_id)
            )
        before = individuals_before[site_id]
        base = 0 if before is None else int(before)
        edits.append(
            Edit(str(site_id), {"individuals": base + people}, expected={"individuals": before})
        )
    return edits


def apply_relocation(
    store: Store,
    token: WriteToken,
    *,
    user: str,
    reason: str | None,
    now: datetime,
) -> int:
    """Add the placed people of the plan `token` was issued with to its sites in ONE
    transaction; the new version.

    Each site is expected to still hold the people the plan was computed from and to be
    unchanged since the plan's store version: if any site changed meanwhile the whole plan
    is refused and nothing is written.
    """
    _require_reason(reason)
    incoming = {str(k): v for k, v in dict(token.state.get("incoming") or {}).items()}
    before = {str(k): v for k, v in dict(token.state.get("before") or {}).items()}
    edits = relocation_edits(incoming, before)
    if not edits:
        raise EocError(_("the plan places nobody: there is nothing to apply"))
    for edit in edits:
        require_unchanged_since(store, LAYER, edit.feature_id, version=token.version)
    return store.apply_edits(LAYER, edits, user=user, reason=reason, now=now)


def change_protection(
    store: Store,
    site_id: str,
    *,
    sensitive: bool,
    site_type: str | None = None,
    user: str,
    role: Role | str | None,
    reason: str | None,
    now: datetime,
) -> int:
    """Set a site's sensitive flag (and type) explicitly: the only way to un-flag a shelter.

    Admins only when the user is known (`role`; None is the store's own operator at its
    command line). Audited as action "protection" with the old and new values and the reason.
    """
    if role is not None and not is_allowed(role, Action.CHANGE_PROTECTION):
        raise EocError(
            _("refused: role '{role}' may not {action}").format(
                role=role, action=_("change protection")
            )
        )
    _require_reason(reason)
    sensitive_field, type_field = protected_fields(layers.get(LAYER))
    changes: dict[str, object] = {sensitive_field: bool(sensitive)}
    if site_type:
        changes[type_field] = site_type
    return store.apply_edits(
        LAYER, [Edit(str(site_id), changes)], user=user, reason=reason, now=now, protection=True
    )


def _require_reason(reason: str | None) -> None:
    if not reason or not reason.strip():
        raise EocError(_("a reason is required for every change: type it first, then edit"))


def _blank_as_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _field_label(name: str) -> str:
    spec = layers.get(LAYER)
    return _(spec.field(name).title) if name in spec.field_names else name
