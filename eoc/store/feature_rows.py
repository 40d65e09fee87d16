"""Feature rows of a layer table, read and written by one body of SQL on both databases.

A layer is a table with an integer `fid`, one column per field of its spec and a `geom`
column. What differs between the databases is how a value and a geometry are stored, and
that is all in the two column types below (as IsoTime and JsonValue do in schema.py):

- `FieldValue`: in a GeoPackage, values as GDAL writes them (bools as 0/1, dates and times
  as ISO text with milliseconds and Z); in PostgreSQL, the canonical value, cast by the server
  to the column's type (date, timestamptz, boolean, ...).
- `Geometry`: in a GeoPackage, the GeoPackage binary (a header and WKB, GeoPackage 1.2
  §2.1.3); in PostGIS, EWKB with SRID 4326, which PostGIS casts to `geometry` on assignment
  and returns as hex EWKB.

Identifiers come from the layer registry and are quoted by SQLAlchemy; values are parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry

import layers
from eoc.store import gpkg_binary
from eoc.store.values import plain, to_column
from layers.spec import Field

_PG_TYPES = {
    "str": sa.Text(),
    "int": sa.BigInteger(),
    "float": sa.Float(53),
    "bool": sa.Boolean(),
    "date": sa.Date(),
    "datetime": sa.DateTime(timezone=True),
}


class FieldValue(sa.TypeDecorator):
    """A field of a layer spec, of field type `kind` (layers.spec.FIELD_TYPES)."""

    impl = sa.Text
    cache_ok = True

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._field = Field(name="value", type=kind)

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(_PG_TYPES[self.kind])
        return dialect.type_descriptor(sa.types.NullType())

    def process_bind_param(self, value: object, dialect: sa.Dialect) -> object:
        if dialect.name == "postgresql":
            return plain(value, self._field)
        return to_column(value, self._field)


class _PostgisGeometry(sa.types.UserDefinedType):
    cache_ok = True

    def get_col_spec(self, **_kw: object) -> str:
        return "geometry(Geometry, 4326)"


class Geometry(sa.TypeDecorator):
    """A geometry in EPSG:4326, as shapely on the Python side."""

    impl = sa.LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(_PostgisGeometry())
        return dialect.type_descriptor(sa.types.NullType())

    def process_bind_param(self, value: BaseGeometry | None, dialect: sa.Dialect) -> object:
        if dialect.name == "postgresql":
            return ewkb(value)
        return gpkg_binary.encode(value)

    def process_result_value(self, value: object, dialect: sa.Dialect) -> BaseGeometry | None:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return shapely.from_wkb(value)  # hex EWKB text
        return gpkg_binary.decode(value)


def ewkb(geometry: BaseGeometry | None) -> bytes | None:
    """EWKB with SRID 4326, 2D (what PostGIS reads for a geometry(Geometry, 4326) column)."""
    if geometry is None:
        return None
    return shapely.to_wkb(shapely.set_srid(geometry, 4326), include_srid=True, output_dimension=2)


# What a backend does to a geometry before storing it (a GeoPackage: fit its declared type).
Fit = Callable[[BaseGeometry | None], BaseGeometry | None]


def same(geometry: BaseGeometry | None) -> BaseGeometry | None:
    return geometry


@cache
def layer_table(name: str) -> sa.Table:
    """Layer `name`'s table: fid, its spec's fields, geom (schema-less: PG maps it)."""
    spec = layers.get(name)
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("fid", sa.Integer, primary_key=True),
        *(sa.Column(f.name, FieldValue(f.type), key=f.name) for f in spec.fields),
        sa.Column("geom", Geometry),
    )


def _row(spec: layers.LayerSpec, record: sa.Row) -> dict:
    values = record._mapping
    return {
        "fid": values["fid"],
        "geometry": values["geom"],
        **{n: values[n] for n in spec.field_names},
    }


def fetch(con: sa.Connection, spec: layers.LayerSpec, feature_id: str) -> dict | None:
    """The stored row of feature `feature_id` (the first, if a context layer has several)."""
    table = layer_table(spec.name)
    found = con.execute(
        sa.select(table).where(table.c[spec.id_field] == feature_id).order_by(table.c.fid).limit(1)
    ).first()
    return None if found is None else _row(spec, found)


def fetch_all(con: sa.Connection, spec: layers.LayerSpec) -> list[dict]:
    """Every stored row of a layer (with its fid), in storage order."""
    table = layer_table(spec.name)
    return [_row(spec, r) for r in con.execute(sa.select(table).order_by(table.c.fid))]


def _values(spec: layers.LayerSpec, row: dict, fit: Fit) -> dict:
    return {"geom": fit(row.get("geometry")), **{n: row.get(n) for n in spec.field_names}}


def write(
    con: sa.Connection,
    spec: layers.LayerSpec,
    op: str,
    row: dict,
    current: dict | None,
    *,
    fit: Fit = same,
) -> None:
    """Delete `current`, insert `row`, or update `current` to `row`."""
    table = layer_table(spec.name)
    if op == "delete":
        con.execute(sa.delete(table).where(table.c.fid == current["fid"]))
    elif op == "insert":
        con.execute(sa.insert(table).values(_values(spec, row, fit)))
    else:
        values = _values(spec, row, fit)
        con.execute(sa.update(table).where(table.c.fid == current["fid"]).values(values))


def insert_many(
    con: sa.Connection, spec: layers.LayerSpec, records: list[dict], *, fit: Fit = same
) -> None:
    if records:
        con.execute(sa.insert(layer_table(spec.name)), [_values(spec, r, fit) for r in records])


def delete_all(con: sa.Connection, spec: layers.LayerSpec) -> None:
    # DELETE, not TRUNCATE: PostgreSQL readers keep seeing the old rows until the commit.
    con.execute(sa.delete(layer_table(spec.name)))


def count(con: sa.Connection, spec: layers.LayerSpec, *, public_only: bool = False) -> int:
    """How many rows the layer holds (`public_only`: leaving out rows flagged sensitive)."""
    table = layer_table(spec.name)
    query = sa.select(sa.func.count()).select_from(table)
    if public_only and spec.sensitive_field:
        query = query.where(table.c[spec.sensitive_field] == False)  # noqa: E712
    return int(con.execute(query).scalar_one())
