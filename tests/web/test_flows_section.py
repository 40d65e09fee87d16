"""The flow-monitoring section on /capacity and the wall: seed shown, what-if reacts, the form."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from eoc.flows.registry import read_counts
from eoc.flows.seed import load_seed_flows
from eoc.i18n import language
from eoc.web import create_app, ids
from eoc.web.components import flows_section
from eoc.web.pages import capacity, wall
from tests.conftest import find_component, settings_for, signed_in, staff_copy

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
SEED = Path(__file__).resolve().parents[2] / "data" / "seed"


@pytest.fixture(scope="module")
def flows_store(request, backend, tmp_path_factory):
    copy = staff_copy(request, backend, tmp_path_factory.mktemp("flows"))
    load_seed_flows(copy, SEED, now=NOW)
    return copy


@pytest.fixture(scope="module")
def app(flows_store):
    return create_app(flows_store, settings_for(flows_store))


def days_by_region(table) -> dict[str, str]:
    body = table.children[0].children[1].children
    return {row.children[0].children: row.children[3].children for row in body}


def test_seed_registry_shows_with_days_to_full(app):
    with signed_in(app, "viewer"):
        arrivals, projection, table = flows_section.flows_view(1)
    names = {trace.name for trace in arrivals.data}
    assert any(name.startswith("Panji Poyon") for name in names)
    assert any(name.startswith("Tem (Khorog)") for name in names)
    assert len(projection.data) == 3  # band edges and the expected line
    days = days_by_region(table)
    assert days, "every region with usable sites is listed"
    assert all(value == "—" or int(value.replace(",", "")) >= 0 for value in days.values())


def test_what_if_controls_move_the_days(app):
    with signed_in(app, "viewer"):
        *_, base = flows_section.flows_view(1, 1.0)
        *_, faster = flows_section.flows_view(1, 3.0)
        *_, bigger = flows_section.flows_view(1, 1.0, "TJ-KT", 50000)

    def number(value: str) -> float:
        return float("inf") if value == "—" else float(value.replace(",", ""))

    base, faster, bigger = (days_by_region(t) for t in (base, faster, bigger))
    khatlon = next(k for k in base if "Khatlon" in k)
    assert number(faster[khatlon]) < number(base[khatlon])
    assert number(bigger[khatlon]) > number(base[khatlon])


def test_wall_shows_arrivals(app):
    with signed_in(app, "viewer"):
        figure = flows_section.wall_flows(1)
        page = wall.layout()
    assert figure.data
    assert "wall-flows" in str(page)
    # On a 4K wall the chart's text and lines are twice a 1080p wall's (13 px was unreadable).
    with signed_in(app, "viewer"):
        big = flows_section.wall_flows(1, {"width": 3840, "height": 2160})
    assert big.layout.font.size == 2 * figure.layout.font.size
    assert big.data[0].line.width == 2 * figure.data[0].line.width


@pytest.mark.parametrize(
    ("lang", "shown", "latin"),
    [("tg", "Панҷи Поён", "Panji Poyon"), ("ru", "Нижний Пяндж", "Panji Poyon"),
     ("en", "Panji Poyon", "Панҷи Поён")],
)  # fmt: skip
def test_the_arrivals_charts_name_the_points_in_the_page_language(app, lang, shown, latin):
    """The wall's legend and the operations chart's series: the store's own spellings."""
    with signed_in(app, "viewer"), language(lang):
        wall_names = {trace.name for trace in flows_section.wall_flows(1).data}
        arrivals, *_ = flows_section.flows_view(1)
    assert shown in wall_names and latin not in wall_names
    series = {trace.name for trace in arrivals.data}
    assert any(name.startswith(f"{shown} — ") for name in series)
    assert not any(name.startswith(latin) for name in series)


def test_the_point_options_are_named_in_the_page_language(app):
    with signed_in(app, "duty_officer"), language("tg"):
        page = capacity.layout()
    options = find_component(page, ids.FLOWS_ENTRY_POINT).options
    assert {"label": "Қизиларт (TJ-BCP-09)", "value": "TJ-BCP-09"} in options


def test_capacity_page_has_the_section(app):
    with signed_in(app, "duty_officer"):
        page = capacity.layout()
    assert "flows-arrivals" in str(page)
    assert "flows-entry-save" in str(page)


def test_form_saves_once_and_refuses_bad_input(app, flows_store):
    with signed_in(app, "duty_officer"):
        page = str(capacity.layout())
        token = flows_section.current_write_tokens().issue(
            flows_section.ENTRY, user="duty1", version=flows_store.version()
        )
        bad, _ = flows_section.save_flow_count(
            1, "2026-11-23", "TJ-BCP-04", "in", "refugees", "male", "60+", -3, token, now=NOW
        )
        ok, fresh = flows_section.save_flow_count(
            1, "2026-11-23", "TJ-BCP-04", "in", "refugees", "male", "60+", 17, token, now=NOW
        )
        again, _ = flows_section.save_flow_count(
            1, "2026-11-23", "TJ-BCP-04", "in", "refugees", "male", "60+", 17, token, now=NOW
        )
    assert "flows-entry-token" in page
    assert "count: -3 is outside 0 to 1000000" in str(bad)
    assert "Count saved: 17" in str(ok) and fresh
    assert "already sent" in str(again)
    held = read_counts(flows_store.sql)
    assert (held["day"].astype(str).str.startswith("2026-11-23")).sum() == 1


def test_the_assignment_rule_is_the_page_controls(app):
    """Wider rules (planned sites too, filled to 100 %) give the sites more room, so no
    region fills sooner and some later; a bad value is said on the page, not raised."""
    from eoc.flows.projection import rule_from_controls

    rule = rule_from_controls(["refugees", "other"], 80, "", ["open", "planned"], ["yes"])
    assert rule.categories == ("refugees", "other") and rule.fill_limit == pytest.approx(0.8)
    assert rule.statuses == ("open", "planned") and rule.allow_hazard_sites
    assert rule.max_distance_km is None
    tight = (None, None, None, ["refugees"], ["open"], 50)
    roomy = (None, None, None, ["refugees"], ["open", "planned"], 100)
    with signed_in(app, "viewer"):
        *_, narrow = flows_section.flows_view(1, 1.0, *tight)
        *_, wide = flows_section.flows_view(1, 1.0, *roomy)
        *_, bad = flows_section.flows_view(1, 1.0, *tight[:-1], 150)

    def number(value: str) -> float:
        return float("inf") if value == "—" else float(value.replace(",", ""))

    before, after = days_by_region(narrow), days_by_region(wide)
    assert set(before) <= set(after)
    assert all(number(after[r]) >= number(d) for r, d in before.items())
    assert any(number(after[r]) > number(d) for r, d in before.items())
    assert "fill limit must be a number from 1 to 100" in str(bad)
