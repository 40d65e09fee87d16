"""Alerts in force are listed in the sitrep (in the report's language) and on /wall."""

from datetime import UTC, datetime

from eoc.i18n import language
from eoc.reports.build import build_sitrep
from eoc.reports.render_html import render_html
from eoc.reports.render_markdown import render_markdown

AS_OF = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)


def test_the_sitrep_lists_the_alerts_in_force_in_its_language(seed_store):
    report = build_sitrep(seed_store, as_of=AS_OF, produced_by="EOC", draw_map=False)
    assert len(report.alerts.rows) == 2
    with language("ru"):
        text = render_markdown(report)
    assert "Сильное землетрясение на востоке ГБАО" in text
    assert "Угроза повторного селя в Барсеме" in text  # Restricted: the sitrep is internal
    with language("tg"):
        page = render_html(report)  # the HTML (and so the PDF) lists them too
    assert "Заминҷунбии шадид дар шарқи ВМКБ" in page
    assert "TJ-CoES-EOC.20261121T060000.seed02" in page
    before = build_sitrep(
        seed_store, as_of=datetime(2026, 11, 21, 3, 0, tzinfo=UTC), produced_by="EOC",
        draw_map=False,
    )  # fmt: skip
    assert before.alerts.rows == ()  # not yet published then


def test_the_wall_shows_the_alerts_in_force_in_the_screen_language(seed_store):
    from flask import g

    from eoc.web import create_app
    from eoc.web.pages.wall import update_wall_panels
    from tests.conftest import settings_for, signed_in

    app = create_app(seed_store, settings_for(seed_store))
    with signed_in(app, "viewer"):
        g.eoc_lang = "tg"
        params = {"now": "2026-11-22T06:10:00Z", "stale_after_min": 30}
        _kpis, banners, _time, _feed = update_wall_panels(1, None, params)
    alerts = [b for b in banners if "banner-alert" in (b.className or "")]
    text = " ".join(str(b.children) for b in alerts)
    assert len(alerts) == 1 and "(2)" in text  # one line: the wall must still fit its screen
    assert "Заминҷунбии шадид дар шарқи ВМКБ" in text
    # Each alert's kind in Tajik too, not CAP's own codes ("Alert · Restricted").
    assert "Огоҳиномаи оммавӣ" in text and "Огоҳиномаи маҳдуд" in text
    assert "Restricted" not in text and "Public:" not in text
