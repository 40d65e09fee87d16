"""The sitrep's flow-monitoring section: arrivals per point, the projection, days to full.

On a copy of the seed store with the illustrative seed registry loaded; the arrivals are
counted again from the seed CSV without the code under test, and the days to full are those
of the function `/capacity` uses.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from eoc.analysis.capacity import CapacityRules, load_standards
from eoc.config import DEFAULT_SEED_DIR
from eoc.flows.projection import LAYERS, project_from
from eoc.flows.registry import read_counts
from eoc.flows.seed import load_seed_flows
from eoc.i18n import language
from eoc.reports.build import build_sitrep
from eoc.reports.render_html import render_html
from eoc.reports.render_markdown import render_markdown
from eoc.store import GeoPackageStore

AS_OF = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)  # 11:00 on 22 Nov in Dushanbe
SEED_CSV = DEFAULT_SEED_DIR / "flow_counts.csv"


@pytest.fixture(scope="module")
def store(seed_store, tmp_path_factory) -> GeoPackageStore:
    copy = GeoPackageStore(tmp_path_factory.mktemp("flows") / "flows.gpkg")
    shutil.copyfile(seed_store.path, copy.path)
    load_seed_flows(copy, DEFAULT_SEED_DIR, now=AS_OF)
    return copy


@pytest.fixture(scope="module")
def report(store):
    return build_sitrep(store, as_of=AS_OF, produced_by="test", draw_map=False)


def seed_arrivals(first: date, last: date) -> Counter:
    """(point, category) → arrivals between the two days, from the seed file itself."""
    found = Counter()
    with SEED_CSV.open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            day = date.fromisoformat(row["day"])
            if row["direction"] == "in" and first <= day <= last:
                found[row["point_id"], row["category"]] += int(row["count"])
    return found


def test_arrivals_of_the_last_7_days_per_point(report, store):
    table = report.flows.arrivals
    expected = seed_arrivals(date(2026, 11, 16), date(2026, 11, 22))
    names = dict(
        zip(
            store.read_layer("border_checkpoints")["checkpoint_id"],
            store.read_layer("border_checkpoints")["name"],
            strict=True,
        )
    )
    points = {p for p, _c in expected}
    shown = [str(name) for name in table.column("point")]  # a Spelling's Latin name
    assert sorted(shown) == sorted(names[p] for p in points)
    for row in table.rows:
        point = next(p for p in points if names[p] == str(row[0]))
        assert row[3] == expected[point, "refugees"]
        assert row[2] == sum(n for (p, _c), n in expected.items() if p == point)
        assert row[6] == pytest.approx(row[2] / 7)
        assert row[7] == date(2026, 11, 22)
    assert report.flows.arrivals.total[2] == sum(expected.values())
    assert {"Panji Poyon", "Ishkoshim", "Tem (Khorog)"} <= set(shown)


def test_days_to_full_are_those_of_the_capacity_page(report, store):
    frames = {name: store.read_layer(name) for name in LAYERS}
    rules = CapacityRules(load_standards(), on=AS_OF.date())
    projection = project_from(frames, read_counts(store.sql), rules=rules, graph_key="test")
    regions = projection.regions.set_index("adm1_iso")
    table = report.flows.days_to_full
    assert sorted(table.column("region")) == sorted(regions.index)
    for code, sites, free, days, band, full_on in table.rows:
        r = regions.loc[code]
        assert (sites, free, days) == (r["sites"], r["free_places"], int(r["days_to_full"]))
        assert band == f"{int(r['days_to_full_early'])}–{int(r['days_to_full_late'])}"
        assert full_on == date(2026, 11, 22) + timedelta(days=days)
    assert table.column("days_to_full") == sorted(table.column("days_to_full"))  # urgent first
    week = projection.forecast.iloc[6]
    (expected, *_rest) = report.flows.projection
    assert expected.values["week"] == round(week["expected"])
    assert expected.values["week_low"] < expected.values["week"] < expected.values["week_high"]


def test_a_report_of_an_earlier_day_sees_only_the_counts_up_to_it(store):
    earlier = build_sitrep(
        store, as_of=datetime(2026, 11, 10, 12, tzinfo=UTC), produced_by="t", draw_map=False
    )
    assert set(earlier.flows.arrivals.column("last_day")) == {date(2026, 11, 10)}
    assert earlier.flows.arrivals.total[2] == sum(
        seed_arrivals(date(2026, 11, 4), date(2026, 11, 10)).values()
    )
    # The day is Dushanbe's: 20:00 UTC on 9 Nov is already 10 Nov there.
    evening = build_sitrep(
        store, as_of=datetime(2026, 11, 9, 20, tzinfo=UTC), produced_by="t", draw_map=False
    )
    assert set(evening.flows.arrivals.column("last_day")) == {date(2026, 11, 10)}


def test_no_registry_no_section(seed_store):
    report = build_sitrep(seed_store, as_of=AS_OF, produced_by="t", draw_map=False)
    assert report.flows is None
    assert "Arrivals at border points" not in render_markdown(report)


@pytest.mark.parametrize(
    ("lang", "heading", "seed_note", "point"),
    [
        (
            "en",
            "Arrivals at border points and when the sites will be full",
            "illustrative seed",
            "Tem (Khorog)",
        ),
        ("ru", "Прибытия на пограничных пунктах", "иллюстративный", "Тем (Хорог)"),
        ("tg", "Воридшавӣ дар гузаргоҳҳои сарҳадӣ", "тасвирии", "Тем (Хоруғ)"),
    ],
)
def test_the_section_in_three_languages(report, lang, heading, seed_note, point):
    with language(lang):
        html, markdown = render_html(report), render_markdown(report)
    for text in (html, markdown):
        assert heading in text
        assert seed_note in text
        assert point in text  # the arrivals table names the point in the report's language
    assert "2,785" in render_markdown(report)


def test_a_country_report_before_the_first_incident_has_no_lead(seed_store):
    """A report of a day before any incident has none to lead with (it crashed before)."""
    from eoc.reports.event import lead_incident

    incidents = seed_store.read_layer("incidents")
    assert lead_incident(incidents, datetime(2026, 11, 10, tzinfo=UTC)) is None
    assert lead_incident(incidents, AS_OF)["incident_id"] == "INC-20261121-003"
