"""Injects added live on the controller page: checked, kept, applied once, reported."""

from __future__ import annotations

import pytest

from eoc.errors import ScenarioError
from eoc.exercise import player
from eoc.exercise.injects import inject_states
from eoc.exercise.live_injects import LiveInjectForm, add_inject
from eoc.exercise.report import render_after_action
from eoc.exercise.sandbox import read_exercise
from eoc.exercise.timeline import CONTROL, read_after_action
from eoc.i18n import language
from eoc.store import GeoPackageStore
from eoc.web import create_app, ids
from eoc.web.components.inject_form import FORM_FIELDS
from eoc.web.pages import exercise as exercise_page
from eoc.web.security import PermissionDeniedError
from tests.conftest import find_component, settings_for, signed_in
from tests.exercise.test_injects import people_at, tag_counts

PANJI_POYON = "TJ-DS-0025"


@pytest.fixture
def app(sandbox):
    return create_app(sandbox, settings_for(sandbox))


def form_values(**fields) -> list:
    """The form's States in the order the callback takes them; the rest empty."""
    return [fields.get(name) for name, _component in FORM_FIELDS]


def page_token() -> str:
    return find_component(exercise_page.layout(), ids.EXERCISE_TOKEN).data


def text_of(component) -> str:
    return str(component.to_plotly_json())


def test_an_admin_adds_injects_applied_once_on_the_timeline_and_in_the_report(app, sandbox, clock):
    before = people_at(sandbox, PANJI_POYON)
    with signed_in(app, "admin"):
        form = exercise_page.layout()
        assert find_component(form, ids.EXERCISE_ADD_SITE) is not None
        # At T+40, before the clock has started: kept, not applied yet.
        message, timeline, _clock, token = exercise_page.add_live(
            1,
            page_token(),
            *form_values(
                kind="site_population",
                at_min="40",
                site=PANJI_POYON,
                people_change="+120",
                text="120 more people reach Panji Poyon",
            ),
            now=clock.now(),
        )
        assert "message-ok" in message.className and "L1" in str(message.children)
        assert "added live by admin1" in text_of(timeline)
        assert "T+0:40" in text_of(timeline)
        # The same token again is refused (a form sent twice adds once).
        again = exercise_page.add_live(
            2, page_token(), *form_values(kind="message", text="x"), now=clock.now()
        )
        assert "message-ok" in again[0].className  # a fresh token from the page is fine
        sent = exercise_page.add_live(
            3, token, *form_values(kind="message", text="y"), now=clock.now()
        )
        replayed = exercise_page.add_live(
            4, token, *form_values(kind="message", text="z"), now=clock.now()
        )
    assert "message-ok" in sent[0].className
    assert "message-error" in replayed[0].className
    assert [i.inject_id for i in read_exercise(sandbox).added_injects] == ["L1", "L2", "L3"]

    # Played like the scenario's own, stopped and restarted: applied once.
    player.play(sandbox, speed=60, now=clock.now, sleep=clock.sleep, until_s=45 * 60)
    assert inject_states(sandbox)["L1"].applied
    assert people_at(sandbox, PANJI_POYON) == before + 450 + 120
    restarted = GeoPackageStore(sandbox.path)  # a new process reads it back from the file
    assert "L1" in {i.inject_id for i in read_exercise(restarted).scenario.injects}
    player.play(restarted, speed=60, now=clock.now, sleep=clock.sleep)
    player.play(restarted, speed=60, now=clock.now, sleep=clock.sleep)
    assert people_at(restarted, PANJI_POYON) == before + 450 + 120
    assert tag_counts(restarted)["L1"] == 1

    report = read_after_action(restarted, now=clock.now())
    added = [s for s in report.steps if s.entry.action == "exercise_inject_added"]
    assert [s.source for s in added] == [CONTROL] * 3  # the controller's, not a player's edits
    assert "admin" not in report.edits_by_role
    html = render_after_action(report)
    assert "L1 · site_population: 120 more people reach Panji Poyon (added live by admin1)" in html


def test_the_form_names_the_checkpoints_in_the_page_language(app):
    with signed_in(app, "admin"), language("tg"):
        options = find_component(exercise_page.layout(), ids.EXERCISE_ADD_CHECKPOINT).options
    assert {"label": "Панҷи Поён (TJ-BCP-01)", "value": "TJ-BCP-01"} in options
    assert len(options) == 12 and not any("Panji Poyon" in o["label"] for o in options)
    assert [o["label"] for o in options] == sorted(o["label"] for o in options)


def test_an_inject_added_for_now_on_a_running_clock_is_applied_at_once(app, sandbox, clock):
    player.play(sandbox, speed=60, now=clock.now, sleep=clock.sleep, until_s=10 * 60)
    with signed_in(app, "admin"):
        message, timeline, _clock, _token = exercise_page.add_live(
            1,
            page_token(),
            *form_values(
                kind="road_blocked",
                severity="high",
                lat="38.10",
                lon=71.90,  # a number, as a number input would send it
                text="Rockfall closes the Bartang road",
            ),
            now=clock.now(),
        )
    assert "applied at once" in str(message.children)
    state = inject_states(sandbox)["L1"]
    assert state.applied and state.exercise_s == pytest.approx(10 * 60, abs=5)
    incidents = sandbox.read_layer("incidents").set_index("incident_id")
    assert incidents.loc["EX-L1", "incident_type"] == "road_blocked"
    assert incidents.loc["EX-L1", "adm1_iso"] == "TJ-GB"
    row = next(r for r in timeline.children[0].children[1].children if "L1" in text_of(r))
    assert row.className == "applied"
    player.play(sandbox, speed=60, now=clock.now, sleep=clock.sleep)
    assert tag_counts(sandbox)["L1"] == 1


def test_a_non_admin_is_refused(app, sandbox, clock):
    for role in ("duty_officer", "cccm", "viewer", None):
        with signed_in(app, role), pytest.raises(PermissionDeniedError):
            exercise_page.add_live(
                1, "any", *form_values(kind="message", text="a fake inject"), now=clock.now()
            )
    assert read_exercise(sandbox).added_injects == ()


BAD_VALUES = [
    (dict(kind="feed_usgs"), "Kind must be one of"),
    (dict(kind="message", at_min="soon", text="x"), "At T+ minutes 'soon' is not a number"),
    (dict(kind="message", at_min="-5", text="x"), "At T+ minutes must be from 0 to 10080"),
    (dict(kind="message"), "a message needs its Text (English)"),
    (
        dict(kind="incident", incident_type="volcano", severity="high", lat="38", lon="71"),
        "Incident type must be an incident type",
    ),
    (
        dict(kind="incident", incident_type="flood", severity="huge", lat="38", lon="71"),
        "Severity must be one of",
    ),
    (dict(kind="road_blocked", severity="low", lat="95", lon="71"), "Latitude must be from -90"),
    (dict(kind="road_blocked", severity="low", lat="38"), "give Latitude and Longitude"),
    (
        dict(kind="road_blocked", severity="low", lat="38", lon="71", people="many"),
        "People affected 'many' is not a number",
    ),
    (dict(kind="site_population", people_change="+5"), "Site must be a site id"),
    (
        dict(kind="site_population", site="TJ-DS-9999", people_change="+5"),
        "Site: there is no TJ-DS-9999 in the sandbox",
    ),
    (
        dict(kind="site_population", site=PANJI_POYON, people_change="lots"),
        "People: +N arrive, -N leave, or N must be +N",
    ),
    (dict(kind="checkpoint_status", checkpoint="TJ-BCP-09"), "Checkpoint status must be one of"),
]


@pytest.mark.parametrize(("fields", "named"), BAD_VALUES)
def test_a_bad_value_is_refused_naming_its_field(app, sandbox, clock, fields, named):
    with signed_in(app, "admin"):
        token = page_token()
        message, *rest = exercise_page.add_live(1, token, *form_values(**fields), now=clock.now())
        assert "message-error" in message.className
        assert named in str(message.children)
        assert str(message.children).startswith("the new inject: ")
        assert all(part is exercise_page.dash.no_update for part in rest)
        # Nothing was kept, and the same token sends the corrected form.
        assert read_exercise(sandbox).added_injects == ()
        fixed, *_rest = exercise_page.add_live(
            2, token, *form_values(kind="message", text="corrected"), now=clock.now()
        )
    assert "message-ok" in fixed.className


def test_a_bad_value_is_named_in_the_page_language(sandbox, clock):
    form = LiveInjectForm(kind="road_blocked", severity="low", lat="north", lon="71")
    with language("ru"), pytest.raises(ScenarioError, match="новая вводная: Широта 'north'"):
        add_inject(sandbox, form, by="admin1", now=clock.now())


def test_now_past_the_last_minute_of_an_inject_says_so(sandbox, clock):
    player.start_clock(sandbox, speed=3600, now=clock.now(), by="admin1")
    later = clock.advance(hours=1)  # T+3600 hours at ×3600: past the week an inject may have
    with pytest.raises(ScenarioError, match="At T[+] minutes: the exercise clock .* is past"):
        add_inject(sandbox, LiveInjectForm(kind="message", text="late"), by="admin1", now=later)
    chosen = add_inject(
        sandbox, LiveInjectForm(kind="message", at_min="90", text="x"), by="admin1", now=later
    )
    assert chosen.applied is not None  # a minute given, long past: applied at once


def test_the_form_shows_only_the_fields_of_the_chosen_kind():
    from eoc.web import ids
    from eoc.web.components.inject_form import GROUPS, shown_groups

    def shown(kind):
        return {g for g, style in zip(GROUPS, shown_groups(kind), strict=True) if not style}

    assert shown("message") == set()  # the texts only (every kind's)
    assert shown("incident") == {ids.EXERCISE_ADD_INCIDENT_GROUP, ids.EXERCISE_ADD_TYPE_FIELD}
    assert shown("road_blocked") == {ids.EXERCISE_ADD_INCIDENT_GROUP}  # no incident type
    assert shown("site_population") == {ids.EXERCISE_ADD_SITE_GROUP}
    assert shown("checkpoint_status") == {ids.EXERCISE_ADD_CHECKPOINT_GROUP}
    assert shown(None) == set(GROUPS)  # nothing chosen: nothing out of reach
