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


# A published alert is frozen in the database itself, not only by eoc/alerts/workflow.py:
# any UPDATE or DELETE of a published row, by any client, is refused by a trigger. (Trigger
# bodies are the one thing SQLAlchemy Core cannot say for both databases; each is here once.)
_SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS eoc_alerts_published_no_update BEFORE UPDATE ON eoc_alerts"
    " WHEN OLD.state = 'published'"
    " BEGIN SELECT RAISE(ABORT, 'published alerts cannot be changed'); END",
    "CREATE TRIGGER IF NOT EXISTS eoc_alerts_published_no_delete BEFORE DELETE ON eoc_alerts"
    " WHEN OLD.state = 'published'"
    " BEGIN SELECT RAISE(ABORT, 'published alerts cannot be deleted'); END",
)
_PG_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION {s}.eoc_alert_frozen() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN IF OLD.state = 'published' THEN"
    " RAISE EXCEPTION 'published alerts cannot be changed' USING ERRCODE = 'restrict_violation';"
    " END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
    "CREATE TRIGGER eoc_alerts_published_frozen BEFORE UPDATE OR DELETE ON {s}.eoc_alerts"
    " FOR EACH ROW EXECUTE FUNCTION {s}.eoc_alert_frozen()",
)


@sa.event.listens_for(alerts, "after_create")
def _freeze_published_alerts(_table: sa.Table, connection: sa.Connection, **_kw: object) -> None:
    if connection.dialect.name == "sqlite":
        for statement in _SQLITE_TRIGGERS:
            connection.exec_driver_sql(statement)
        return
    schema = (connection.get_execution_options().get("schema_translate_map") or {}).get(None)
    quoted = connection.dialect.identifier_preparer.quote(schema or "public")
    for statement in _PG_TRIGGERS:
        connection.exec_driver_sql(statement.format(s=quoted))
