"""The messaging library: key messages per hazard × phase × audience × language.

Duty officers edit them; every edit is a new version (the old ones stay), moves the store
version and is audited. Each text shows its SMS length and parts (eoc/alerts/sms.py); a text
longer than the SMS channel allows (`SMS_MAX_PARTS` parts) is refused. The library exports to
CSV for an SMS gateway.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from eoc.alerts.model import ALERT_LANGUAGES, AlertError
from eoc.alerts.sms import SmsLength, sms_length
from eoc.alerts.workflow import as_time
from eoc.errors import ConflictError
from eoc.i18n import N_, _
from eoc.store.alert_tables import key_messages as table
from eoc.store.audit_log import write_audit
from eoc.store.sql_engine import SqlBackend

HAZARDS = ("earthquake", "mudflow", "flood", "avalanche", "landslide", "extreme_cold")
PHASES = ("warning", "during", "after")
AUDIENCES = ("public", "displacement_sites", "border_posts", "partners")
LABELS = {
    "earthquake": N_("earthquake"), "mudflow": N_("mudflow"), "flood": N_("flood"),
    "avalanche": N_("avalanche"), "landslide": N_("landslide"),
    "extreme_cold": N_("extreme cold"), "warning": N_("warning"), "during": N_("during"),
    "after": N_("after"), "public": N_("public"),
    "displacement_sites": N_("people in displacement sites"), "border_posts": N_("border posts"),
    "partners": N_("humanitarian partners"),
}  # fmt: skip
# The SMS channel: a key message may take at most this many concatenated parts
# (3 UCS-2 parts = 201 Cyrillic characters; TS 23.040 part sizes, see sms.py).
SMS_MAX_PARTS = 3
LAYER = "key_messages"
CSV_COLUMNS = (
    "hazard", "phase", "audience", "lang", "version", "encoding", "units", "parts", "text",
    "source",
)  # fmt: skip


@dataclass(frozen=True)
class KeyMessage:
    hazard: str
    phase: str
    audience: str
    lang: str
    text: str
    version: int
    source: str
    edited_by: str
    edited_at: datetime

    @property
    def key(self) -> str:
        return f"{self.hazard}/{self.phase}/{self.audience}/{self.lang}"

    @property
    def sms(self) -> SmsLength:
        return sms_length(self.text)


def check_message(hazard: str, phase: str, audience: str, lang: str, text: str) -> None:
    """Raise AlertError naming the field that is wrong."""
    for name, value, allowed in (
        ("hazard", hazard, HAZARDS),
        ("phase", phase, PHASES),
        ("audience", audience, AUDIENCES),
        ("lang", lang, ALERT_LANGUAGES),
    ):
        if value not in allowed:
            raise AlertError(
                name,
                _("'{value}' is not one of {allowed}").format(
                    value=value, allowed=", ".join(allowed)
                ),
            )
    if not text or not text.strip():
        raise AlertError("text", _("required"))
    length = sms_length(text)
    if length.parts > SMS_MAX_PARTS:
        raise AlertError(
            "text",
            _("{units} {encoding} characters make {parts} SMS parts; at most {limit}").format(
                units=length.units, encoding=length.encoding, parts=length.parts,
                limit=SMS_MAX_PARTS,
            ),
        )  # fmt: skip


def current_messages(backend: SqlBackend) -> list[KeyMessage]:
    """The newest version of every key message, in hazard, phase, audience, language order."""
    keys = (table.c.hazard, table.c.phase, table.c.audience, table.c.lang)
    newest = sa.select(*keys, sa.func.max(table.c.version).label("v")).group_by(*keys).subquery()
    query = sa.select(table).join(
        newest,
        sa.and_(*(k == newest.c[k.name] for k in keys), table.c.version == newest.c.v),
    )
    with backend.reading() as con:
        rows = con.execute(query).all()
    return sorted((_message(r) for r in rows), key=_order)


def message_history(
    backend: SqlBackend, hazard: str, phase: str, audience: str, lang: str
) -> list[KeyMessage]:
    """Every version of one key message, newest first."""
    query = (
        sa.select(table)
        .where(table.c.hazard == hazard, table.c.phase == phase)
        .where(table.c.audience == audience, table.c.lang == lang)
        .order_by(table.c.version.desc())
    )
    with backend.reading() as con:
        return [_message(r) for r in con.execute(query).all()]


def edit_message(
    backend: SqlBackend, hazard: str, phase: str, audience: str, lang: str, text: str, *,
    by: str, now: datetime, expected_version: int,
) -> KeyMessage:  # fmt: skip
    """Save `text` as the next version; refused if someone saved a version after the one seen."""
    text = text.strip()
    check_message(hazard, phase, audience, lang, text)
    key = (table.c.hazard == hazard, table.c.phase == phase,
           table.c.audience == audience, table.c.lang == lang)  # fmt: skip
    with backend.transaction() as con:
        latest = con.execute(
            sa.select(table.c.version, table.c.text, table.c.edited_by)
            .where(*key).order_by(table.c.version.desc()).limit(1)
        ).first()  # fmt: skip
        current = latest.version if latest else 0
        if current != expected_version:
            raise ConflictError(
                _("key message {key}").format(key=f"{hazard}/{phase}/{audience}/{lang}"),
                "text",
                yours=f"v{expected_version}",
                theirs=latest.text if latest else "",
                changed_by=latest.edited_by if latest else None,
            )
        store_version = backend.bump_version(con)
        con.execute(
            sa.insert(table).values(
                hazard=hazard, phase=phase, audience=audience, lang=lang, version=current + 1,
                text=text, source="edited", edited_by=by, edited_at=now,
            )
        )  # fmt: skip
        write_audit(
            con, action="update", by=by, now=now, version=store_version,
            reason="key message edited", layer=LAYER,
            feature_id=f"{hazard}/{phase}/{audience}/{lang}",
            old={"text": latest.text if latest else None, "version": current},
            new={"text": text, "version": current + 1},
        )  # fmt: skip
    return message_history(backend, hazard, phase, audience, lang)[0]


def find_message(
    messages: list[KeyMessage], hazard: str, phase: str, audience: str, lang: str
) -> KeyMessage | None:
    return next(
        (m for m in messages if (m.hazard, m.phase, m.audience, m.lang)
         == (hazard, phase, audience, lang)),
        None,
    )  # fmt: skip


def export_csv(messages: list[KeyMessage]) -> str:
    """The library as CSV for an SMS gateway: one row a text, with its encoding and parts."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180 line ends
    writer.writerow(CSV_COLUMNS)
    for m in messages:
        length = m.sms
        writer.writerow(
            (m.hazard, m.phase, m.audience, m.lang, m.version, length.encoding, length.units,
             length.parts, m.text, m.source)
        )  # fmt: skip
    return out.getvalue()


def read_seed_messages(path: Path) -> list[tuple[str, str, str, str, str, str]]:
    """Rows of the seed CSV (hazard, phase, audience, lang, text, source), each checked."""
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for n, row in enumerate(csv.DictReader(handle), start=2):
            values = tuple((row.get(c) or "").strip() for c in
                           ("hazard", "phase", "audience", "lang", "text", "source"))  # fmt: skip
            try:
                check_message(*values[:5])
            except AlertError as exc:
                raise AlertError(f"{path.name} line {n}: {exc.field}", str(exc)) from None
            rows.append(values)
    return rows


def load_seed_messages(backend: SqlBackend, path: Path, *, now: datetime) -> int:
    """Fill an empty library from the seed CSV (version 1 of each); returns rows added."""
    rows = read_seed_messages(path)
    with backend.transaction() as con:
        if con.execute(sa.select(sa.func.count()).select_from(table)).scalar_one():
            return 0
        if rows:
            con.execute(
                sa.insert(table),
                [
                    dict(hazard=h, phase=p, audience=a, lang=lang, version=1, text=text,
                         source=src, edited_by="seed", edited_at=now)
                    for h, p, a, lang, text, src in rows
                ],
            )  # fmt: skip
    return len(rows)


def _order(m: KeyMessage) -> tuple:
    return (HAZARDS.index(m.hazard), PHASES.index(m.phase), AUDIENCES.index(m.audience),
            ALERT_LANGUAGES.index(m.lang))  # fmt: skip


def _message(row: sa.Row) -> KeyMessage:
    m = row._mapping
    return KeyMessage(
        hazard=m["hazard"], phase=m["phase"], audience=m["audience"], lang=m["lang"],
        text=m["text"], version=m["version"], source=m["source"], edited_by=m["edited_by"],
        edited_at=as_time(m["edited_at"]),
    )  # fmt: skip
