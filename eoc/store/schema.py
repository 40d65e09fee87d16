"""The store's own tables beside the layers, described once in SQLAlchemy Core for both backends.

A feature that needs a table defines it on `METADATA` in its own module (as
eoc/store/account_tables.py does) and adds that module to `TABLE_MODULES`: every store then
creates the table on first use (SQLite inside the GeoPackage, PostgreSQL in the store's
schema) and a GeoPackage rebuild carries its rows over. `IsoTime` and `JsonValue` store times
and JSON the way the rest of the store does on each database.
"""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

METADATA = sa.MetaData()
TABLE_MODULES = (
    "eoc.store.account_tables",
    "eoc.store.feed_tables",
    "eoc.store.displays",
    "eoc.store.flow_tables",
    "eoc.store.alert_tables",
    "eoc.store.exercise_tables",
)


def shared_metadata() -> sa.MetaData:
    """METADATA with every feature's tables defined on it."""
    for module in TABLE_MODULES:
        importlib.import_module(module)
    return METADATA


def shared_table_names() -> tuple[str, ...]:
    """The tables the shared modules create (and a GeoPackage rebuild carries over)."""
    return tuple(shared_metadata().tables)


class IsoTime(sa.TypeDecorator):
    """A UTC time: ISO text in SQLite (as the GeoPackage store writes it), timestamptz in PG."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> object:
        if value is None:
            return None
        stamp = value.astimezone(UTC)
        return stamp if dialect.name == "postgresql" else stamp.isoformat()

    def process_result_value(self, value: object, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        stamp = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return stamp.astimezone(UTC)


class JsonValue(sa.TypeDecorator):
    """A JSON document: text in SQLite (as the GeoPackage store writes it), json in PG."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSON())
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value: object, dialect: sa.Dialect) -> object:
        if value is None or dialect.name == "postgresql":
            return value
        return json.dumps(value, ensure_ascii=False)

    def process_result_value(self, value: object, dialect: sa.Dialect) -> object:
        if value is None or dialect.name == "postgresql":
            return value  # psycopg has decoded it
        return json.loads(value)
