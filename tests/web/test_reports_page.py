"""The reports page: a draft in three steps, publishing, the archive and its downloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import dash
import pytest

from eoc.store.edits import Edit
from eoc.web import create_app
from eoc.web.components import report_ids as ids
from eoc.web.pages import reports as page
from eoc.web.pages.report_routes import download_report
from eoc.web.security import CALLBACK_ACTIONS_KEY, PermissionDeniedError
from tests.conftest import STAFF, STAFF_PASSWORD, settings_for, signed_in, staff_copy

AS_OF = "2026-11-22T06:00Z"
NOW = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def app(request, backend, tmp_path_factory):
    store = staff_copy(request, backend, tmp_path_factory.mktemp("reports"))
    return create_app(store, settings_for(store))


def client_as(app, role: str | None):
    client = app.server.test_client()
    if role is not None:
        response = client.post(
            "/login", data={"username": STAFF[role], "password": STAFF_PASSWORD, "next": "/"}
        )
        assert response.status_code == 302
    return client


def build_draft(scope: str = "country", lang: str = "en", overview: str = ""):
    """The three steps, as the page chains them; returns (preview, draft, progress)."""
    request, progress, label, message = page.start_draft(
        1, scope, AS_OF, lang, "sphere", "EOC duty"
    )
    assert progress == "10" and message == ""
    stage, progress, label, message = page.compute_draft(request)
    assert progress == "60" and message == ""
    preview, draft, progress, label, message = page.finish_draft(stage, 0, overview, "", "")
    return preview, draft, progress


def test_a_draft_is_built_in_three_steps_with_progress(app):
    with signed_in(app, "viewer"):
        preview, draft, progress = build_draft("INC-20261121-003", "tg", overview="Ҳолат")
    assert progress == "100"
    assert draft["scope"] == "INC-20261121-003" and draft["lang"] == "tg"
    assert preview.startswith("<!DOCTYPE html>") and 'lang="tg"' in preview
    assert "Ҳолат" in preview and "data:image/png;base64," in preview


def test_a_bad_as_of_is_explained(app):
    with signed_in(app, "viewer"):
        request, progress, _label, message = page.start_draft(
            1, "country", "yesterday", "en", "sphere", "x"
        )
    assert progress == "0" and "yesterday is not a date and time" in str(message.to_plotly_json())


def test_duty_officer_publishes_and_the_archive_lists_it(app):
    with signed_in(app, "duty_officer"):
        _preview, draft, _progress = build_draft()
        message, archive = page.publish(1, draft, "Overview text", "", "", now=NOW)
    assert "Published situation report No. 1" in str(message.to_plotly_json())
    listing = str(archive.to_plotly_json())
    assert "/reports/1.pdf" in listing and "/reports/1.html" in listing
    store = app.server.config["EOC_CACHE"].store
    assert store.list_reports()[0]["number"] == 1
    assert store.report_content(1, "pdf")[:4] == b"%PDF"
    assert "Overview text" in store.report_content(1, "html")


def test_publishing_a_draft_of_older_data_is_refused(app):
    store = app.server.config["EOC_CACHE"].store
    with signed_in(app, "duty_officer"):
        _preview, draft, _progress = build_draft()
        incident = store.read_layer("incidents").iloc[0]
        store.apply_edits(
            "incidents",
            [Edit(incident["incident_id"], {"people_affected": 11})],
            user="duty1",
            reason="update",
            now=NOW,
        )
        # the browser's copy claims the new version: the token's version counts
        claimed = draft | {"version": store.version()}
        message, archive = page.publish(1, claimed, "", "", "", now=NOW)
    assert "the data changed since this draft was built" in str(message.to_plotly_json())


def test_a_double_clicked_publish_publishes_one_report(app):
    store = app.server.config["EOC_CACHE"].store
    with signed_in(app, "duty_officer"):
        _preview, draft, _progress = build_draft()
        first, _archive = page.publish(1, draft, "", "", "", now=NOW)
        count = len(store.list_reports())
        second, archive = page.publish(2, draft, "", "", "", now=NOW)
    assert "Published" in str(first.to_plotly_json())
    assert "already sent" in str(second.to_plotly_json()) and archive is dash.no_update
    assert len(store.list_reports()) == count


def test_publish_uses_the_reviewed_draft_not_the_browsers_copy(app):
    store = app.server.config["EOC_CACHE"].store
    with signed_in(app, "duty_officer"):
        _preview, draft, _progress = build_draft()
        changed = draft | {"produced_by": "Someone else", "lang": "ru"}
        message, _archive = page.publish(1, changed, "", "", "", now=NOW)
    number = store.list_reports()[0]["number"]
    assert f"No. {number}" in str(message.to_plotly_json())
    markdown = store.report_content(number, "md")
    assert "EOC duty" in markdown and "Someone else" not in markdown


def test_publish_without_the_drafts_token_is_refused(app):
    with signed_in(app, "duty_officer"):
        _preview, draft, _progress = build_draft()
        message, _archive = page.publish(1, draft | {"token": None}, "", "", "", now=NOW)
    assert "no write token" in str(message.to_plotly_json())


def test_viewers_drafts_carry_no_token(app):
    with signed_in(app, "viewer"):
        _preview, draft, _progress = build_draft()
    assert "token" not in draft


def test_a_produced_by_over_the_limit_is_refused_with_a_message(app):
    with signed_in(app, "duty_officer"):
        request, progress, _label, message = page.start_draft(
            1, "country", AS_OF, "en", "sphere", "x" * 100_000
        )
    assert progress == "0" and "at most 200 characters" in str(message.to_plotly_json())


@pytest.mark.parametrize("role", ["viewer", "cccm"])
def test_publish_is_refused_for_roles_that_may_not(app, role):
    with signed_in(app, "duty_officer"):
        _preview, draft, _progress = build_draft()
    with signed_in(app, role), pytest.raises(PermissionDeniedError):
        page.publish(1, draft, "", "", "", now=NOW)
    # …and by the server's callback gate, before the callback runs.
    actions = app.server.config[CALLBACK_ACTIONS_KEY]
    output = next(key for key in actions if ids.ARCHIVE in key)
    response = client_as(app, role).post(
        "/_dash-update-component",
        data=json.dumps({"output": output, "outputs": [], "inputs": [], "changedPropIds": []}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "may not publish reports" in response.get_json()["error"]


def test_downloads_are_for_internal_roles_only(app):
    store = app.server.config["EOC_CACHE"].store
    if not store.list_reports():
        with signed_in(app, "duty_officer"):
            _preview, draft, _progress = build_draft()
            page.publish(1, draft, "", "", "", now=NOW)
    number = store.list_reports()[0]["number"]
    viewer = client_as(app, "viewer")
    pdf = viewer.get(f"/reports/{number}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data[:4] == b"%PDF"
    html = viewer.get(f"/reports/{number}.html")
    assert html.status_code == 200 and b"<!DOCTYPE html>" in html.data
    assert viewer.get(f"/reports/{number}.md").status_code == 200
    assert viewer.get("/reports/999.pdf").status_code == 404
    assert viewer.get(f"/reports/{number}.exe").status_code == 404
    anonymous = client_as(app, None).get(f"/reports/{number}.pdf")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    with signed_in(app, None), pytest.raises(PermissionDeniedError):
        download_report(number, "pdf")


def test_the_page_shows_publish_only_to_those_who_may(app):
    with signed_in(app, "duty_officer"):
        officer = str(page.layout().to_plotly_json())
    with signed_in(app, "viewer"):
        viewer = str(page.layout().to_plotly_json())
    with signed_in(app, None):
        anonymous = str(page.layout().to_plotly_json())
    assert ids.PUBLISH in officer and ids.PUBLISH not in viewer
    assert ids.BUILD in viewer and ids.BUILD not in anonymous


def test_the_draft_says_on_screen_what_residents_are_counted_from(app):
    with signed_in(app, "viewer"):
        request, *_rest = page.start_draft(1, "INC-20261121-003", AS_OF, "en", "sphere", "x")
        stage, *_rest = page.compute_draft(request)
        preview, _draft, _progress, label, _message = page.finish_draft(stage, 0, "", "", "")
    assert "Residents are estimated from WorldPop 2020" in label
    assert "district-level estimate" in label and "Method and coverage" in preview


@pytest.mark.parametrize(
    ("picked", "utc"),
    [("2026-11-22T11:00", "2026-11-22T06:00:00+00:00"), ("2026-11-22T06:00Z", None)],
)
def test_the_as_of_picker_is_in_dushanbe_time_and_iso_still_works(app, picked, utc):
    with signed_in(app, "viewer"):
        request, progress, _label, message = page.start_draft(
            1, "country", picked, "en", "sphere", "x"
        )
    assert message == "" and progress == "10"
    assert request["as_of"] == (utc or "2026-11-22T06:00:00+00:00")


def test_the_page_explains_the_empty_preview_and_gives_the_archive_the_whole_width(app):
    with signed_in(app, "viewer"):
        layout = page.layout()
    text = str(layout)
    assert "press Build draft" in text  # the preview before the first draft
    assert "datetime-local" in text
    controls = next(c for c in layout.children if getattr(c, "className", "") == "report-controls")
    assert "report-archive" not in str(controls)
    assert any(getattr(c, "className", "") == "report-archive-box" for c in layout.children)
