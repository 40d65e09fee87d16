"""The after-action report: the injects beside the players' actions, from the audit log.

Built from the sandbox (eoc/exercise/timeline.py) and written with the reports' own
renderers: the template engine of eoc/reports/render_html.py and the one PDF engine,
eoc/reports/render_pdf.py (WeasyPrint, fonts embedded, nothing fetched). In the current
language (`eoc --lang`); HTML or PDF by the file's suffix.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import layers
from eoc.errors import ExerciseError
from eoc.exercise.clock import format_exercise_time
from eoc.exercise.live_injects import ADDED_LIVE
from eoc.exercise.marking import EXERCISE_WORD
from eoc.exercise.timeline import PLAYER, AfterAction, Step, read_after_action
from eoc.i18n import N_, _, current_language, format_number, format_time
from eoc.reports.render_html import render_template, report_css
from eoc.reports.render_pdf import font_css, html_to_pdf, page_css

TITLE = N_("After-action report")
ACTION_WORDS = {
    "insert": N_("added"),
    "update": N_("changed"),
    "delete": N_("deleted"),
    "import": N_("imported"),
    "report_publish": N_("published a situation report"),
    "alert_draft": N_("drafted a CAP alert"),
    "alert_approve": N_("approved a CAP alert"),
    "alert_publish": N_("published a CAP alert"),
    "exercise_start": N_("exercise started"),
    "exercise_stop": N_("exercise stopped"),
    "exercise_clock": N_("exercise clock set"),
    "exercise_inject": N_("inject applied"),
    "exercise_inject_added": N_("added an inject live"),
}
EXPECTED_WORDS = {
    "incident_logged": N_("first incident logged"),
    "incident_updated": N_("first incident updated"),
    "sitrep_published": N_("first situation report published"),
    "alert_drafted": N_("first CAP alert drafted"),
    "alert_published": N_("first CAP alert published"),
    "relocation_applied": N_("first relocation applied"),
    "site_updated": N_("first site updated"),
    "checkpoint_updated": N_("first checkpoint updated"),
}
# Words of the after-action template (eoc/reports/templates/after_action.html).
HEADINGS = {
    "illustrative": N_("illustrative scenario, not real events"),
    "time_to_the_first_actions": N_("Time to the first actions"),
    "expected_actions": N_("Expected actions"),
    "expected": N_("Expected"),
    "time_allowed": N_("Time allowed"),
    "result": N_("Result"),
    "done": N_("Done"),
    "no_expectations": N_("The scenario names no expected actions."),
    "relocation_decisions": N_("Relocation decisions"),
    "none": N_("None."),
    "edits_per_role": N_("Edits per role"),
    "role": N_("Role"),
    "edits": N_("Edits"),
    "no_edits": N_("The players changed nothing."),
    "timeline": N_("Timeline: injects and players' actions"),
    "timeline_note": N_("Every entry of the audit log since the exercise started, oldest first."),
    "exercise_time": N_("Exercise time"),
    "time": N_("Time"),
    "injects_and_control": N_("Injects and control"),
    "players_actions": N_("Players' actions"),
}
MEASURED = ("incident_logged", "sitrep_published", "alert_published", "relocation_applied")
STATES = {
    "met": N_("met"),
    "late": N_("late"),
    "not_taken": N_("not taken"),
    "inject_not_applied": N_("its inject was never applied"),
}


def write_after_action(store, out: Path, *, now: datetime | None = None) -> Path:
    """Write the after-action report of the sandbox `store` to `out` (.html or .pdf)."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".html", ".pdf"):
        raise ExerciseError(
            _("the report is written as .html or .pdf, not {suffix}").format(suffix=suffix or "?")
        )
    report = read_after_action(store, now=now or datetime.now(UTC))
    if suffix == ".pdf":
        running = f"{_(EXERCISE_WORD)} · {_(TITLE)} · {report.exercise.exercise_id}"
        data: bytes = html_to_pdf(
            render_after_action(report, extra_css=font_css() + page_css(running))
        )
    else:
        data = render_after_action(report).encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, out)  # a reader never sees half a file
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def render_after_action(report: AfterAction, *, extra_css: str = "") -> str:
    """The report as one self-contained HTML document in the current language."""
    lang = current_language()
    record = report.exercise
    return render_template(
        "after_action.html",
        lang=lang,
        title=_(TITLE),
        exercise_word=_(EXERCISE_WORD),
        h={key: _(text) for key, text in HEADINGS.items()},
        css=report_css() + extra_css,
        scenario=record.scenario.title(lang),
        illustrative=record.scenario.illustrative,
        meta=_meta(report),
        measures=_measures(report),
        edits=sorted(report.edits_by_role.items(), key=lambda item: (-item[1], item[0])),
        relocations=[_relocation(group) for group in report.relocations],
        outcomes=[_outcome(o) for o in report.outcomes],
        rows=[_row(step, report) for step in report.steps],
    )


def _meta(report: AfterAction) -> list[tuple[str, str]]:
    record = report.exercise
    applied = sum(1 for _i, state in report.injects if state is not None and state.applied)
    return [
        (_("Exercise"), record.exercise_id),
        (_("Started"), f"{format_time(record.started_at)} · {record.started_by}"),
        (_("Ended"), format_time(record.ended_at) if record.ended_at else _("still running")),
        (_("Exercise time"), format_exercise_time(report.end_s)),
        (_("Injects applied"), f"{applied} / {len(report.injects)}"),
        (_("Copied from"), f"{record.source_store} (v{record.source_version})"),
    ]


def _measures(report: AfterAction) -> list[tuple[str, str]]:
    rows = []
    for action in MEASURED:
        step = report.first(action)
        value = _("not taken") if step is None else _when(step)
        rows.append((_(EXPECTED_WORDS[action]), value))
    return rows


def _when(step: Step) -> str:
    who = step.entry.user + (f" ({step.role})" if step.role else "")
    return f"{format_exercise_time(step.exercise_s)} · {format_time(step.entry.at)} · {who}"


def _relocation(group: tuple[Step, ...]) -> str:
    people = 0
    for step in group:
        old = (step.entry.old or {}).get("individuals") or 0
        new = (step.entry.new or {}).get("individuals") or 0
        people += int(new) - int(old)
    return _("{when}: {people} people to {sites} sites ({reason})").format(
        when=_when(group[0]),
        people=format_number(people),
        sites=len(group),
        reason=group[0].entry.reason,
    )


def _outcome(outcome) -> dict[str, str]:
    lang = current_language()
    e = outcome.expectation
    return {
        "what": e.text(lang) or _(EXPECTED_WORDS[e.action]),
        "within": _("within {minutes} min of {after}").format(
            minutes=format_number(e.within_min), after=e.after or _("the start")
        ),
        "state": outcome.state,
        "state_text": _(STATES[outcome.state]),
        "done": "" if outcome.done is None else _when(outcome.done),
    }


def _row(step: Step, report: AfterAction) -> dict[str, str]:
    """One line of the timeline: the inject (or control) column, or the players' column."""
    entry = step.entry
    text = _describe(step, report)
    return {
        "time": format_exercise_time(step.exercise_s),
        "clock": format_time(entry.at),
        "inject": text if step.source != PLAYER else "",
        "player": text if step.source == PLAYER else "",
        "kind": step.source,
        "audit_id": str(entry.id),
    }


def _describe(step: Step, report: AfterAction) -> str:
    entry = step.entry
    lang = current_language()
    if entry.action == "exercise_inject" and step.inject_id:
        try:
            inject = report.exercise.scenario.inject(step.inject_id)
        except ExerciseError:
            return f"{step.inject_id}: {entry.reason}"
        text = f"{step.inject_id} · {inject.kind}: {inject.text(lang) or inject.target}"
        return f"{text} ({_(ADDED_LIVE).format(user=inject.added_by)})" if inject.added_by else text
    action = _(ACTION_WORDS[entry.action]) if entry.action in ACTION_WORDS else entry.action
    target = ""
    if entry.layer in layers.REGISTRY:
        target = f"{_(layers.get(entry.layer).item_label)} {entry.feature_id or ''}".strip()
    elif entry.feature_id:
        target = entry.feature_id
    who = entry.user + (f" ({step.role})" if step.role else "")
    changes = ""
    if entry.action == "update" and entry.layer:
        changes = entry.changes()
    elif entry.action == "insert" and entry.layer:
        changes = str((entry.new or {}).get("description") or (entry.new or {}).get("name") or "")
    return " ".join(part for part in (who, action, target) if part) + (
        f" — {changes[:160]}" if changes else ""
    )
