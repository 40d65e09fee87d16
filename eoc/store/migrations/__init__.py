"""Schema versions of a store, and upgrades that lose nothing.

A store records the schema version it was last upgraded to (`eoc_meta`: a `schema_version`
row in a GeoPackage, a `schema_version` column in PostGIS). `STEPS` is the ordered list of
what each version adds; a step is a tuple of operations (a new layer, an added or renamed
field, the shared tables, …), each of which says whether the store still needs it, so an
upgrade is idempotent and a store never stamped (built before versions existed, or built
fresh by `eoc init`) is placed by what it holds.

`upgrade` applies every pending step in ONE transaction on the store's own database: it
queues behind the store's writers as they queue behind each other, bumps the version counter
once and appends one audit entry; any failure rolls all of it back. Nothing is dropped or
rewritten: rows, the audit log, users and published reports stay byte for byte.

Why not Alembic: its value is autogenerating DDL from models and its revision graph; here the
layer tables are generated from the layer specs, the shared tables from METADATA, and on
SQLite Alembic changes columns through "batch" mode, which recreates tables and breaks a
GeoPackage's R-tree triggers and gpkg_contents. A short ordered list of steps over
SQLAlchemy Core with a small per-database part (ddl.py) says the same with less.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import sqlalchemy as sa

import layers
from eoc.errors import StoreError
from eoc.i18n import _
from eoc.store.audit_log import write_audit
from eoc.store.migrations.ddl import Ddl, ddl_for
from eoc.store.schema import shared_metadata

UNVERSIONED = 1  # stores built before schema versions are version 1
UPGRADE_ACTION = "schema_upgrade"


@dataclass
class Migration:
    """One open upgrade transaction: the connection, the database's DDL, what was done."""

    con: sa.Connection
    ddl: Ddl
    seed_dir: Path | None
    frames: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    done: list[str] = field(default_factory=list)

    def has_table(self, name: str) -> bool:
        return name in self.ddl.table_names(self.con)

    def columns(self, table: str) -> list[str]:
        return self.ddl.column_names(self.con, table)


@dataclass(frozen=True)
class Operation:
    """One change: `pending` says whether the store still needs it; `apply` makes it."""

    title: str
    pending: Callable[[Migration], bool]
    apply: Callable[[Migration], None]
    new_layer: str | None = None  # a layer this creates (its seed is read before the lock)


@dataclass(frozen=True)
class Step:
    version: int  # the schema version a store has once this step is applied
    title: str
    operations: tuple[Operation, ...]


def create_shared_tables() -> Operation:
    """Every table defined on METADATA (eoc/store/schema.py) that the store lacks."""

    def missing(m: Migration) -> list[sa.Table]:
        held = m.ddl.table_names(m.con)
        return [table for name, table in shared_metadata().tables.items() if name not in held]

    def apply(m: Migration) -> None:
        tables = missing(m)
        shared_metadata().create_all(m.con, tables=tables)
        m.done.extend(f"table {table.name} created" for table in tables)

    return Operation("shared tables", lambda m: bool(missing(m)), apply)


def add_layer(name: str) -> Operation:
    """Layer `name` as its spec says, filled from its seed file if there is one."""
    spec = layers.get(name)

    def apply(m: Migration) -> None:
        frame = m.frames.get(name)
        if frame is None:
            frame = _seed_frame(spec, m.seed_dir)
        m.ddl.create_layer(m.con, spec, frame)
        m.done.append(f"layer {name} added ({len(frame)} features)")

    return Operation(f"layer {name}", lambda m: not m.has_table(name), apply, new_layer=name)


def add_field(layer: str, name: str) -> Operation:
    """A column for field `name` of `layer`, empty in every existing row (ADD COLUMN)."""

    def apply(m: Migration) -> None:
        spec_field = layers.get(layer).field(name)
        m.con.exec_driver_sql(
            f"ALTER TABLE {m.ddl.table(m.con, layer)} ADD COLUMN"
            f" {m.ddl.quote(m.con, name)} {m.ddl.types[spec_field.type]}"
        )
        m.done.append(f"field {layer}.{name} added")

    return Operation(
        f"field {layer}.{name}",
        lambda m: m.has_table(layer) and name not in m.columns(layer),
        apply,
    )


def rename_field(layer: str, old: str, new: str) -> Operation:
    """Field `old` of `layer` is now called `new`; its values stay (RENAME COLUMN)."""

    def apply(m: Migration) -> None:
        m.con.exec_driver_sql(
            f"ALTER TABLE {m.ddl.table(m.con, layer)} RENAME COLUMN"
            f" {m.ddl.quote(m.con, old)} TO {m.ddl.quote(m.con, new)}"
        )
        m.done.append(f"field {layer}.{old} renamed to {new}")

    return Operation(
        f"field {layer}.{old} → {new}",
        lambda m: m.has_table(layer) and old in m.columns(layer) and new not in m.columns(layer),
        apply,
    )


def widen_allowed(layer: str, name: str) -> Operation:
    """New allowed values of a field: the specs check them on every write, no store holds a
    CHECK constraint, so nothing in the database changes (recorded for the history)."""
    return Operation(f"allowed values of {layer}.{name}", lambda m: False, lambda m: None)


# The schema history. Append a Step for every release that changes what a store holds.
STEPS: tuple[Step, ...] = (
    Step(
        2,
        "shared tables (sign-in, displays, feeds, flows), schools, population grids, "
        "incident districts, Cyrillic place names",
        (
            create_shared_tables(),
            add_layer("education_facilities"),
            add_layer("population_grids"),
            add_field("incidents", "adm2_name"),
            add_field("places", "name_tg"),
            add_field("places", "name_ru"),
            # GDACS wildfires and droughts (eoc/feeds/gdacs.py): no database change.
            widen_allowed("incidents", "incident_type"),
            widen_allowed("hazard_zones", "hazard_type"),
        ),
    ),
    Step(
        3,
        "Cyrillic checkpoint names",
        (
            add_field("border_checkpoints", "name_tg"),
            add_field("border_checkpoints", "name_ru"),
        ),
    ),
)
CURRENT_VERSION = STEPS[-1].version


@dataclass(frozen=True)
class UpgradeResult:
    from_version: int
    to_version: int
    done: tuple[str, ...]
    store_version: int | None  # the store's version counter after it (None: nothing done)


def schema_version(store, *, steps: Sequence[Step] = STEPS) -> int:
    """The schema version of `store`: as recorded, else placed by what it holds."""
    with store.sql.reading() as con:
        m = Migration(con, ddl_for(store), None)
        recorded = m.ddl.recorded_version(con)
        if recorded is not None:
            return recorded
        return _placed_version(m, steps)


def check_servable(store, *, steps: Sequence[Step] = STEPS) -> None:
    """Refuse (StoreError) a store newer than this release, or one that needs `eoc upgrade`."""
    found = schema_version(store, steps=steps)
    current = steps[-1].version
    if found > current:
        raise StoreError(
            _(
                "{store} has schema version {found}, newer than this release knows"
                " ({current}): install the newer release"
            ).format(store=store.location, found=found, current=current)
        )
    if found < current:
        raise StoreError(
            _(
                "{store} has schema version {found}; this release needs {current}:"
                " back it up and run 'eoc upgrade'"
            ).format(store=store.location, found=found, current=current)
        )


def upgrade(
    store,
    *,
    now: datetime,
    seed_dir: Path | None = None,
    user: str = "system",
    steps: Sequence[Step] = STEPS,
) -> UpgradeResult:
    """Apply every pending step to `store` in one transaction, or nothing at all."""
    current = steps[-1].version
    frames = _prepare(store, seed_dir, steps)
    with store.sql.engine.connect() as con, con.begin():
        m = Migration(con, ddl_for(store), seed_dir, frames)
        m.ddl.lock(con)
        _check_not_retired(m, store)
        recorded = m.ddl.recorded_version(con)
        found = recorded if recorded is not None else _placed_version(m, steps)
        if found > current:
            raise StoreError(
                _("{store} has schema version {found}; this release knows only {current}").format(
                    store=store.location, found=found, current=current
                )
            )
        for step in steps:
            if step.version <= found and recorded is not None:
                continue
            for operation in step.operations:
                if operation.pending(m):
                    operation.apply(m)
        if recorded == current and not m.done:
            return UpgradeResult(found, current, (), None)
        m.ddl.record_version(con, current)
        version = store.sql.bump_version(con)
        write_audit(
            con,
            action=UPGRADE_ACTION,
            by=user,
            now=now.astimezone(UTC),
            version=version,
            reason=f"schema upgraded from version {found} to {current}",
            old={"schema_version": found},
            new={"schema_version": current, "changes": m.done},
        )
    return UpgradeResult(found, current, tuple(m.done), version)


def stamp(store, *, steps: Sequence[Step] = STEPS) -> None:
    """Record that `store`, just built by this release, has the current schema version."""
    with store.sql.engine.connect() as con, con.begin():
        ddl = ddl_for(store)
        ddl.lock(con)
        ddl.record_version(con, steps[-1].version)


def _placed_version(m: Migration, steps: Sequence[Step]) -> int:
    """An unstamped store's version: just below the first step it still needs."""
    for step in steps:
        if any(operation.pending(m) for operation in step.operations):
            return max(UNVERSIONED, step.version - 1)
    return steps[-1].version


def _check_not_retired(m: Migration, store) -> None:
    if m.ddl.name == "sqlite":
        found = m.con.exec_driver_sql("SELECT 1 FROM eoc_meta WHERE key = 'retired'").first()
        if found is not None:
            raise StoreError(
                _("{store} was replaced meanwhile; try again").format(store=store.location)
            )


def _prepare(store, seed_dir: Path | None, steps: Sequence[Step]) -> dict[str, gpd.GeoDataFrame]:
    """Seed frames of new layers, read and validated before the transaction (and grid files
    copied beside the store first, as a build does: a row never names a missing file)."""
    with store.sql.reading() as con:
        held = ddl_for(store).table_names(con)
    frames = {}
    for step in steps:
        for operation in step.operations:
            name = operation.new_layer
            if name is not None and name not in held:
                frames[name] = _seed_frame(layers.get(name), seed_dir)
    if seed_dir is not None and len(frames.get("population_grids", ())):
        from eoc.io.raster import publish_seed_grids  # late: only this copies grid files

        publish_seed_grids(store, frames["population_grids"], seed_dir)
    return frames


def _seed_frame(spec: layers.LayerSpec, seed_dir: Path | None) -> gpd.GeoDataFrame:
    from eoc.errors import ValidationError

    path = None if seed_dir is None else Path(seed_dir) / spec.seed_file
    if path is None or not path.is_file():
        empty = gpd.GeoDataFrame({f.name: [] for f in spec.fields}, geometry=[], crs=4326)
        return layers.conform(empty, spec)
    frame = gpd.read_file(path)
    problems = layers.validate(frame, spec)
    if problems:
        raise ValidationError(problems, action="the store was not upgraded")
    return layers.conform(frame, spec)
