"""Tables for CAP alerts and the messaging library, described once for both store backends.

`eoc_alerts` holds each alert's CAP 1.2 document and where it is in the two-person workflow
(draft → approved → published); a published row is never updated again (eoc/alerts/workflow.py
refuses it in the statement itself). `eoc_key_messages` keeps every version of every library
text: an edit adds a row with the next version, so the history is the table.
"""

from __future__ import annotations

import sqlalchemy as sa

from eoc.store.schema import METADATA, IsoTime

alerts = sa.Table(
    "eoc_alerts",
    METADATA,
    sa.Column("alert_id", sa.String(200), primary_key=True),  # the CAP identifier
    sa.Column("state", sa.String(16), nullable=False),  # draft, approved, published
    sa.Column("scope", sa.String(16), nullable=False),  # copied from the XML, for the feed
    sa.Column("msg_type", sa.String(16), nullable=False),
    sa.Column("expires_at", IsoTime, nullable=False),  # the latest <expires> of its infos
    sa.Column("cap_xml", sa.LargeBinary, nullable=False),  # validated CAP 1.2 (UTF-8)
    sa.Column("source", sa.Text, nullable=False),  # what it was started from
    sa.Column("drafted_by", sa.Text, nullable=False),
    sa.Column("drafted_at", IsoTime, nullable=False),
    sa.Column("approved_by", sa.Text),
    sa.Column("approved_at", IsoTime),
    sa.Column("published_by", sa.Text),
    sa.Column("published_at", IsoTime),
    sa.Index("eoc_alerts_state", "state", "scope"),
)

key_messages = sa.Table(
    "eoc_key_messages",
    METADATA,
    sa.Column("hazard", sa.String(32), primary_key=True),
    sa.Column("phase", sa.String(16), primary_key=True),
    sa.Column("audience", sa.String(32), primary_key=True),
    sa.Column("lang", sa.String(8), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),  # a SOURCES.md id, or "illustrative"
    sa.Column("edited_by", sa.Text, nullable=False),
    sa.Column("edited_at", IsoTime, nullable=False),
)
