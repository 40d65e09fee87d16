"""Each headline figure is defined once: every screen and the sitrep show the same number.

Each figure is computed through each screen's own code path (the callbacks, called as plain
functions on the real seed store) and compared, for the whole country and for one region.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from eoc.analysis.kpis import active_hazard_zones
from eoc.reports.build import build_sitrep
from eoc.web import create_app, ids
from eoc.web.context import current_cache
from eoc.web.headline import build_headline, zones_key
from eoc.web.pages import capacity, operations, public, wall
from tests.conftest import settings_for, signed_in

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
FIGURES = (
    "people-in-sites",
    "sites-over-capacity",
    "closed-checkpoints",
    "open-sites",
    "residents-exposed",
)


@pytest.fixture(scope="module")
def app(each_staff_store):
    return create_app(each_staff_store, settings_for(each_staff_store))


def find(component, component_id):
    """The component with `component_id` in a layout tree."""
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found = find(child, component_id)
            if found is not None:
                return found
    return None


def tile_values(tiles) -> dict[str, int]:
    """{'sites-over-capacity': 12, …} from the KPI tiles component."""
    values = {}
    for tile in tiles.children[1].children:
        classes = tile.className.split()
        if "kpi-tile" not in classes:
            continue
        name = next(c[4:] for c in classes if c.startswith("kpi-") and c not in ("kpi-tile",))
        values[name] = int(re.sub(r"\D", "", tile.children[0].children))
    return values


def scope_of(tiles) -> str:
    return next(t.children for t in tiles.children if t.className == "kpi-scope")


def operations_figures(app, region="all"):
    with signed_in(app, "viewer"):
        tiles, _feed = operations.update_panels(None, 0, None, region, now=NOW)
    return tile_values(tiles), scope_of(tiles)


def wall_figures(app, view="country"):
    with signed_in(app, "viewer"):
        params = find(wall.layout(views=view, now=NOW.isoformat()), ids.WALL_PARAMS).data
        tiles, _banners, _time, _feed = wall.update_wall_panels(1, None, params, 0)
    return tile_values(tiles), scope_of(tiles)


def test_every_screen_shows_the_same_national_figures(app, each_staff_store):
    ops, ops_scope = operations_figures(app)
    on_wall, wall_scope = wall_figures(app)
    assert {k: ops[k] for k in FIGURES} == {k: on_wall[k] for k in FIGURES}
    assert ops_scope == wall_scope == "Figures and activity: all Tajikistan"

    report = build_sitrep(each_staff_store, as_of=NOW, produced_by="test", draw_map=False)
    assert report.figure("residents_in_zones") == ops["residents-exposed"] > 50_000
    assert report.figure("people_in_sites") == ops["people-in-sites"]
    assert report.figure("sites_over_capacity") == ops["sites-over-capacity"]
    assert report.figure("checkpoints_closed") == (
        ops["closed-checkpoints"] + ops["restricted-checkpoints"]
    )

    with signed_in(app, "viewer"):
        result = capacity.refresh_capacity(None, NOW.date().isoformat(), "first", 0)
    summary = str(result[3][0].children)
    assert summary.startswith(f"{ops['sites-over-capacity']} open or closing sites over capacity")
    # Over capacity is against the binding (Sphere) capacity; declared alone is shown beside.
    assert ops["sites-over-capacity"] == 12
    assert "(9 over their declared capacity)" in summary


def public_figures(app):
    with signed_in(app, None):  # anonymous, like every visitor of /public
        tiles = public.update_public_page(list(public.PUBLIC_OPERATIONAL), now=NOW)[-1]
    return tiles, {
        t.className.split()[1][4:]: int(re.sub(r"\D", "", t.children[0].children))
        for t in tiles.children
    }


def test_the_public_map_shows_the_same_figures_of_the_public_view(app, each_staff_store):
    ops, _ = operations_figures(app)
    tiles, shown = public_figures(app)
    same = ("active-hazard-zones", "projects-in-hazard-zones", "closed-checkpoints")
    assert {k: shown[k] for k in (*same, "restricted-checkpoints")} == {
        k: ops[k] for k in (*same, "restricted-checkpoints")
    }
    # Sites: those the public map shows (no protection shelter), people rounded to 10 each,
    # counted here from the stored layer without the code under test.
    sites = each_staff_store.read_layer("displacement_sites")
    shelters = sites["sensitive"].astype(bool)
    occupied = sites["status"].isin(["open", "closing"]) & ~shelters
    rounded = [int(p / 10 + 0.5) * 10 for p in sites.loc[occupied, "individuals"]]
    assert shown["people-in-sites"] == sum(rounded)
    assert shown["open-sites"] == int(((sites["status"] == "open") & ~shelters).sum())
    # Open shelters with people exist (the test could fail), and the internal figure, which
    # counts them, is not on the public page.
    assert (sites.loc[shelters & (sites["status"] == "open"), "individuals"] > 0).any()
    assert f"{ops['people-in-sites']:,}" not in str(tiles)
    assert set(shown) < set(ops) and "sites-over-capacity" not in shown
    assert "residents-exposed" not in shown and "new-severe-incidents" not in shown


def test_a_region_narrows_the_figures_and_the_feed_on_both_screens(app):
    national, _ = operations_figures(app)
    gbao, scope = operations_figures(app, "TJ-GB")
    on_wall, wall_scope = wall_figures(app, "gbao")
    assert {k: gbao[k] for k in FIGURES} == {k: on_wall[k] for k in FIGURES}
    assert scope == wall_scope and "Gorno-Badakhshan" in scope and "only" in scope
    assert gbao["people-in-sites"] < national["people-in-sites"]
    assert gbao["open-sites"] < national["open-sites"]
    assert 0 < gbao["residents-exposed"] < national["residents-exposed"]


def test_residents_exposed_say_what_they_are_counted_from(app):
    with signed_in(app, "viewer"):
        tiles, _feed = operations.update_panels(None, 0, None, "TJ-GB", now=NOW)
    (tile,) = [t for t in tiles.children[1].children if "kpi-residents-exposed" in t.className]
    assert tile.children[1].children == "Residents in hazard zones"
    assert tile.children[2].children == "WorldPop 2020 (7.2 km cells): district-level estimate"


def test_residents_are_counted_once_per_store_version(app, each_staff_store):
    version = each_staff_store.version()
    with signed_in(app, "viewer"):
        cache = current_cache()
        first = build_headline(
            cache, version=version, moment=NOW, now=NOW, region=None, feed_limit=1
        )
        zones = active_hazard_zones(first.past.frames["hazard_zones"], at=NOW)
        # A later poll at the same version finds the rows kept: computing them again fails.
        kept = cache.get(
            ("residents", zones_key(zones)), lambda: pytest.fail("recomputed"), version=version
        )
        again = build_headline(
            cache, version=version, moment=NOW, now=NOW, region="TJ-GB", feed_limit=1
        )
    assert len(kept) and again.kpis.residents_exposed < first.kpis.residents_exposed


def test_the_feed_of_a_region_holds_only_its_features(app, each_staff_store):
    sites = each_staff_store.read_layer("displacement_sites")
    khatlon = set(sites[sites["adm1_iso"].astype(str) == "TJ-KT"]["site_id"].astype(str))
    incidents = each_staff_store.read_layer("incidents")
    in_khatlon = set(
        incidents[incidents["adm1_iso"].astype(str) == "TJ-KT"]["incident_id"].astype(str)
    )
    with signed_in(app, "viewer"):
        cache = current_cache()
        version = each_staff_store.version()
        region = build_headline(
            cache, version=version, moment=NOW, now=NOW, region="TJ-KT", feed_limit=50
        )
        country = build_headline(
            cache, version=version, moment=NOW, now=NOW, region=None, feed_limit=50
        )
    assert region.feed and len(region.feed) < len(country.feed)
    for item in region.feed:
        if item.layer == "displacement_sites":
            assert item.feature_id in khatlon
        elif item.layer == "incidents":
            assert item.feature_id in in_khatlon, item
