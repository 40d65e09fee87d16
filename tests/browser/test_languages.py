"""The pages switch to Russian and Tajik in a real browser, numbers formatted per language."""

from __future__ import annotations

import itertools
import re
import shutil

import pytest

from eoc.store import GeoPackageStore
from eoc.web import create_app
from tests.browser.support import MAP_LOADED_JS, sign_in, wait_for
from tests.conftest import settings_for

pytestmark = pytest.mark.browser

HOVER_NUMBERS_JS = """
const gd = document.querySelector('.js-plotly-plot');
if (!gd || !gd.data) { return []; }
return gd.data.flatMap(t => (t.customdata || []).flat()).map(String);
"""
# 1 240 in Russian and Tajik: digits grouped by a no-break space (CLDR), never a comma.
GROUPED = re.compile(r"^\d{1,3}(\u00a0\d{3})+$")


def page_text(driver) -> str:
    return driver.find_element("tag name", "body").text


@pytest.mark.parametrize(
    ("lang", "public_heading", "layers_heading"),
    [
        ("ru", "Перемещение населения, опасности и общественные проекты в Таджикистане", "Слои"),
        ("tg", "Кӯчонидани аҳолӣ, хатарҳо ва лоиҳаҳои ҷамоатӣ дар Тоҷикистон", "Қабатҳо"),
    ],
)
def test_public_and_operations_pages_in_russian_and_tajik(
    dash_duo, staff_store, tmp_path, lang, public_heading, layers_heading
):
    # A copy: signing in keeps the language chosen before with the account, and the shared
    # staff store must not carry a Tajik viewer into the tests that follow.
    store = GeoPackageStore(tmp_path / "languages.gpkg")
    shutil.copyfile(staff_store.path, store.path)
    dash_duo.start_server(create_app(store, settings_for(store)), navigate=False)
    driver = dash_duo.driver
    driver.get(f"{dash_duo.server.url}/public?lang={lang}")
    wait_for(lambda: public_heading in page_text(driver), what=f"the {lang} public heading")
    assert driver.find_element("tag name", "html").get_attribute("lang") == lang
    numbers = wait_for(
        lambda: [n for n in driver.execute_script(HOVER_NUMBERS_JS) if GROUPED.match(n)],
        what="numbers grouped the Russian/Tajik way",
    )
    assert not any("," in n for n in numbers)

    from tests.browser.test_wall import set_viewport

    set_viewport(driver, 1920, 1080)  # the duty officers' desk screen
    sign_in(dash_duo, "viewer")
    dash_duo.wait_for_page(dash_duo.server.url + "/")
    wait_for(lambda: driver.execute_script(MAP_LOADED_JS), what="the operations map")
    wait_for(lambda: layers_heading in page_text(driver), what=f"the {lang} layers heading")
    assert driver.find_element("tag name", "html").get_attribute("lang") == lang
    # The side panels' longer words ("-72 соат" under the time slider) stay inside them: no
    # sideways scroll bar under a panel.
    for panel in (".ops-controls", ".ops-side"):
        scroll, client = driver.execute_script(
            f"const s = document.querySelector('{panel}'); return [s.scrollWidth, s.clientWidth];"
        )
        assert scroll <= client, f"{panel} scrolls sideways ({scroll} > {client} px)"
    # ... and the time slider's marks do not run into each other.
    marks = driver.execute_script(
        "return [...document.querySelectorAll('.as-of-slider .dash-slider-mark')]"
        ".map(m => { const b = m.getBoundingClientRect(); return [b.left, b.right]; });"
    )
    assert len(marks) == 4
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(marks)), marks


HEADINGS_JS = r"""
return [...document.querySelectorAll('#cap-grid .ag-header-cell')].map(cell => {
  const label = cell.querySelector('.ag-header-cell-label');
  const text = cell.querySelector('.ag-header-cell-text');
  if (!label || !text) { return null; }
  const box = label.getBoundingClientRect(), inner = text.getBoundingClientRect();
  // A word the browser laid out on two lines has client rects at two heights.
  const broken = [], node = text.firstChild;
  if (node && node.nodeType === 3) {
    for (const m of node.textContent.matchAll(/\S+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (tops.size > 1) { broken.push(m[0]); }
    }
  }
  return {text: text.textContent, broken,
          cut: inner.bottom > box.bottom + 1 || inner.top < box.top - 1
               || text.scrollHeight > text.clientHeight + 1
               || text.scrollWidth > text.clientWidth + 1,
          dims: [inner.height, box.height, text.scrollHeight, text.clientHeight,
                 text.scrollWidth, text.clientWidth, cell.getBoundingClientRect().width]};
}).filter(Boolean);
"""


@pytest.mark.parametrize("lang", ["tg", "ru"])
def test_the_capacity_grid_headings_are_whole_in_tajik_and_russian(
    dash_duo, staff_store, tmp_path, lang
):
    """Long Tajik and Russian headings wrap and are read whole, none cut off at its foot."""
    from tests.browser.test_wall import set_viewport

    store = GeoPackageStore(tmp_path / "languages.gpkg")
    shutil.copyfile(staff_store.path, store.path)
    dash_duo.start_server(create_app(store, settings_for(store)), navigate=False)
    driver = dash_duo.driver
    set_viewport(driver, 1920, 1080)
    driver.get(f"{dash_duo.server.url}/public?lang={lang}")
    sign_in(dash_duo, "cccm", then="/capacity")
    dash_duo.wait_for_element("#cap-grid .ag-row", timeout=30)
    headings = wait_for(lambda: driver.execute_script(HEADINGS_JS), what="the grid headings")
    assert len(headings) > 10
    assert any(re.search("[а-яӣӯқҳҷғ]", h["text"]) for h in headings), "not translated"
    cut = [(h["text"], h["dims"]) for h in headings if h["cut"]]
    assert not cut, f"headings cut off in {lang}: {cut}"
    broken = [(h["text"], h["broken"]) for h in headings if h["broken"]]
    assert not broken, f"words broken inside in {lang} headings: {broken}"
