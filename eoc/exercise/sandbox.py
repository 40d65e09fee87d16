"""The exercise sandbox: a copy of the live store, marked as an exercise, archived at the end.

`start_exercise` copies the live store with the backup code (eoc/store/backup.py: SQLite's
online backup API for a GeoPackage, one repeatable-read snapshot for PostGIS) into the
sandbox — a GeoPackage file, or a PostGIS schema (the snapshot restored there, as
`eoc restore` does) — and marks the COPY: a row in `eoc_exercise` (eoc/store/exercise_tables.py)
written through the copy's own audited write. The live store is only read, by the copy.

A store with that row is an exercise store: the app shows EXERCISE on every page, reports
carry a watermark, CAP alerts drafted on it get status Exercise (eoc/exercise/marking.py).
`stop_exercise` records the end and moves the sandbox to an archive name beside it
(`<name>.exercise-<UTC time>.gpkg`, or the schema `<schema>_exercise_<UTC time>`), where the
after-action report can still read it.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import sqlalchemy as sa

from eoc.errors import ExerciseError, StoreNotInitialisedError
from eoc.exercise.clock import ExerciseClock, check_speed
from eoc.exercise.scenario import Inject, Scenario, parse_inject, parse_scenario
from eoc.i18n import _
from eoc.store import exercise_tables as t
from eoc.store import open_store
from eoc.store.audit_log import write_audit
from eoc.store.backup import backup_store, restore_store
from eoc.store.geopackage import GeoPackageStore

START_ACTION, STOP_ACTION, CLOCK_ACTION = "exercise_start", "exercise_stop", "exercise_clock"
ADD_ACTION = "exercise_inject_added"  # the controller added an inject live (live_injects.py)


@dataclass(frozen=True)
class ExerciseRecord:
    """The `eoc_exercise` row of a sandbox."""

    exercise_id: str
    scenario_name: str
    title: str
    scenario_text: str
    scenario_files: dict
    source_store: str
    source_version: int
    started_at: datetime
    started_by: str
    start_version: int
    ended_at: datetime | None
    ended_by: str | None
    clock: ExerciseClock
    added_injects: tuple[Inject, ...] = ()  # added live by the controller (/exercise)

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    @cached_property
    def scenario(self) -> Scenario:
        """The scenario played: the file's injects and those added live, in time order."""
        played = parse_scenario(
            self.scenario_text, name=self.scenario_name, files=self.scenario_files
        )
        return played.with_injects(self.added_injects)


def read_exercise(store) -> ExerciseRecord | None:
    """The exercise the store is a sandbox of; None for a live store."""
    sql = getattr(store, "sql", store)
    added = t.added_injects
    with sql.reading() as con:
        row = con.execute(sa.select(t.exercise).limit(1)).first()
        if row is None:
            return None
        rows = con.execute(sa.select(added).order_by(added.c.added_at, added.c.inject_id)).all()
    return _record(row._mapping, [r._mapping for r in rows])


def require_exercise(store, *, running: bool = False) -> ExerciseRecord:
    """The store's exercise; ExerciseError if it is a live store (or, `running`, if ended)."""
    found = read_exercise(store)
    if found is None:
        raise ExerciseError(
            _("{store} is not an exercise sandbox: injects never go into a live store").format(
                store=store.location
            )
        )
    if running and found.ended:
        raise ExerciseError(
            _("the exercise {id} ended at {time}: nothing more is applied").format(
                id=found.exercise_id, time=found.ended_at.isoformat(timespec="minutes")
            )
        )
    return found


def start_exercise(live, sandbox, scenario: Scenario, *, by: str, now: datetime) -> ExerciseRecord:
    """Copy `live` into `sandbox` (a store that does not exist yet) and mark the copy."""
    if not live.exists():
        raise StoreNotInitialisedError(live.location)
    if _same_place(live, sandbox):
        raise ExerciseError(_("the sandbox must be another place than the live store"))
    if sandbox.exists():
        raise ExerciseError(
            _("{store} exists already: stop that exercise first, or choose another sandbox").format(
                store=sandbox.location
            )
        )
    _copy(live, sandbox, now=now)
    held = read_exercise(sandbox)
    if held is not None:
        _discard(sandbox)
        raise ExerciseError(
            _("{store} is itself the sandbox of exercise {id}: start from the live store").format(
                store=live.location, id=held.exercise_id
            )
        )
    stamp = now.astimezone(UTC)
    exercise_id = f"EX-{stamp:%Y%m%d-%H%M%S}"
    source_version = sandbox.version()  # the copy's counter is the live store's at the copy
    with sandbox.sql.transaction() as con:
        version = sandbox.sql.bump_version(con)
        con.execute(
            sa.insert(t.exercise).values(
                exercise_id=exercise_id,
                scenario=scenario.name,
                title=scenario.title("en"),
                titles={lang: scenario.title(lang) for lang in ("en", "ru", "tg")},
                scenario_text=scenario.text,
                scenario_files=dict(scenario.files),
                source_store=_label(live),
                source_version=source_version,
                started_at=stamp,
                started_by=by,
                start_version=version,
                clock_speed=1.0,
                clock_paused=False,
                clock_anchor_at=None,
                clock_anchor_s=0.0,
            )
        )
        _audit(
            con,
            START_ACTION,
            exercise_id,
            by=by,
            now=stamp,
            version=version,
            new={
                "scenario": scenario.name,
                "digest": scenario.digest,
                "source_store": _label(live),
                "source_version": source_version,
            },
            reason=f"exercise sandbox copied from {_label(live)}",
        )
    return require_exercise(sandbox)


def save_clock(
    store, clock: ExerciseClock, *, by: str, now: datetime, reason: str
) -> ExerciseClock:
    """Set the exercise clock (audited: the report reads exercise times from these entries)."""
    record = require_exercise(store, running=True)
    check_speed(clock.speed)
    with store.sql.transaction() as con:
        version = store.sql.bump_version(con)
        con.execute(
            sa.update(t.exercise)
            .where(t.exercise.c.exercise_id == record.exercise_id)
            .values(
                clock_speed=clock.speed,
                clock_paused=clock.paused,
                clock_anchor_at=clock.anchor_at,
                clock_anchor_s=clock.anchor_s,
            )
        )
        _audit(
            con,
            CLOCK_ACTION,
            record.exercise_id,
            by=by,
            now=now,
            version=version,
            old=clock_values(record.clock),
            new=clock_values(clock),
            reason=reason,
        )
    return clock


def clock_values(clock: ExerciseClock) -> dict:
    """The clock as the audit log keeps it (and `clock_from_values` reads it back)."""
    anchor = None if clock.anchor_at is None else clock.anchor_at.astimezone(UTC).isoformat()
    return {
        "speed": clock.speed,
        "paused": clock.paused,
        "anchor_at": anchor,
        "anchor_s": clock.anchor_s,
    }


def clock_from_values(values: dict) -> ExerciseClock:
    anchor = values.get("anchor_at")
    return ExerciseClock(
        speed=float(values.get("speed", 1.0)),
        paused=bool(values.get("paused")),
        anchor_at=None if not anchor else datetime.fromisoformat(str(anchor)),
        anchor_s=float(values.get("anchor_s") or 0.0),
    )


def stop_exercise(store, *, by: str, now: datetime) -> str:
    """Record the end of the exercise and move the sandbox to its archive name; return it."""
    record = require_exercise(store, running=True)
    stamp = now.astimezone(UTC)
    with store.sql.transaction() as con:
        version = store.sql.bump_version(con)
        con.execute(
            sa.update(t.exercise)
            .where(t.exercise.c.exercise_id == record.exercise_id)
            .values(ended_at=stamp, ended_by=by, clock_paused=True)
        )
        _audit(
            con,
            STOP_ACTION,
            record.exercise_id,
            by=by,
            now=stamp,
            version=version,
            new={"ended_at": stamp.isoformat()},
            reason="exercise stopped and archived",
        )
    return _archive(store, f"{stamp:%Y%m%dT%H%M%SZ}")


# -- copying and archiving ------------------------------------------------------------------


def _copy(live, sandbox, *, now: datetime) -> None:
    if isinstance(sandbox, GeoPackageStore):
        backup_store(live, sandbox.path)
        return
    # A PostGIS sandbox: the live store's snapshot (a GeoPackage), restored into its schema.
    with tempfile.TemporaryDirectory(prefix="eoc-exercise-") as folder:
        snapshot = backup_store(live, Path(folder) / "snapshot.gpkg")
        restore_store(snapshot, sandbox, force=False, now=now)


def _archive(store, stamp: str) -> str:
    store.sql.engine.dispose()  # no pooled connection keeps the old name open
    if isinstance(store, GeoPackageStore):
        target = store.path.with_name(f"{store.path.stem}.exercise-{stamp}.gpkg")
        os.replace(store.path, target)
        return str(target)
    schema = f"{store.schema[:40]}_exercise_{stamp.lower()}"
    with store.sql.engine.begin() as con:
        con.exec_driver_sql(f'ALTER SCHEMA "{store.schema}" RENAME TO "{schema}"')
    store.sql.engine.dispose()
    return store._label.replace(f"schema={store.schema}", f"schema={schema}")


def archived_store(location: str):
    """The store at an archive location `stop_exercise` returned."""
    return open_store(location)


def _discard(sandbox) -> None:
    sandbox.sql.engine.dispose()
    if isinstance(sandbox, GeoPackageStore):
        sandbox.path.unlink(missing_ok=True)
        return
    with sandbox.sql.engine.begin() as con:
        con.exec_driver_sql(f'DROP SCHEMA "{sandbox.schema}" CASCADE')


def _same_place(live, sandbox) -> bool:
    if isinstance(live, GeoPackageStore) and isinstance(sandbox, GeoPackageStore):
        return live.path.resolve() == sandbox.path.resolve()
    return _label(live) == _label(sandbox)


def _label(store) -> str:
    """Where a store is, without a password."""
    return getattr(store, "_label", store.location)


def _audit(con, action, exercise_id, *, by, now, version, reason, old=None, new=None) -> None:
    write_audit(
        con, action=action, by=by, now=now, version=version, reason=reason,
        feature_id=exercise_id, old=old, new=new,
    )  # fmt: skip


def _record(m, added: list) -> ExerciseRecord:
    return ExerciseRecord(
        exercise_id=m["exercise_id"],
        scenario_name=m["scenario"],
        title=m["title"],
        scenario_text=m["scenario_text"],
        scenario_files=dict(m["scenario_files"] or {}),
        source_store=m["source_store"],
        source_version=int(m["source_version"]),
        started_at=m["started_at"],
        started_by=m["started_by"],
        start_version=int(m["start_version"]),
        ended_at=m["ended_at"],
        ended_by=m["ended_by"],
        clock=ExerciseClock(
            speed=float(m["clock_speed"]),
            paused=bool(m["clock_paused"]),
            anchor_at=m["clock_anchor_at"],
            anchor_s=float(m["clock_anchor_s"] or 0.0),
        ),
        added_injects=tuple(_added_inject(a) for a in added),
    )


def _added_inject(m) -> Inject:
    """An inject added live, read back through the scenario's own parser."""
    return parse_inject(
        dict(m["fields"] or {}),
        inject_id=m["inject_id"],
        where=_("inject {id} added live").format(id=m["inject_id"]),
        added_by=m["added_by"],
    )
