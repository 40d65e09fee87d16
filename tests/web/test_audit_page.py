"""The admin audit page: filters, and only admins see it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eoc.store.edits import Edit
from eoc.web import create_app
from eoc.web.pages.audit import layout, update_audit
from tests.conftest import settings_for, signed_in, staff_copy

T1 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def app(request, backend, tmp_path_factory):
    store = staff_copy(request, backend, tmp_path_factory.mktemp("audit"))
    store.apply_edits(
        "displacement_sites",
        [Edit("TJ-DS-0001", {"individuals": 455})],
        user="cccm1",
        reason="headcount",
        now=T1,
    )
    store.apply_edits(
        "border_checkpoints",
        [Edit("TJ-BCP-01", {"status": "closed"})],
        user="duty1",
        reason="flooded approach road",
        now=T1,
    )
    return create_app(store, settings_for(store))


def texts(component) -> str:
    return str(component.to_plotly_json())


def test_filters_narrow_the_log(app):
    with signed_in(app, "admin"):
        everything = texts(update_audit("all", "", ""))
        checkpoints = texts(update_audit("border_checkpoints", None, None))
        by_cccm = texts(update_audit("all", "cccm1", ""))
    assert "flooded approach road" in everything and "headcount" in everything
    assert "flooded approach road" in checkpoints and "headcount" not in checkpoints
    assert "individuals: 420 → 455" in by_cccm and "flooded" not in by_cccm
    # Dushanbe time with its day (08:00 UTC is 13:00 there), not the hour alone.
    assert "2026-11-22 13:00" in by_cccm
    assert "'changed'" in by_cccm and "title='update'" in by_cccm  # the action, named


def test_every_audit_action_the_code_writes_has_a_name_in_each_language():
    """The action codes written anywhere in eoc/ are each named (a new one must be added)."""
    import re
    from pathlib import Path

    from eoc.i18n import language
    from eoc.web.components.audit_table import ACTION_LABELS, action_label

    code = "\n".join(p.read_text() for p in Path("eoc").rglob("*.py"))
    written = set(re.findall(r'_ACTION = "([a-z_]+)"', code))
    written |= set(re.findall(r'(?:audit\(con, |action=)"([a-z_]+)"', code))
    batched = Path("eoc/store/sql_store.py").read_text()  # its items: [("action", id, …)]
    written |= set(re.findall(r'\[\("([a-z_]+)", ', batched))
    written -= {"store_true", "append"}  # argparse's own actions
    assert written and written <= set(ACTION_LABELS), written - set(ACTION_LABELS)
    for lang in ("tg", "ru"):
        with language(lang):
            assert all(action_label(a) != ACTION_LABELS[a] for a in ACTION_LABELS), lang


def test_no_match_says_so(app):
    with signed_in(app, "admin"):
        assert "No audit entries match" in texts(update_audit("all", "nobody", ""))


def test_anonymous_visitors_are_asked_to_sign_in(app):
    with signed_in(app, None):
        assert "sign-in-required" in texts(layout())


@pytest.mark.parametrize("role", ["viewer", "duty_officer", "cccm"])
def test_staff_without_the_right_are_told_it_is_not_for_their_role(app, role):
    with signed_in(app, role):
        page = texts(layout())
    # Signed in already: no sign-in page, a reason instead.
    assert "sign-in-required" not in page and "sign-in-redirect" not in page
    assert f"This page is not allowed for your role ({role})." in page
