"""The pages switch to Russian and Tajik in a real browser, numbers formatted per language."""

from __future__ import annotations

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

    sign_in(dash_duo, "viewer")
    dash_duo.wait_for_page(dash_duo.server.url + "/")
    wait_for(lambda: driver.execute_script(MAP_LOADED_JS), what="the operations map")
    wait_for(lambda: layers_heading in page_text(driver), what=f"the {lang} layers heading")
    assert driver.find_element("tag name", "html").get_attribute("lang") == lang
