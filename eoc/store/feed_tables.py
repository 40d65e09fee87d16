"""Tables of the live feeds, described once in SQLAlchemy Core for both store backends.

`eoc_feed_state`: one row per feed — its health (last attempt, last success, last error,
offline since, failures in a row, events added) and what the next poll needs (the ETag and
Last-Modified validators, a digest of the last body, when it is due). `eoc_feed_lease`: which
runner may poll; a runner holds the lease for a few seconds and renews it while it runs, so
two `eoc feeds run` started by mistake never poll (and write) twice. Times are seconds since
the epoch (UTC), as eoc_sessions keeps them.
"""

from __future__ import annotations

import sqlalchemy as sa

from eoc.store.schema import METADATA, JsonValue

feed_state = sa.Table(
    "eoc_feed_state",
    METADATA,
    sa.Column("feed", sa.String(40), primary_key=True),
    sa.Column("url", sa.Text),
    sa.Column("last_attempt", sa.Float),
    sa.Column("last_success", sa.Float),
    sa.Column("last_error", sa.Text),
    sa.Column("last_error_at", sa.Float),
    sa.Column("offline_since", sa.Float),  # the first failure of the current run of failures
    sa.Column("failures", sa.Integer, nullable=False, default=0),
    sa.Column("events_added", sa.Integer, nullable=False, default=0),
    sa.Column("last_added_at", sa.Float),  # when a poll last added or changed an event
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("body_sha256", sa.String(64)),
    sa.Column("next_attempt", sa.Float),
)
feed_lease = sa.Table(
    "eoc_feed_lease",
    METADATA,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("holder", sa.Text, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)
# Draft situation reports the runner prepared for a significant event, waiting for a person.
feed_drafts = sa.Table(
    "eoc_feed_drafts",
    METADATA,
    sa.Column("incident_id", sa.Text, primary_key=True),
    sa.Column("lang", sa.String(5), primary_key=True),
    sa.Column("prepared_at", sa.Float, nullable=False),
    sa.Column("store_version", sa.Integer, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("markdown", sa.Text, nullable=False),
    sa.Column("meta", JsonValue),
)
