"""Tables for sign-in state, described once in SQLAlchemy Core for both store backends.

`eoc_sessions` (server-side session records) and `eoc_login_throttle` (failed sign-ins) are
created by these definitions on SQLite (the GeoPackage) and on PostgreSQL alike. `eoc_users`,
`eoc_audit` and `eoc_meta` are created by each backend's own schema and described in
eoc/store/journal_tables.py; the names below keep eoc/store/accounts.py short.
"""

from __future__ import annotations

import sqlalchemy as sa

from eoc.store import journal_tables as j
from eoc.store.schema import METADATA

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
account_state = sa.Table(
    "eoc_account_state",
    METADATA,
    sa.Column("user_name", sa.Text, primary_key=True),
    sa.Column("last_sign_in_at", sa.Float),  # seconds since the epoch (UTC)
    sa.Column("must_change_password", sa.Boolean, nullable=False, default=False),
)


# Created by the backends' own schemas; never by METADATA.create_all (eoc/store/journal_tables.py).
EXISTING, users, audit = j.EXISTING, j.users, j.audit
gpkg_meta, pg_meta = j.gpkg_meta, j.pg_meta
