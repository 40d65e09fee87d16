"""The tables every store has beside its layers, described once for the shared SQL.

The version counter, the layer catalogue, the append-only audit log, users and published
reports. Each backend creates them in its own schema DDL (eoc/store/gpkg_tables.py,
eoc/store/postgis_schema.py), with the types and append-only triggers of its database, so
these descriptions (on `EXISTING`, never given to `create_all`) carry only what the shared
SQL reads and writes: eoc/store/sql_store.py and eoc/store/accounts.py.
"""

from __future__ import annotations

import sqlalchemy as sa

from eoc.store.schema import IsoTime, JsonValue

EXISTING = sa.MetaData()

users = sa.Table(
    "eoc_users",
    EXISTING,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_at", IsoTime, nullable=False),
    sa.Column("lang", sa.Text),
)
audit = sa.Table(
    "eoc_audit",
    EXISTING,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", IsoTime, nullable=False),
    sa.Column("user", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("layer", sa.Text),
    sa.Column("feature_id", sa.Text),
    sa.Column("old", JsonValue),
    sa.Column("new", JsonValue),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)
reports = sa.Table(
    "eoc_reports",
    EXISTING,
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("lang", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("as_of", IsoTime, nullable=False),
    sa.Column("published_at", IsoTime, nullable=False),
    sa.Column("published_by", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("html", sa.Text, nullable=False),
    sa.Column("markdown", sa.Text, nullable=False),
    sa.Column("pdf", sa.LargeBinary, nullable=False),
)
REPORT_LISTING = ("number", "lang", "version", "as_of", "published_at", "published_by", "title")

# The version counter and data time: key/value rows in the GeoPackage, one typed row in PG.
gpkg_meta = sa.Table(
    "eoc_meta", sa.MetaData(), sa.Column("key", sa.Text, primary_key=True), sa.Column("value")
)
pg_meta = sa.Table(
    "eoc_meta",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("data_time", IsoTime),
)
# Which layers a store holds, and when each last changed: the GeoPackage's own catalogue
# (GeoPackage 1.2 §1.1.3.1, last_change as ISO 8601 with milliseconds and Z) or eoc_layers.
gpkg_contents = sa.Table(
    "gpkg_contents",
    sa.MetaData(),
    sa.Column("table_name", sa.Text, primary_key=True),
    sa.Column("data_type", sa.Text),
    sa.Column("last_change", sa.Text),
)
pg_layers = sa.Table(
    "eoc_layers",
    sa.MetaData(),
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("title", sa.Text),
    sa.Column("position", sa.Integer),
    sa.Column("last_change", IsoTime),
)
