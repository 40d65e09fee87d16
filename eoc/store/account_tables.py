"""Tables for sign-in state, described once in SQLAlchemy Core for both store backends.

`eoc_sessions` (server-side session records), `eoc_login_throttle` (failed sign-ins) and
`eoc_account_state` (last sign-in, one-time password) are
created by these definitions on SQLite (the GeoPackage) and on PostgreSQL alike. `eoc_users`,
`eoc_audit` and `eoc_meta` are created by each backend's own schema; they are described here
only as far as the shared account operations (eoc/store/accounts.py) use them.
"""

from __future__ import annotations

import sqlalchemy as sa

from eoc.store.schema import METADATA, IsoTime, JsonValue

sessions = sa.Table(
    "eoc_sessions",
    METADATA,
    # The SHA-256 of the random token in the cookie: a copy of the table opens no session.
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("user_name", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    # A digest of the password hash at sign-in: a new password (or a disable) ends the session.
    sa.Column("credential", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),  # seconds since the epoch (UTC)
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Index("eoc_sessions_user", "user_name"),
)
throttle = sa.Table(
    "eoc_login_throttle",
    METADATA,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("first_at", sa.Float, nullable=False),  # when the counting window began
)
# What an account has beside its users row: its last sign-in, and whether its password is a
# one-time password (set by an admin) that must be changed before anything else.
account_state = sa.Table(
    "eoc_account_state",
    METADATA,
    sa.Column("user_name", sa.Text, primary_key=True),
    sa.Column("last_sign_in_at", sa.Float),  # seconds since the epoch (UTC)
    sa.Column("must_change_password", sa.Boolean, nullable=False, default=False),
)


# Created by the backends' own schemas; never by METADATA.create_all.
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
# The version counter: a key/value row in the GeoPackage, one typed row in PostGIS.
gpkg_meta = sa.Table(
    "eoc_meta", sa.MetaData(), sa.Column("key", sa.Text, primary_key=True), sa.Column("value")
)
pg_meta = sa.Table(
    "eoc_meta",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
)
