"""The SQL of the GeoPackage store: its own tables, and reading and writing feature rows.

Identifiers in this module come from the layer registry or are constants, never user text;
values are always parameters.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path

import layers
from eoc.store import gpkg_binary
from eoc.store.records import UserRecord
from eoc.store.schema import shared_table_names
from eoc.store.sql_engine import geopackage_backend
from eoc.store.values import to_column

_REPORTS_STATEMENTS = (
    "CREATE TABLE IF NOT EXISTS eoc_reports (number INTEGER PRIMARY KEY NOT NULL,"
    " lang TEXT NOT NULL, version INTEGER NOT NULL, as_of TEXT NOT NULL,"
    " published_at TEXT NOT NULL, published_by TEXT NOT NULL, title TEXT NOT NULL,"
    " html TEXT NOT NULL, markdown TEXT NOT NULL, pdf BLOB NOT NULL)",
    "CREATE TRIGGER IF NOT EXISTS eoc_reports_no_update BEFORE UPDATE ON eoc_reports"
    " BEGIN SELECT RAISE(ABORT, 'published reports cannot be changed'); END",
    "CREATE TRIGGER IF NOT EXISTS eoc_reports_no_delete BEFORE DELETE ON eoc_reports"
    " BEGIN SELECT RAISE(ABORT, 'published reports cannot be deleted'); END",
)
_SCHEMA = """
CREATE TABLE eoc_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT);
CREATE TABLE eoc_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL,
    layer TEXT, feature_id TEXT, old TEXT, new TEXT,
    reason TEXT NOT NULL, version INTEGER NOT NULL
);
CREATE INDEX eoc_audit_feature ON eoc_audit (layer, feature_id);
CREATE TRIGGER eoc_audit_no_update BEFORE UPDATE ON eoc_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER eoc_audit_no_delete BEFORE DELETE ON eoc_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE eoc_users (
    name TEXT PRIMARY KEY NOT NULL, role TEXT NOT NULL, password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL, lang TEXT
);
"""
_SCHEMA += "".join(f"{statement};\n" for statement in _REPORTS_STATEMENTS)
_CARRIED_TABLES = ("eoc_audit", "eoc_users", "eoc_reports")  # and every shared table
_AUDIT_COLUMNS = "id, at, user, action, layer, feature_id, old, new, reason, version"


def _has_reports(con: sqlite3.Connection) -> bool:
    row = con.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'eoc_reports'"
    ).fetchone()
    return row is not None


def _create_reports(con: sqlite3.Connection) -> None:
    # One statement at a time: executescript would commit the open transaction.
    for statement in _REPORTS_STATEMENTS:
        con.execute(statement)


def _user(row: tuple) -> UserRecord:
    return UserRecord(
        name=row[0],
        role=row[1],
        password_hash=row[2],
        created_at=datetime.fromisoformat(row[3]),
        lang=row[4],
    )


def _columns(spec: layers.LayerSpec) -> str:
    # Identifiers come from the layer spec, never from user text.
    return ", ".join(f'"{name}"' for name in spec.field_names)


def _fetch(con: sqlite3.Connection, spec: layers.LayerSpec, feature_id: str) -> dict | None:
    row = con.execute(
        f'SELECT fid, geom, {_columns(spec)} FROM "{spec.name}" '  # noqa: S608
        f'WHERE "{spec.id_field}" = ?',
        (feature_id,),
    ).fetchone()
    if row is None:
        return None
    values = dict(zip(spec.field_names, row[2:], strict=True))
    return {"fid": row[0], "geometry": gpkg_binary.decode(row[1]), **values}


def _fetch_all(con: sqlite3.Connection, spec: layers.LayerSpec) -> list[dict]:
    """Every stored row of a layer (with its fid), in storage order."""
    rows = con.execute(
        f'SELECT fid, geom, {_columns(spec)} FROM "{spec.name}" ORDER BY fid'  # noqa: S608
    ).fetchall()
    names = spec.field_names
    decode = gpkg_binary.decode
    return [
        {"fid": row[0], "geometry": decode(row[1]), **dict(zip(names, row[2:], strict=True))}
        for row in rows
    ]


def _last_change(
    con: sqlite3.Connection, spec: layers.LayerSpec, feature_id: str
) -> tuple[str, str] | None:
    """Who last changed the feature, and when (from the audit log)."""
    return con.execute(
        "SELECT user, at FROM eoc_audit WHERE layer = ? AND feature_id = ? "
        "ORDER BY id DESC LIMIT 1",
        (spec.name, feature_id),
    ).fetchone()


def _write(
    con: sqlite3.Connection, spec: layers.LayerSpec, op: str, row: dict, current: dict | None
) -> None:
    table = f'"{spec.name}"'
    if op == "delete":
        con.execute(f"DELETE FROM {table} WHERE fid = ?", (current["fid"],))  # noqa: S608
        return
    values = [to_column(row[name], spec.field(name)) for name in spec.field_names]
    geom = gpkg_binary.encode(row.get("geometry"))
    if op == "insert":
        marks = ", ".join("?" for _ in range(len(values) + 1))
        con.execute(
            f"INSERT INTO {table} (geom, {_columns(spec)}) VALUES ({marks})",  # noqa: S608
            (geom, *values),
        )
        return
    assignments = ", ".join(f'"{name}" = ?' for name in spec.field_names)
    con.execute(
        f"UPDATE {table} SET geom = ?, {assignments} WHERE fid = ?",  # noqa: S608
        (geom, *values, current["fid"]),
    )


def _insert_many(con: sqlite3.Connection, spec: layers.LayerSpec, records: list[dict]) -> None:
    marks = ", ".join("?" for _ in range(len(spec.field_names) + 1))
    con.executemany(
        f'INSERT INTO "{spec.name}" (geom, {_columns(spec)}) VALUES ({marks})',  # noqa: S608
        (
            (
                gpkg_binary.encode(record.get("geometry")),
                *(to_column(record.get(n), spec.field(n)) for n in spec.field_names),
            )
            for record in records
        ),
    )


def _index_id(con: sqlite3.Connection, spec: layers.LayerSpec) -> None:
    """An index on the id column, so edits and upserts find a feature without a scan."""
    con.execute(
        f'CREATE INDEX IF NOT EXISTS "{spec.name}_{spec.id_field}_idx" '  # noqa: S608
        f'ON "{spec.name}" ("{spec.id_field}")'
    )


def _create_schema(path: Path) -> None:
    with closing(sqlite3.connect(path)) as con, con:
        con.executescript(_SCHEMA)
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
            "VALUES ('eoc_audit', 'attributes', 'eoc_audit', 'Audit log: who changed what, why')"
        )
    geopackage_backend(path).ensure_tables()  # sessions and the sign-in throttle


def _carry_over(old: Path, new: Path) -> None:
    """Copy users and the audit log from the old store into the new file."""
    with closing(sqlite3.connect(new)) as con, con:
        con.execute("ATTACH DATABASE ? AS old", (str(old),))
        present = {r[0] for r in con.execute("SELECT name FROM old.sqlite_master")}
        for table in set(_CARRIED_TABLES + shared_table_names()) & present:
            con.execute(f"INSERT INTO main.{table} SELECT * FROM old.{table}")  # noqa: S608
