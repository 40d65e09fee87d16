"""Chart texts in Tajik and Russian at 1920×1080: titles, legends, tick labels and axis titles
neither overlap one another nor run out of their chart. Element boxes, not pixels."""

from __future__ import annotations

import shutil

import pytest

from eoc.config import DEFAULT_SEED_DIR
from eoc.flows.seed import load_seed_flows
from eoc.store import GeoPackageStore
from eoc.web import create_app, ids
from tests.browser.support import ARTEFACTS, sign_in, wait_for
from tests.browser.test_wall import set_viewport
from tests.conftest import SEED_TIME, settings_for

pytestmark = pytest.mark.browser

# The texts of each drawn Plotly figure on the page, by kind, as client boxes. Tick labels
# Plotly hides (opacity 0, or no text) are left out; so are bar texts clipped away.
CHART_BOXES_JS = """
const box = e => { const r = e.getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom]; };
const shown = e => { const r = e.getBoundingClientRect(), s = getComputedStyle(e);
  return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'
    && parseFloat(s.opacity || '1') > 0 && e.textContent.trim() !== ''; };
const texts = (gd, sel) => [...gd.querySelectorAll(sel)].filter(shown)
  .map(e => ({text: e.textContent, box: box(e)}));
return [...document.querySelectorAll(arguments[0])].map(gd => {
  const host = gd.closest('[id]');
  const legend = gd.querySelector('.legend .bg');
  const plots = [...gd.querySelectorAll('.draglayer .nsewdrag')].map(box);
  return {
    id: host ? host.id : '?',
    map: !!gd.querySelector('.maplibregl-canvas'),
    traces: (gd.data || []).length,
    chart: box(gd),
    title: texts(gd, '.gtitle'),
    legend: legend ? box(legend) : null,
    legendItems: texts(gd, '.legend .legendtext'),
    ticks: texts(gd, '.xtick text, .x2tick text, .ytick text, .y2tick text'),
    axisTitles: texts(gd, '.g-xtitle text, .g-x2title text, .g-ytitle text, .g-y2title text'),
    barTexts: texts(gd, '.bartext'),
    annotations: texts(gd, '.annotation-text'),
    plots: plots,
  };
});
"""
SLACK_PX = 0.5
# Words of the English region names that must not be left on a Tajik or Russian chart.
ENGLISH_REGION_WORDS = ("Khatlon", "Sughd", "Gorno", "Badakhshan", "Republican")


def overlaps(a, b) -> bool:
    return (
        a[0] < b[2] - SLACK_PX
        and b[0] < a[2] - SLACK_PX
        and a[1] < b[3] - SLACK_PX
        and b[1] < a[3] - SLACK_PX
    )


def inside(a, frame) -> bool:
    return (
        a[0] >= frame[0] - SLACK_PX
        and a[1] >= frame[1] - SLACK_PX
        and a[2] <= frame[2] + SLACK_PX
        and a[3] <= frame[3] + SLACK_PX
    )


def chart_faults(chart: dict) -> list[str]:
    """What a reader of `chart` would stumble on: texts over texts, texts out of the chart."""
    name = chart["id"]
    faults = []
    named = [("title", t) for t in chart["title"]]
    named += [("tick", t) for t in chart["ticks"]]
    named += [("axis title", t) for t in chart["axisTitles"]]
    named += [("legend entry", t) for t in chart["legendItems"]]
    named += [("bar text", t) for t in chart["barTexts"]]
    named += [("note", t) for t in chart["annotations"]]
    for kind, item in named:
        if not inside(item["box"], chart["chart"]):
            faults.append(f"{name}: {kind} {item['text']!r} runs out of the chart")
    # Texts of different kinds (and tick labels among themselves) must not touch.
    for i, (kind_a, a) in enumerate(named):
        for kind_b, b in named[i + 1 :]:
            same_kind_ok = kind_a == kind_b and kind_a in ("legend entry", "bar text", "title")
            if not same_kind_ok and overlaps(a["box"], b["box"]):
                faults.append(f"{name}: {kind_a} {a['text']!r} overlaps {kind_b} {b['text']!r}")
    legend = chart["legend"]
    if legend:
        if not inside(legend, chart["chart"]):
            faults.append(f"{name}: the legend runs out of the chart")
        for kind, item in named:
            if kind != "legend entry" and overlaps(legend, item["box"]):
                faults.append(f"{name}: the legend covers {kind} {item['text']!r}")
        if not chart["map"]:  # on a map the legend floats over the map by design
            for plot in chart["plots"]:
                if overlaps(legend, plot):
                    faults.append(f"{name}: the legend covers the plot")
    return faults


def drawn_charts(driver, selector: str, *, count: int, what: str) -> list[dict]:
    """The boxes of the `count` charts under `selector` once each has its texts drawn."""

    def ready():
        charts = driver.execute_script(CHART_BOXES_JS, selector)
        # A figure before its callback answered is empty (axes from −1 to 6): not yet drawn.
        done = [c for c in charts if c["traces"] or c["annotations"]]
        return charts if len(done) >= count else None

    try:
        wait_for(ready, timeout=60, what=what)
    except AssertionError:
        charts = driver.execute_script(CHART_BOXES_JS, selector)
        raise AssertionError(f"{what}: {[(c['id'], c['traces']) for c in charts]}") from None
    # Plotly may redraw once more (automargin, fonts): measure when two reads agree.
    last: list = [None]

    def settled():
        charts = driver.execute_script(CHART_BOXES_JS, selector)
        same, last[0] = charts == last[0], charts
        return charts if same else None

    return wait_for(settled, timeout=20, what=f"{what} to settle")


PAGES = (
    # (path, selector of its Plotly figures, how many must be drawn)
    ("/public", ".public-chart .js-plotly-plot", 3),
    ("/", f"#{ids.MAP} .js-plotly-plot", 1),
    (
        "/capacity",
        ", ".join(
            f"#{i} .js-plotly-plot"
            for i in (
                ids.CAP_OCCUPANCY,
                ids.CAP_WASH,
                ids.CAP_HISTORY,
                ids.FLOWS_ARRIVALS,
                ids.FLOWS_PROJECTION,
            )
        ),
        5,
    ),
    ("/wall", f"#{ids.WALL_FLOWS} .js-plotly-plot", 1),
)


@pytest.mark.parametrize("lang", ["tg", "ru"])
def test_chart_texts_keep_apart_and_inside_their_charts(dash_duo, staff_store, tmp_path, lang):
    # A copy: the language chosen is kept with the account on signing in.
    store = GeoPackageStore(tmp_path / "charts.gpkg")
    shutil.copyfile(staff_store.path, store.path)
    load_seed_flows(store, DEFAULT_SEED_DIR, now=SEED_TIME)  # the arrivals charts' counts
    dash_duo.start_server(create_app(store, settings_for(store)), navigate=False)
    driver = dash_duo.driver
    set_viewport(driver, 1920, 1080)
    faults: list[str] = []
    seen: dict[str, int] = {}
    for path, selector, count in PAGES:
        if path == "/":
            sign_in(dash_duo, "viewer")
            wait_for(lambda: "/login" not in driver.current_url, what="the sign-in to finish")
        driver.get(f"{dash_duo.server.url}{path}?lang={lang}")
        charts = drawn_charts(driver, selector, count=count, what=f"the charts of {path}")
        assert driver.find_element("tag name", "html").get_attribute("lang") == lang
        seen[path] = len(charts)
        driver.save_screenshot(str(ARTEFACTS / f"charts-{lang}-{path.strip('/') or 'map'}.png"))
        for chart in charts:
            faults += [f"{path} {fault}" for fault in chart_faults(chart)]
            for item in chart["ticks"] + chart["legendItems"]:
                if any(word in item["text"] for word in ENGLISH_REGION_WORDS):
                    faults.append(f"{path} {chart['id']}: English region name {item['text']!r}")
    assert seen == {path: count for path, _selector, count in PAGES}
    assert not faults, "\n".join(faults)
