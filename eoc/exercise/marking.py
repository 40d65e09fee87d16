"""The EXERCISE marking: what pages, reports and CAP alerts of an exercise store carry.

Pages show a banner (eoc/web/components/exercise_banner.py), situation reports a watermark
on every page (eoc/reports/templates), and every CAP alert drafted on an exercise store has
status Exercise (CAP 1.2 §3.2.1: "Exercise - Actual information for exercise participants
only"); alerts the sandbox copied from the live store are served as Exercise too, so nothing
a sandbox sends out can be taken for a real warning.
"""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from eoc.i18n import N_
from eoc.store import exercise_tables as t

EXERCISE_WORD = N_("EXERCISE")
BANNER_TEXT = N_("Exercise {title}: not real events. Nothing here reaches the live store.")
PUBLIC_BANNER_TEXT = N_("EXERCISE: this map shows a training exercise, not real events.")
WATERMARK_NOTE = N_("Exercise {title}: this report is part of a training exercise.")
CAP_STATUS = "Exercise"  # CAP 1.2 §3.2.1
CAP_NOTE = "EXERCISE - training only, not a real warning"


def exercise_alert(alert):
    """`alert` (eoc.alerts.model.Alert) as an exercise alert: status Exercise, with a note."""
    note = alert.note or ""
    if CAP_NOTE not in note:
        note = f"{CAP_NOTE}. {note}" if note else CAP_NOTE
    return replace(alert, status=CAP_STATUS, note=note)


def exercise_rows(rows):
    """Stored alerts (eoc.alerts.workflow.AlertRow) as an exercise store serves them."""
    from eoc.alerts.cap_xml import build_cap_xml  # late: lxml only when alerts are served

    return [replace(row, cap_xml=build_cap_xml(exercise_alert(row.alert))) for row in rows]


def exercise_titles(backend) -> dict[str, str] | None:
    """The exercise's title by language if the store (its SQL `backend`) is a sandbox; None
    for a live store. Cheap (one row of one small table)."""
    with backend.reading() as con:
        row = con.execute(sa.select(t.exercise.c.title, t.exercise.c.titles).limit(1)).first()
    return None if row is None else {"en": str(row[0]), **dict(row[1] or {})}


def exercise_identity(backend) -> str | None:
    """What tells this sandbox from any other ever made at its place (its exercise id and the
    moment it started); None for a live store."""
    c = t.exercise.c
    with backend.reading() as con:
        row = con.execute(sa.select(c.exercise_id, c.started_at).limit(1)).first()
    return None if row is None else f"{row[0]}@{row[1].isoformat()}"


def exercise_title(backend) -> str | None:
    """The exercise's title in the current language; None for a live store."""
    return title_in(exercise_titles(backend))


def title_in(titles: dict[str, str] | None) -> str | None:
    if titles is None:
        return None
    from eoc.i18n import current_language  # late: marking is imported by the store's users

    return titles.get(current_language()) or titles["en"]
