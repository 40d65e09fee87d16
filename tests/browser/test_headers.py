"""The Content-Security-Policy in a real Chromium: the map draws, foreign script does not run."""

from __future__ import annotations

import pytest

from eoc.web import create_app
from tests.browser.support import wait_for
from tests.conftest import settings_for

pytestmark = pytest.mark.browser

MAP_LOADED_JS = """
const gd = document.querySelector('#public-map .js-plotly-plot');
const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
return !!(sub && sub.map && sub.map.loaded() && sub.map.isStyleLoaded());
"""
# What an injected payload would try: an inline script. (eval cannot be tested from here:
# WebDriver's own scripts are exempt from the page's policy.)
INJECT_JS = """
window.__inline = false;
document.addEventListener('securitypolicyviolation', e => {
  (window.__violations = window.__violations || []).push(e.violatedDirective);
});
const s = document.createElement('script');
s.textContent = 'window.__inline = true;';
document.body.appendChild(s);
"""
RESULT_JS = "return [window.__inline, window.__violations || []];"


def test_the_policy_blocks_injected_script_while_the_map_draws(dash_duo, seed_store):
    dash_duo.start_server(create_app(seed_store, settings_for(seed_store)), navigate=False)
    driver = dash_duo.driver
    driver.get(dash_duo.server.url + "/public")
    dash_duo.wait_for_element("#public-map .maplibregl-canvas", timeout=30)
    wait_for(lambda: driver.execute_script(MAP_LOADED_JS), what="the MapLibre map to load")
    assert dash_duo.get_logs() == [], "the page itself broke the policy"

    driver.execute_script(INJECT_JS)
    inline, violations = wait_for(
        lambda: (r := driver.execute_script(RESULT_JS)) and r[1] and r, what="a violation"
    )
    assert inline is False
    assert set(violations) <= {"script-src-elem", "script-src"}
