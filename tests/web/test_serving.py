"""The production server: a real gunicorn (`python app.py`, 2 workers) on a free port.

A write through one worker is seen by polls answered by the other; the public page and its
data work through it; answers are compressed; fingerprinted bundles are kept a year by the
browser; pages and GeoJSON answer 304 when unchanged.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
import requests

import layers
from bench.load_client import callback_body, components_by_id, free_port, start_server, stop_server
from eoc.auth import create_user
from eoc.store import GeoPackageStore
from eoc.web import create_app, ids
from layers.incidents import INCIDENT_SEVERITIES, INCIDENT_TYPES
from tests.conftest import SEED_TIME, TEST_SECRET_KEY, incident_form_token, settings_for

PASSWORD = "serving test password"


@pytest.fixture(scope="module")
def server(seed_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("serving")
    store = GeoPackageStore(folder / "eoc.gpkg")
    shutil.copyfile(seed_store.path, store.path)
    create_user(store, "duty1", role="duty_officer", password=PASSWORD, now=SEED_TIME)
    create_user(store, "viewer1", role="viewer", password=PASSWORD, now=SEED_TIME)
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "EOC_SECRET_KEY": TEST_SECRET_KEY,
        "EOC_CACHE_DIR": str(folder / "cache"),
    }
    log = folder / "server.log"
    args = ["--store", str(store.path), "--workers", "2", "--threads", "4"]
    process = start_server(args, env=env, port=port, log=log)
    try:
        yield {"url": f"http://127.0.0.1:{port}", "log": log, "store": store}
    finally:
        stop_server(process)


def signed_in(server, name: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(
        server["url"] + "/login",
        data={"username": name, "password": PASSWORD, "next": "/"},
        allow_redirects=False,
    )
    assert answer.status_code == 302
    return session


def dependency(session, server, part: str) -> dict:
    deps = session.get(server["url"] + "/_dash-dependencies").json()
    return next(d for d in deps if part in d["output"] or any(part in i["id"] for i in d["inputs"]))


def post(session, server, body: bytes) -> requests.Response:
    return session.post(
        server["url"] + "/_dash-update-component",
        data=body,
        headers={"Content-Type": "application/json", "Connection": "close"},
    )


def served_by(log_text: str, marker: str) -> set[str]:
    """Worker pids of the access-log lines that contain `marker`."""
    pattern = r"\[pid <?(\d+)>?\][^\n]*" + re.escape(marker)
    return {m.group(1) for m in re.finditer(pattern, log_text)}


def test_a_write_through_one_worker_is_seen_by_polls_through_the_other(server):
    duty = signed_in(server, "duty1")
    save = dependency(duty, server, ids.INC_SAVE)
    values = {
        ids.INC_SAVE: 1,
        ids.INC_TYPE: INCIDENT_TYPES[0],
        ids.INC_SEVERITY: INCIDENT_SEVERITIES[0],
        ids.INC_DESCRIPTION: "Mudflow blocks the road near Vanj",
        ids.INC_PEOPLE: 12,
        ids.INC_LAT: 38.37,
        ids.INC_LON: 71.45,
        ids.INC_REASON: "serving test",
        # Issued as the server would: same store, same signing key, same user.
        ids.INC_TOKEN: incident_form_token(
            create_app(server["store"], settings_for(server["store"]))
        ),
    }
    before = server["store"].version()
    answer = post(duty, server, callback_body(save, lambda i: values.get(i["id"])))
    assert answer.status_code == 200, answer.text
    assert server["store"].version() == before + 1

    viewer = signed_in(server, "viewer1")
    poll = dependency(viewer, server, f"{ids.VERSION}.data")
    body = callback_body(poll, lambda i: 1 if i["property"] == "n_intervals" else before)
    seen = set()
    for _ in range(16):  # a new connection each time: both workers answer some
        answer = post(viewer, server, body)
        assert answer.status_code == 200
        seen.add(answer.json()["response"][ids.VERSION]["data"])
    assert seen == {before + 1}
    time.sleep(0.5)  # the access log is written after the answer
    text = server["log"].read_text()
    assert len(served_by(text, "POST /_dash-update-component")) == 2


def public_components(session, server) -> tuple[list[dict], dict]:
    deps = session.get(server["url"] + "/_dash-dependencies").json()
    router = next(d for d in deps if "_pages_content.children" in d["output"])
    values = {"pathname": "/public", "search": "", "hash": "", "href": "http://x/public"}
    page = post(session, server, callback_body(router, lambda d: values.get(d["property"])))
    content = page.json()["response"]["_pages_content"]["children"]
    return deps, dict(components_by_id(content))


def public_data(session, server) -> requests.Response:
    deps, components = public_components(session, server)
    dep = next(d for d in deps if f"{ids.PUBLIC_MAP}.figure" in d["output"])
    body = callback_body(dep, lambda i: components.get(i["id"], {}).get(i["property"]))
    return post(session, server, body)


def test_the_public_page_works_through_gunicorn(server):
    visitor = requests.Session()
    page = visitor.get(server["url"] + "/public")
    assert page.status_code == 200
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', page.text)
    # An anonymous visitor gets only the bundles /public uses.
    assert not [s for s in scripts if "dash_ag_grid" in s or "dash_table" in s]
    for src in scripts:
        assert visitor.get(server["url"] + src).status_code == 200, src
    answer = public_data(visitor, server)
    assert answer.status_code == 200
    assert answer.headers["Content-Encoding"] == "br"
    figure = answer.json()["response"][ids.PUBLIC_MAP]["figure"]
    assert {t["name"] for t in figure["data"]} >= {"Open", "Infrastructure projects"}
    sources = figure["layout"]["map"]["style"]["sources"]
    urls = [s["data"] for s in sources.values() if isinstance(s.get("data"), str)]
    assert len(urls) == len(sources) >= 8
    regions = visitor.get(server["url"] + sources["regions"]["data"])
    assert regions.status_code == 200
    assert len(regions.json()["features"]) == len(server["store"].read_layer("regions"))
    # A signed-in user's page still has every bundle its internal pages need.
    staff = signed_in(server, "viewer1")
    assert re.search(r'<script[^>]+src="[^"]+dash_ag_grid', staff.get(server["url"] + "/").text)


def test_answers_are_compressed(server):
    visitor = requests.Session()
    for path in ("/public", "/_dash-layout", "/_dash-dependencies"):
        answer = visitor.get(server["url"] + path, headers={"Accept-Encoding": "gzip"})
        assert answer.headers.get("Content-Encoding") == "gzip", path
    page = visitor.get(server["url"] + "/public").text
    dcc = next(u for u in re.findall(r'src="([^"]+)"', page) if "dash_core_components." in u)
    raw = visitor.get(server["url"] + dcc, headers={"Accept-Encoding": "identity"})
    packed = visitor.get(server["url"] + dcc, headers={"Accept-Encoding": "br"}, stream=True)
    assert packed.headers["Content-Encoding"] == "br"
    assert int(packed.headers["Content-Length"]) < len(raw.content) / 2


def test_fingerprinted_bundles_are_kept_a_year(server):
    page = requests.get(server["url"] + "/public").text
    sources = re.findall(
        r'(?:src|href)="(/_dash-component-suites/[^"]+|/assets/[^"]+\?m=[^"]+)"', page
    )
    assert len(sources) >= 8
    for src in sources:
        answer = requests.get(server["url"] + src)
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable", src


def test_unchanged_answers_are_304(server):
    visitor = requests.Session()
    for path in ("/_dash-layout", "/_dash-dependencies"):
        first = visitor.get(server["url"] + path)
        again = visitor.get(server["url"] + path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, path
    _deps, _components = public_components(visitor, server)
    figure = public_data(visitor, server).json()["response"][ids.PUBLIC_MAP]["figure"]
    url = server["url"] + figure["layout"]["map"]["style"]["sources"]["districts"]["data"]
    first = visitor.get(url)
    assert "immutable" in first.headers["Cache-Control"]
    again = visitor.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.content == b""


def test_the_public_answer_follows_a_write(server):
    """Cached per version: after a write the next public answer is the new version's."""
    visitor = requests.Session()
    before = public_data(visitor, server).json()
    footer = json.dumps(before["response"][ids.PUBLIC_FOOTER])
    version = server["store"].version()
    assert f"{version}" in footer
    sites = server["store"].read_layer("displacement_sites")
    assert layers.get("displacement_sites")
    _write_site_people(server["store"], str(sites["site_id"].iloc[0]))
    after = public_data(visitor, server).json()
    assert f"{version + 1}" in json.dumps(after["response"][ids.PUBLIC_FOOTER])


def _write_site_people(store: GeoPackageStore, site_id: str) -> None:
    from eoc.store.edits import Edit

    store.apply_edits(
        "displacement_sites",
        [Edit(site_id, {"individuals": 4321})],
        user="cccm1",
        reason="serving test",
        now=SEED_TIME,
    )
