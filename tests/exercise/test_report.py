"""The after-action report: its timeline is the audit log; measures and expected actions."""

from __future__ import annotations

import re
import subprocess

import pytest

from eoc.exercise.report import render_after_action, write_after_action
from eoc.exercise.timeline import PLAYER, read_after_action
from eoc.i18n import language


@pytest.fixture(scope="module")
def after_action(played):
    return read_after_action(played.archive, now=played.end)


def test_the_timeline_is_the_audit_log_since_the_start(played, after_action):
    start = after_action.exercise.start_version
    audit = [e for e in reversed(played.archive.audit_log(limit=10**6)) if e.version >= start]
    assert [s.entry for s in after_action.steps] == audit
    html = played.html.read_text(encoding="utf-8")
    assert re.findall(r'data-audit-id="(\d+)"', html) == [str(e.id) for e in audit]
    players = {(s.entry.user, s.entry.action) for s in after_action.steps if s.source == PLAYER}
    assert ("duty1", "insert") in players and ("cccm1", "update") in players
    assert ("admin1", "alert_publish") in players
    assert not any(s.entry.user.startswith(("exercise:", "feed:")) for s in after_action.players)


def test_players_actions_are_placed_on_the_exercise_clock(after_action):
    minutes = {
        a: after_action.first(a).exercise_s / 60
        for a in ("incident_logged", "sitrep_published", "relocation_applied", "alert_published")
    }
    assert minutes == pytest.approx(
        {
            "incident_logged": 6,
            "sitrep_published": 40,
            "relocation_applied": 50,
            "alert_published": 53,
        },
        abs=1.5,
    )
    [relocation] = after_action.relocations
    assert {s.entry.feature_id for s in relocation} == {"TJ-DS-0023", "TJ-DS-0024"}
    assert after_action.edits_by_role["duty_officer"] >= 2
    assert after_action.edits_by_role["cccm"] == 2


def test_expected_actions_are_met_late_or_not_taken(after_action):
    states = {o.expectation.expect_id: o.state for o in after_action.outcomes}
    assert states == {"E01": "met", "E02": "met", "E03": "late", "E04": "met", "E05": "not_taken"}


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("After-action report", "Expected actions", "not taken", "EXERCISE")),
        ("ru", ("Разбор учений", "Ожидаемые действия", "не выполнено", "УЧЕНИЯ")),
        ("tg", ("Гузориши баъд аз машқ", "Амалҳои интизоршуда", "иҷро нашуд", "МАШҚ")),
    ],
)
def test_the_report_is_in_three_languages(after_action, lang, words):
    with language(lang):
        html = render_after_action(after_action)
    assert f'lang="{lang}"' in html
    for word in words:
        assert word in html
    with language(lang):
        inject = after_action.exercise.scenario.inject("I02").text(lang)
    assert inject in html  # the scenario's own texts in that language


def test_the_pdf_comes_from_the_reports_pdf_engine(played, tmp_path):
    out = write_after_action(played.archive, tmp_path / "aar.pdf", now=played.end)
    assert out.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "EXERCISE" in text and "Expected actions" in text and "Page 1" in text


def test_the_report_refuses_another_suffix(played, tmp_path):
    from eoc.errors import ExerciseError

    with pytest.raises(ExerciseError, match=".html or .pdf"):
        write_after_action(played.archive, tmp_path / "aar.docx", now=played.end)
