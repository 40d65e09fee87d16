"""One edit to one row, as every store backend applies it: checked, validated, diffed.

Backend-independent: a backend fetches the current row (a dict of the spec's fields and
"geometry", plus whatever key it uses to find the row again), calls `prepare_edit`, then writes
the returned row and audits the returned old/new values in its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import geopandas as gpd

import layers
from eoc.errors import ConflictError, EocError, NotFoundError, ValidationError
from eoc.i18n import _
from eoc.store.edits import Edit
from eoc.store.values import plain

# (user, ISO time) of the last audited change to a feature, or None; asked only on a conflict.
LastChange = Callable[[], "tuple[str, str] | None"]


def plain_value(spec: layers.LayerSpec, name: str, value: object) -> object:
    """The canonical, JSON-able value of field `name` (geometry as WKT)."""
    if name == "geometry":
        return None if value is None else value.wkt
    return plain(value, spec.field(name))


def validate_row(spec: layers.LayerSpec, row: Mapping[str, object]) -> None:
    """Raise ValidationError if `row` breaks the spec (uniqueness is the store's business)."""
    values = {name: [row.get(name)] for name in spec.field_names}
    gdf = gpd.GeoDataFrame(values, geometry=[row.get("geometry")], crs="EPSG:4326")
    problems = [
        p
        for p in layers.validate(gdf, spec)
        if p.field != spec.id_field or "appears more than once" not in p.message
    ]
    if problems:
        raise ValidationError(problems)


def changed_values(spec: layers.LayerSpec, current: dict, edit: Edit, row: dict) -> dict:
    """The old values of what `edit` really changes (everything, for a delete)."""
    if edit.op == "delete":
        return {k: plain_value(spec, k, current[k]) for k in (*spec.field_names, "geometry")}
    return {
        k: plain_value(spec, k, current[k])
        for k in edit.changes
        if plain_value(spec, k, current[k]) != plain_value(spec, k, row[k])
    }


def check_expected(
    spec: layers.LayerSpec, edit: Edit, current: dict, *, last_change: LastChange
) -> None:
    """Refuse (ConflictError) if a value the editor saw has changed since."""
    for name, seen in (edit.expected or {}).items():
        now_value = plain_value(spec, name, current[name])
        seen_value = plain_value(spec, name, seen)
        if now_value != seen_value:
            last = last_change()
            raise ConflictError(
                _("{item} {id}").format(item=_(spec.item_label), id=edit.feature_id),
                name,
                yours=seen_value,
                theirs=now_value,
                changed_by=last[0] if last else None,
                changed_at=last[1] if last else None,
            )


def protected_fields(spec: layers.LayerSpec) -> tuple[str, ...]:
    """The fields that keep a row off public pages: its sensitive flag and the type behind it."""
    if spec.sensitive_field is None:
        return ()
    extra = (spec.sensitive_when[0],) if spec.sensitive_when else ()
    return (spec.sensitive_field, *extra)


def is_protected(spec: layers.LayerSpec, row: Mapping[str, object] | None) -> bool:
    """Whether a stored row is protected (its sensitive flag is true)."""
    if row is None or spec.sensitive_field is None:
        return False
    return plain_value(spec, spec.sensitive_field, row.get(spec.sensitive_field)) is True


def protection_changes(
    spec: layers.LayerSpec, current: Mapping[str, object] | None, row: Mapping[str, object]
) -> list[str]:
    """The protected fields `row` would change on the protected stored row `current`.

    Only rows stored as sensitive are protected: making a row sensitive is always allowed.
    """
    if not is_protected(spec, current):
        return []
    return [
        name
        for name in protected_fields(spec)
        if plain_value(spec, name, current.get(name)) != plain_value(spec, name, row.get(name))
    ]


def refuse_protection_change(label: str, fields: list[str]) -> None:
    raise EocError(
        _(
            "{feature} is protected: its {fields} can be changed only by an admin with "
            "'eoc sites unprotect' and a reason; nothing was saved"
        ).format(feature=label, fields=", ".join(fields))
    )


def prepare_edit(
    spec: layers.LayerSpec,
    edit: Edit,
    current: dict | None,
    *,
    last_change: LastChange,
    protection: bool = False,
) -> tuple[dict, dict | None, dict | None]:
    """The row to write and the audit's old and new values; raises if the edit is refused.

    `current` is the stored row (None if there is none); nothing is written here. Only an
    explicit `protection` change (eoc.site_edits.change_protection, admins) may un-flag or
    re-type a protected row.
    """
    label = _("{item} {id}").format(item=_(spec.item_label), id=edit.feature_id)
    unknown = set(edit.changes) - set(spec.field_names) - {"geometry"}
    if unknown:
        raise EocError(
            _("{feature}: {layer} has no field {fields}").format(
                feature=label, layer=_(spec.title), fields=", ".join(sorted(unknown))
            )
        )
    if edit.op == "insert":
        if current is not None:
            raise EocError(_("{feature} already exists").format(feature=label))
        row = {name: None for name in spec.field_names} | dict(edit.changes)
        row[spec.id_field] = edit.feature_id
    else:
        if current is None:
            raise NotFoundError(
                _("{feature} does not exist (deleted by someone else?)").format(feature=label)
            )
        check_expected(spec, edit, current, last_change=last_change)
        row = current | dict(edit.changes)
    if edit.op != "delete":
        changed = protection_changes(spec, current, row)
        if changed and not protection:
            refuse_protection_change(label, changed)
        validate_row(spec, row)
    old = None if current is None else changed_values(spec, current, edit, row)
    new = (
        None
        if edit.op == "delete"
        else {k: plain_value(spec, k, row[k]) for k in (old if old is not None else row)}
    )
    return row, old, new


IMPORT_MODES = ("replace", "upsert")
# The audit action of an explicit change of a protected row's sensitivity or type.
PROTECTION_ACTION = "protection"
# A reason is a line in the audit log, not a report: a few sentences at most.
REASON_MAX_LENGTH = 500


def required_reason(reason: str | None) -> str:
    """The reason of a write, stripped; every write needs one (it goes into the audit log)."""
    if not reason or not reason.strip():
        raise EocError(_("a reason is required for every change"))
    if len(reason.strip()) > REASON_MAX_LENGTH:
        raise EocError(
            _("{field}: at most {count} characters").format(
                field=_("Reason"), count=REASON_MAX_LENGTH
            )
        )
    return reason.strip()


def prepare_import(gdf: gpd.GeoDataFrame, spec: layers.LayerSpec, *, mode: str) -> gpd.GeoDataFrame:
    """The rows of a whole-layer import, validated and typed; raises before anything is written."""
    if mode not in IMPORT_MODES:
        raise EocError(_("unknown import mode '{mode}'").format(mode=mode))
    problems = layers.validate(gdf, spec)
    if problems:
        raise ValidationError(problems)
    return layers.conform(gdf, spec)


def check_report_number(number: int, taken: int) -> None:
    """Refuse a report number that is no longer the next one (someone published meanwhile)."""
    if number != taken + 1:
        raise EocError(
            _(
                "situation report number {number} is no longer the next one "
                "(the next is {next}); nothing was saved"
            ).format(number=number, next=taken + 1)
        )
