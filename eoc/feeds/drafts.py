"""From a significant feed event to drafts waiting for a duty officer, with nobody typing a number.

Significant (issue 16, settings `feed_draft_*`): an earthquake from USGS or GDACS of magnitude
≥ 5.5 in the feeds' area (USGS: the epicentre box of eoc/feeds/usgs.py; GDACS: Tajikistan and
100 km around it), or a GDACS alert of level Orange or Red. For each such event, once:

- a draft situation report in Tajik, Russian and English, built by the sitrep builder
  (eoc/reports/build.py) for that event at the time of the poll, kept as Markdown in
  `eoc_feed_drafts` (one row a language) with the store version its figures come from;
- a draft CAP alert from the event's zones (eoc/alerts/event_alert.py), saved through the
  two-person workflow (eoc/alerts/workflow.py) as drafted by the feed's user: a duty officer
  approves it and publishes it on /alerts. Events the messaging library has no hazard for
  (GDACS cyclones, droughts, …) get none; the reason is kept with the drafts.

Nothing is published here. The sitrep draft waits on /reports (and a line on / and /wall)
until a duty officer publishes a report for that event, the event is closed, or NEXT_ISSUE_H
passes (a new report is due by then anyway).

Once per event, across re-polls and restarts: an event with rows in `eoc_feed_drafts` is never
drafted again, and an alert the feed drafted for it (same source, same drafter) is found
rather than drafted twice when a first attempt stopped half-way. Every write is one audited
transaction as the feed's user (`feed:usgs`, `feed:gdacs`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from eoc.alerts import workflow
from eoc.alerts.event_alert import event_alert, event_start
from eoc.alerts.library import current_messages
from eoc.alerts.model import ALERT_LANGUAGES, AlertError
from eoc.analysis.active import CLOSED, as_utc
from eoc.config import DEFAULT_CAP_SENDER, gdacs_levels
from eoc.errors import EocError
from eoc.feeds import gdacs, usgs
from eoc.i18n import N_, _, language
from eoc.reports import tables, wording
from eoc.reports.build import NEXT_ISSUE_H, compose_sitrep
from eoc.reports.model import Sentence, Sitrep
from eoc.reports.render_markdown import render_markdown
from eoc.reports.snapshot import Snapshot, read_snapshot
from eoc.store.alert_tables import alerts as alert_table
from eoc.store.audit_log import write_audit
from eoc.store.feed_tables import feed_drafts as table

log = logging.getLogger("eoc.feeds")

LANGUAGES = ALERT_LANGUAGES  # tg, ru, en: the EOC's working languages
MIN_MAGNITUDE = 5.5
LEVELS = frozenset({"orange", "red"})
# An event first seen longer than this after it happened (a runner started on an old store)
# gets no drafts: the longest USGS summary feed carries the past week.
MAX_AGE_H = 7 * 24.0
SLOW_ONSET = frozenset({"drought"})  # its age counts from its latest episode, not its start
WAITING, PUBLISHED = "waiting", "published"
FEED_SOURCES = frozenset({usgs.SOURCE, gdacs.SOURCE})
FEED_USERS = {gdacs.PREFIX: "feed:gdacs", usgs.ZONE_PREFIX: "feed:usgs"}
# GDACS incidents carry their alert level as severity (eoc/feeds/gdacs.py ALERT_SEVERITY).
LEVEL_OF_SEVERITY = {severity: level for level, severity in gdacs.ALERT_SEVERITY.items()}
LEVEL_LABELS = (N_("Green"), N_("Orange"), N_("Red"))  # shown with _(level.title())
HEADLINE = N_("M{magnitude} earthquake, {distance} km {direction} of {place}")
HEADLINE_AT = N_("M{magnitude} earthquake near {place}")
HAZARD_HEADLINE = N_("{hazard}, {distance} km {direction} of {place}")
HAZARD_HEADLINE_AT = N_("{hazard} near {place}")


class DraftError(EocError):
    """Some events' drafts could not be prepared (nothing of theirs was written); `made` holds
    the drafts of the others. Tried again later."""

    def __init__(self, made: list[EventDrafts], failed: list[tuple[str, str]]) -> None:
        self.made, self.failed = made, failed
        super().__init__(
            _("the drafts of {events} could not be prepared: {why}").format(
                events=", ".join(i for i, _why in failed), why="; ".join(w for _i, w in failed)
            )
        )


@dataclass(frozen=True)
class DraftRules:
    """When an event is significant enough for drafts, and who sends the alert drafted."""

    min_magnitude: float = MIN_MAGNITUDE
    levels: frozenset[str] = LEVELS  # GDACS alert levels, lower case
    max_age_h: float = MAX_AGE_H
    cap_sender: str = DEFAULT_CAP_SENDER

    @classmethod
    def from_settings(cls, settings) -> DraftRules:
        return cls(
            settings.feed_draft_min_magnitude,
            gdacs_levels(settings),
            cap_sender=settings.cap_sender,
        )


@dataclass(frozen=True)
class EventDrafts:
    """The drafts prepared for one event (without their Markdown)."""

    incident_id: str
    titles: dict[str, str]  # by language
    events: dict[str, str]  # the event in words, by language
    prepared_at: datetime
    store_version: int  # the store version the figures come from
    as_of: datetime
    reason: dict
    user: str
    alert_id: str | None = None
    alert_note: str | None = None  # why no alert was drafted
    status: str = WAITING
    report_number: int | None = None  # the report a duty officer published for the event

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or next(iter(self.titles.values()), self.incident_id)

    def event(self, lang: str) -> str:
        return self.events.get(lang) or next(iter(self.events.values()), self.incident_id)


# -- which events --------------------------------------------------------------------------


def feed_user(incident_id: str) -> str:
    """The feed user an event's drafts are written as."""
    return next((u for p, u in FEED_USERS.items() if incident_id.startswith(p)), "feed:usgs")


def significance(
    incident: pd.Series, rules: DraftRules, *, alert_level: str | None = None
) -> dict | None:
    """Why a feed incident is significant ({"magnitude": …} or {"gdacs": level}), or None.

    `alert_level` is the GDACS level of the poll that brought it (also for a USGS incident
    GDACS reported too); without it a GDACS incident's level is read back from its severity.
    """
    sources = {s.strip() for s in str(incident.get("source") or "").split(",")}
    if not sources & FEED_SOURCES:
        return None
    magnitude = incident.get("magnitude")
    if (
        incident.get("incident_type") == "earthquake"
        and magnitude is not None
        and not pd.isna(magnitude)
        and float(magnitude) >= rules.min_magnitude
    ):
        return {"magnitude": float(magnitude), "threshold": rules.min_magnitude}
    level = alert_level
    if level is None and str(incident["incident_id"]).startswith(gdacs.PREFIX):
        level = LEVEL_OF_SEVERITY.get(str(incident.get("severity")))
    if level and level.lower() in rules.levels:
        return {"gdacs": level.lower()}
    return None


def reason_text(reason: dict) -> str:
    """The reason in words, in the current language."""
    if "magnitude" in reason:
        return _("magnitude {magnitude} at or above {threshold}").format(
            magnitude=wording.value_text(float(reason["magnitude"])),
            threshold=wording.value_text(float(reason["threshold"])),
        )
    return _("GDACS {level} alert").format(level=_(str(reason.get("gdacs", "")).title()))


def events_due(
    incidents: pd.DataFrame,
    drafted: set[str],
    rules: DraftRules,
    *,
    now: datetime,
    alert_levels: dict[str, str] | None = None,
) -> list[tuple[str, dict]]:
    """(incident id, reason) of each open, recent, significant feed event without drafts."""
    alert_levels = alert_levels or {}
    oldest = as_utc(now) - pd.Timedelta(hours=rules.max_age_h)
    due = []
    for _i, row in incidents.iterrows():
        incident_id = str(row["incident_id"])
        if incident_id in drafted or str(row.get("status")).lower() == CLOSED:
            continue
        if pd.isna(row["time_utc"]) or _event_time(row) < oldest:
            continue
        reason = significance(row, rules, alert_level=alert_levels.get(incident_id))
        if reason is not None:
            due.append((incident_id, reason))
    return due


def _event_time(incident: pd.Series) -> pd.Timestamp:
    """When the event happened; for a drought, which lasts months, its latest episode."""
    moment = as_utc(incident["time_utc"])
    if incident.get("incident_type") in SLOW_ONSET and not pd.isna(incident["source_updated"]):
        return max(moment, as_utc(incident["source_updated"]))
    return moment


# -- preparing them ------------------------------------------------------------------------


def prepare_drafts(
    store,
    rules: DraftRules,
    *,
    now: datetime,
    alert_levels: dict[str, str] | None = None,
) -> list[EventDrafts]:
    """Prepare the drafts of every significant event that has none yet; the drafts made."""
    due = events_due(
        store.read_layer("incidents"),
        drafted_ids(store),
        rules,
        now=now,
        alert_levels=alert_levels,
    )
    if not due:
        return []
    snapshot = read_snapshot(store)
    made, failed = [], []
    for incident_id, reason in due:
        try:
            drafts = prepare_event(
                store, snapshot, incident_id, reason=reason, now=now, sender=rules.cap_sender
            )
        except Exception as exc:  # noqa: BLE001 - one event's failure must not stop the others
            log.exception("the drafts of %s could not be prepared", incident_id)
            failed.append((incident_id, str(exc) or type(exc).__name__))
            continue
        if drafts is not None:
            made.append(drafts)
            log.info("drafts ready for %s (%s)", incident_id, ", ".join(drafts.titles))
    if failed:
        raise DraftError(made, failed)
    return made


def prepare_event(
    store,
    snapshot: Snapshot,
    incident_id: str,
    *,
    reason: dict,
    now: datetime,
    sender: str,
) -> EventDrafts | None:
    """The sitrep drafts (three languages) and the alert draft of one event, from CAP sender
    `sender`; None if another process wrote them first."""
    user = feed_user(incident_id)
    moment = as_utc(now).floor("min").to_pydatetime()
    reports: dict[str, tuple[Sitrep, str, str]] = {}  # by language: model, event, Markdown
    for lang in LANGUAGES:
        with language(lang):
            report = compose_sitrep(
                snapshot,
                as_of=moment,
                produced_by=_("EOC Dushanbe ({user})").format(user=user),
                event_id=incident_id,
                draw_map=False,
            )
            reports[lang] = (report, wording.scope(report), render_markdown(report))
    alert_id, note = _alert(
        store, snapshot, incident_id, reports, user=user, now=now, sender=sender
    )
    meta = {"reason": reason, "as_of": moment.isoformat(), "user": user, "status": WAITING}
    meta |= {"alert_id": alert_id, "alert_note": note}
    rows = []
    for lang, (report, event, markdown) in reports.items():
        with language(lang):
            title = f"{wording.title(report)} — {event}"
        rows.append(
            {
                "incident_id": incident_id,
                "lang": lang,
                "prepared_at": now.timestamp(),
                "store_version": snapshot.version,
                "title": title,
                "markdown": markdown,
                "meta": meta | {"event": event},
            }
        )
    if not _write_rows(store, rows, user=user, now=now):
        return None
    return _drafts(rows)


def _alert(
    store,
    snapshot: Snapshot,
    incident_id: str,
    reports: dict,
    *,
    user: str,
    now: datetime,
    sender: str,
) -> tuple[str | None, str | None]:
    """(alert id, None) of the event's draft alert, or (None, why there is none)."""
    source = f"incidents/{incident_id}"
    with store.sql.reading() as con:
        held = con.execute(
            sa.select(alert_table.c.alert_id)
            .where(alert_table.c.source == source)
            .where(alert_table.c.drafted_by == user)
        ).first()
    if held is not None:
        return held[0], None
    frames = snapshot.frames
    event = reports["en"][0].event
    zones = frames["hazard_zones"]
    zones = zones[zones["zone_id"].astype(str).isin(event.zone_ids).to_numpy(dtype=bool)]
    headlines, descriptions = {}, {}
    for lang, (report, _title, _markdown) in reports.items():
        with language(lang):
            headlines[lang] = event_headline(report)
            descriptions[lang] = " ".join(wording.sentence(s) for s in report.highlights[:2])
    try:
        start = event_start(
            incident_id,
            zones,
            incidents=frames["incidents"],
            districts=frames["districts"],
            country=frames["country"],
            label=event.description or headlines["en"],
        )
        alert = event_alert(
            start,
            current_messages(store.sql),
            headlines=headlines,
            descriptions=descriptions,
            now=now,
            sender=sender,
        )
        row = workflow.save_draft(store.sql, alert, by=user, now=now, source=source)
    except AlertError as exc:
        log.info("no alert draft for %s: %s", incident_id, exc)
        return None, str(exc)
    return row.alert_id, None


def event_headline(report: Sitrep) -> str:
    """ "M6.8 earthquake, 41 km W of Murghob" in the current language (≤ 160 characters)."""
    event = report.event
    where = {
        "distance": round(event.distance_km or 0),
        "direction": event.direction or "",
        "place": event.near_place or "",
    }
    if event.incident_type == "earthquake" and event.magnitude is not None:
        msgid = HEADLINE if event.direction else HEADLINE_AT
        values = where | {"magnitude": float(event.magnitude)}
        return wording.sentence(Sentence(msgid, values, translate=("direction",)))[:160]
    hazard = tables.value_label("incidents", "incident_type", event.incident_type)
    msgid = HAZARD_HEADLINE if event.direction else HAZARD_HEADLINE_AT
    sentence = Sentence(msgid, where | {"hazard": hazard}, translate=("direction", "hazard"))
    return wording.sentence(sentence)[:160]


# -- the table -----------------------------------------------------------------------------


def _write_rows(store, rows: list[dict], *, user: str, now: datetime) -> bool:
    """Insert one event's rows in one audited transaction; False if it has rows already."""
    incident_id = rows[0]["incident_id"]
    meta = rows[0]["meta"]
    try:
        with store.sql.transaction() as con:
            held = con.execute(
                sa.select(sa.func.count()).where(table.c.incident_id == incident_id)
            ).scalar_one()
            if held:
                return False
            version = store.sql.bump_version(con)
            con.execute(sa.insert(table), rows)
            new = {
                "languages": [r["lang"] for r in rows],
                "data_version": rows[0]["store_version"],
                "alert_id": meta["alert_id"],
                "reason": meta["reason"],
            }
            _audit(con, "feed_drafts", incident_id, user=user, now=now, version=version,
                   old=None, new=new,
                   reason="draft situation reports prepared for a significant event")  # fmt: skip
    except sa.exc.IntegrityError:  # another process wrote them between our check and insert
        return False
    return True


def drafted_ids(store) -> set[str]:
    """Incidents that have drafts (waiting or done)."""
    with store.sql.reading() as con:
        return {r[0] for r in con.execute(sa.select(table.c.incident_id).distinct())}


def read_drafts(store) -> list[EventDrafts]:
    """Every event's drafts, newest first (titles and state, not the Markdown)."""
    columns = [c for c in table.c if c.name != "markdown"]
    with store.sql.reading() as con:
        rows = [dict(r._mapping) for r in con.execute(sa.select(*columns))]
    by_event: dict[str, list[dict]] = {}
    for row in rows:
        by_event.setdefault(row["incident_id"], []).append(row)
    drafts = [_drafts(group) for group in by_event.values()]
    return sorted(drafts, key=lambda d: d.prepared_at, reverse=True)


def waiting_drafts(
    drafts: list[EventDrafts], incidents: pd.DataFrame, *, now: datetime
) -> list[EventDrafts]:
    """Drafts still waiting for a person: not published from, the event open, recent."""
    status = incidents["status"].astype("string").str.lower().fillna("")
    open_ids = set(incidents["incident_id"].astype(str)[(status != CLOSED).to_numpy(bool)])
    oldest = now - timedelta(hours=NEXT_ISSUE_H)
    return [
        d
        for d in drafts
        if d.status == WAITING and d.incident_id in open_ids and d.prepared_at >= oldest
    ]


def draft_markdown(store, incident_id: str, lang: str) -> str | None:
    """The Markdown of one event's draft in `lang`, or None."""
    with store.sql.reading() as con:
        row = con.execute(
            sa.select(table.c.markdown)
            .where(table.c.incident_id == incident_id)
            .where(table.c.lang == lang)
        ).first()
    return None if row is None else row[0]


def mark_published(store, incident_id: str, *, number: int, user: str, now: datetime) -> bool:
    """Record that `user` published report `number` for the event: its drafts stop waiting.

    One audited transaction; False (nothing written) when the event has no waiting drafts.
    """
    with store.sql.transaction() as con:
        rows = con.execute(
            sa.select(table.c.lang, table.c.meta).where(table.c.incident_id == incident_id)
        ).all()
        waiting = [(lang, meta) for lang, meta in rows if (meta or {}).get("status") == WAITING]
        if not waiting:
            return False
        version = store.sql.bump_version(con)
        for lang, meta in waiting:
            done = meta | {"status": PUBLISHED, "report_number": number, "published_by": user}
            con.execute(
                sa.update(table)
                .where(table.c.incident_id == incident_id)
                .where(table.c.lang == lang)
                .values(meta=done)
            )
        _audit(con, "feed_drafts_done", incident_id, user=user, now=now, version=version,
               old={"status": WAITING}, new={"status": PUBLISHED, "report_number": number},
               reason=f"situation report {number} published for the event")  # fmt: skip
    return True


def _audit(con, action, incident_id, *, user, now, version, old, new, reason) -> None:
    """One audit entry of the event's drafts (the incident is the feature)."""
    write_audit(
        con, action=action, by=user, now=now, version=version, reason=reason,
        layer="incidents", feature_id=incident_id, old=old, new=new,
    )  # fmt: skip


def _drafts(rows: list[dict]) -> EventDrafts:
    meta = rows[0]["meta"] or {}
    return EventDrafts(
        incident_id=rows[0]["incident_id"],
        titles={r["lang"]: r["title"] for r in sorted(rows, key=_lang_order)},
        events={r["lang"]: (r["meta"] or {}).get("event") or r["title"] for r in rows},
        prepared_at=datetime.fromtimestamp(rows[0]["prepared_at"], UTC),
        store_version=int(rows[0]["store_version"]),
        as_of=datetime.fromisoformat(meta.get("as_of")) if meta.get("as_of") else None,
        reason=meta.get("reason") or {},
        user=meta.get("user") or "",
        alert_id=meta.get("alert_id"),
        alert_note=meta.get("alert_note"),
        status=meta.get("status") or WAITING,
        report_number=meta.get("report_number"),
    )


def _lang_order(row: dict) -> int:
    return LANGUAGES.index(row["lang"]) if row["lang"] in LANGUAGES else len(LANGUAGES)


def draft_lines(made: list[EventDrafts]) -> list[str]:
    """What was prepared, in words (for `eoc feed usgs|gdacs`), in the current language."""
    lines = []
    for drafts in made:
        lines.append(
            _("draft situation reports ({languages}) ready for {event}: {reason}").format(
                languages=", ".join(drafts.titles),
                event=drafts.incident_id,
                reason=reason_text(drafts.reason),
            )
        )
        if drafts.alert_id:
            lines.append(
                "  "
                + _("draft CAP alert {id}: a duty officer approves it on /alerts").format(
                    id=drafts.alert_id
                )
            )
        else:
            lines.append("  " + _("no CAP alert drafted: {why}").format(why=drafts.alert_note))
    return lines


def prepare_after_feed(
    store, settings, *, now: datetime, alert_levels: dict[str, str] | None = None
) -> list[str]:
    """`eoc feed usgs|gdacs`: prepare the drafts the settings call for; lines to print."""
    rules = DraftRules.from_settings(settings)
    try:
        return draft_lines(prepare_drafts(store, rules, now=now, alert_levels=alert_levels))
    except DraftError as exc:
        return [*draft_lines(exc.made), str(exc)]


def waiting_lines(store, *, now: datetime) -> list[str]:
    """`eoc feeds status`: the drafts waiting for a duty officer, in words."""
    drafts = [d for d in read_drafts(store) if d.status == WAITING]
    if drafts:
        drafts = waiting_drafts(drafts, store.read_layer("incidents"), now=now)
    if not drafts:
        return [_("no draft is waiting for a duty officer")]
    return [
        _("draft waiting for a duty officer: {event}; prepared {time}; alert {alert}").format(
            event=d.incident_id,
            time=d.prepared_at.strftime("%Y-%m-%d %H:%M:%SZ"),
            alert=d.alert_id or "—",
        )
        for d in drafts
    ]
