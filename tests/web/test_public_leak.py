"""Nothing that endangers people leaves the server through a public route or the public file.

An anonymous client walks every route the public can reach: the /public page, Dash's layout
and dependency endpoints, the page router, every callback registered for VIEW_PUBLIC (with
the inputs the page itself offers: all layers on, then each alone, then none), every other
callback (which must refuse), /healthz and the exported public map. Every byte served is
searched for:

- every text of a sensitive row (the protection shelters' names, ids, agency, type),
- every value of a non-public text field of an operational layer that is not also public
  somewhere (checkpoint ids, counterpart posts, notes),
- the shelters' coordinates and the exact coordinates of small sites, at any precision
  finer than the public 0.01° grid, as pairs in any order, in JSON, in Plotly's encoded
  arrays or in the HTML file.

It does so twice: on the seed store, and on a canary store where every non-public field of
every operational layer holds a unique, unmistakable value (so numbers such as checkpoint
staff or latrines, and dates, are checked too, and a field added later is covered).

Public answers are cached (per store version, language and layer choice, shared by the
workers): before the anonymous walk an admin asks for every public answer, so the walk is
served the entries an admin's requests built, and the basemap GeoJSON the figures point to
is fetched and searched too. After a write, an answer kept for the old version is never
served: a site made sensitive disappears from the very next public answer.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import dash
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import layers
from eoc.auth import create_user
from eoc.export.public_map import write_public_map
from eoc.store import GeoPackageStore
from eoc.store.edits import Edit
from eoc.web import create_app, ids
from eoc.web.security import CALLBACK_ACTIONS_KEY
from tests.conftest import SEED_TIME, STAFF, STAFF_PASSWORD, pg_schema_url, settings_for

PUBLIC_GETS = (
    "/public",
    "/_dash-layout",
    "/_dash-dependencies",
    "/healthz",
    "/assets/public.css",
    "/cap/feed.xml",
)
# The seed's Restricted CAP alert: its file is refused and no byte of its text is served.
RESTRICTED_ALERT = "TJ-CoES-EOC.20261121T060000.seed02"
# Finer than the public 0.01° grid for small sites: a coordinate within this of the true
# location (3, 4 or 5 decimals, or the raw value) is a leak.
NEAR_DEG = 0.0006
MIN_TEXT = 6  # shorter values ("open", "AFG") occur by coincidence
# The policy, stated here again rather than imported, so the test holds the code to it.
SMALL_SITE_PEOPLE = 200
SMALL_SITE_GRID_DEG = 0.01
CANARY_INT = 7_310_000
CANARY_FLOAT = 8_420_000.0
CANARY_DAY = pd.Timestamp("1899-01-01", tz="UTC")


@dataclass
class Served:
    """What an anonymous visitor received: (what was asked, status, body)."""

    bodies: list[tuple[str, int, bytes]] = field(default_factory=list)

    def add(self, what: str, status: int, body: bytes) -> None:
        self.bodies.append((what, status, body))

    def status(self, what: str) -> int:
        return next(status for asked, status, _ in self.bodies if asked == what)


@dataclass(frozen=True)
class Secrets:
    texts: frozenset[str]
    numbers: frozenset[str]
    shelters: tuple[tuple[float, float], ...]  # (lon, lat)
    small_sites: tuple[tuple[float, float], ...]


# -- the stores -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def canary_frames(seed_frames) -> dict[str, gpd.GeoDataFrame]:
    """The seed with every non-public field of every operational layer set to a canary."""
    frames = {name: gdf.copy() for name, gdf in seed_frames.items()}
    serial = iter(range(1, 1_000_000))
    for name in layers.OPERATIONAL:
        spec, gdf = layers.get(name), frames[name]
        for f in spec.fields:
            if f.public or f.allowed is not None or f.name == spec.sensitive_field:
                continue  # enumerations cannot hold a canary; the flag must stay true/false
            values = [next(serial) for _ in range(len(gdf))]
            if f.type == "int":
                gdf[f.name] = pd.array([CANARY_INT + v for v in values], dtype="Int64")
            elif f.type == "float":
                gdf[f.name] = pd.array([CANARY_FLOAT + v for v in values], dtype="Float64")
            elif f.type in ("date", "datetime"):
                days = pd.to_timedelta(values, unit="D")
                gdf[f.name] = (CANARY_DAY + days).astype(gdf[f.name].dtype)
            elif f.type == "str":
                gdf[f.name] = pd.array([f"Qz{v:05d}Canary" for v in values], dtype="string")
    return frames


def built_canary(store, frames):
    store.replace_all(frames, now=datetime(2026, 11, 22, 6, 0, tzinfo=UTC))
    create_user(store, STAFF["admin"], role="admin", password=STAFF_PASSWORD, now=SEED_TIME)
    return store


@pytest.fixture(scope="module")
def canary_store(tmp_path_factory, canary_frames) -> GeoPackageStore:
    store = GeoPackageStore(tmp_path_factory.mktemp("canary") / "canary.gpkg")
    return built_canary(store, canary_frames)


@pytest.fixture(scope="module")
def pg_canary_store(pg_database, canary_frames):
    from eoc.store.postgis import PostGISStore

    return built_canary(PostGISStore(pg_schema_url(pg_database, "canary")), canary_frames)


# Each store on each backend: the seed (with staff accounts) and the canary store.
STORES = {
    "seed": "staff_store",
    "canary": "canary_store",
    "seed-postgis": "pg_staff_store",
    "canary-postgis": "pg_canary_store",
}


@pytest.fixture(scope="module", params=list(STORES))
def store(request):
    return request.getfixturevalue(STORES[request.param])


@pytest.fixture(scope="module")
def secrets(store) -> Secrets:
    return secrets_of({name: store.read_layer(name) for name in layers.REGISTRY})


@pytest.fixture(scope="module")
def served(store, tmp_path_factory) -> Served:
    cache_dir = tmp_path_factory.mktemp("public-cache")
    app = create_app(store, settings_for(store, cache_dir=cache_dir))
    # An admin asks first: every public answer the walk gets was built for an admin.
    admin = app.server.test_client()
    signed = admin.post("/login", data={"username": STAFF["admin"], "password": STAFF_PASSWORD})
    assert signed.status_code == 302
    walk_public_routes(app, client=admin)
    kept = sorted(cache_dir.rglob("v*/*"))
    assert kept, "the admin's public answers were not cached"
    served = walk_public_routes(app)
    assert sorted(cache_dir.rglob("v*/*")) == kept, "the walk was not served from the cache"
    out = write_public_map(store, tmp_path_factory.mktemp("export") / "public.html")
    served.add("exported public.html", 200, out.read_bytes())
    return served


# -- the tests ------------------------------------------------------------------------------


def test_the_walk_reached_every_public_route(served):
    asked = [what for what, _, _ in served.bodies]
    assert len(asked) >= 12
    for path in PUBLIC_GETS:
        assert served.status(f"GET {path}") == 200
    assert served.status("POST router /public") == 200
    assert served.status("GET restricted CAP alert") == 404
    public_posts = [what for what in asked if what.startswith("POST view_public")]
    assert len(public_posts) >= 6
    for what in public_posts:
        assert served.status(what) == 200, what
    # The walk really saw the public data: a big site and a project are in it.
    everything = b"".join(body for _, _, body in served.bodies).decode("utf-8", "replace")
    assert "Khorog School No. 3 collective centre" in everything
    assert "Government of Japan" in everything


def test_the_walk_fetched_the_public_geojson(served):
    fetched = [what for what, _, _ in served.bodies if what.startswith("GET /public/geojson/")]
    assert len(fetched) >= 8
    for what in fetched:
        assert served.status(what) == 200, what


def test_an_answer_kept_for_an_old_version_is_not_served_after_a_write(staff_store, tmp_path):
    """A site made sensitive leaves the very next public answer, in every language."""
    store = GeoPackageStore(tmp_path / "eoc.gpkg")
    shutil.copyfile(staff_store.path, store.path)
    app = create_app(store, settings_for(store, cache_dir=tmp_path / "cache"))
    client = app.server.test_client()
    name = "Khorog School No. 3 collective centre"
    for lang in ("en", "ru", "tg"):
        assert name in public_answer(client, lang)
        assert name in public_answer(client, lang)  # now from the cache
    sites = store.read_layer("displacement_sites")
    site_id = str(sites.loc[sites["name"] == name, "site_id"].iloc[0])
    store.apply_edits(
        "displacement_sites",
        [Edit(site_id, {"sensitive": True})],
        user=STAFF["cccm"],
        reason="leak test: the centre now shelters people at risk",
        now=SEED_TIME,
    )
    for lang in ("en", "ru", "tg"):
        assert name not in public_answer(client, lang), lang


def test_a_cached_answer_is_kept_per_language(staff_store, tmp_path):
    store = GeoPackageStore(tmp_path / "eoc.gpkg")
    shutil.copyfile(staff_store.path, store.path)
    app = create_app(store, settings_for(store, cache_dir=tmp_path / "cache"))
    client = app.server.test_client()
    english = public_answer(client, "en")
    assert "Projects by donor" in english
    russian = public_answer(client, "ru")
    assert "Projects by donor" not in russian
    assert public_answer(client, "en") == english


def public_answer(client, lang: str) -> str:
    """The /public figure callback's answer (all layers on) in `lang`, as text."""
    dependencies = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in dependencies if f"{ids.PUBLIC_MAP}.figure" in d["output"])
    all_on = list(layers.OPERATIONAL)
    response = post(client, dep, lambda i: all_on, headers={"Accept-Language": lang})
    assert response.status_code == 200
    return "\n".join(readings(response.data))


def test_the_secrets_are_real(secrets, request):
    """The search below looks for something: shelters, small sites and private values."""
    canary = request.node.callspec.params["store"].startswith("canary")
    assert len(secrets.shelters) == 2
    assert len(secrets.small_sites) >= 10
    assert "Protection shelter (Dushanbe)" in secrets.texts
    assert "TJ-BCP-01" in secrets.texts or canary
    if canary:
        assert len(secrets.numbers) > 100


def test_no_restricted_alert_is_served(served, store):
    from eoc.alerts.workflow import list_alerts

    restricted = [r.alert for r in list_alerts(store.sql) if r.scope == "Restricted"]
    texts = {RESTRICTED_ALERT} | {
        text
        for a in restricted
        for text in (a.restriction, *(t for i in a.infos for t in (i.headline, i.description)))
    }
    for what, _, body in served.bodies:
        found = [text for text in texts if any(text in v for v in readings(body))]
        assert not found, f"{what} served a Restricted alert's text: {found[:3]}"


def test_the_walk_saw_the_public_alert_drawn_and_in_the_feed(served, store, request):
    """The public map draws the Public alerts in force and the feed carries them, so the walk
    looked where a Restricted one would leak (the canary stores hold no alerts)."""
    from eoc.alerts.workflow import current_alerts

    public = current_alerts(store.sql, now=datetime.now(UTC), scope="Public")
    assert bool(public) is not request.node.callspec.params["store"].startswith("canary")
    feed = next(body for what, _, body in served.bodies if what == "GET /cap/feed.xml")
    for row in public:
        drawn = [
            what
            for what, _, body in served.bodies
            if what.startswith("POST view_public") and row.alert_id.encode() in body
        ]
        assert drawn, f"no public map answer drew {row.alert_id}"
        assert row.alert_id.encode() in feed


def test_no_sensitive_or_private_text_is_served(served, secrets):
    for what, _, body in served.bodies:
        found = [text for text in secrets.texts if any(text in v for v in readings(body))]
        assert not found, f"{what} served non-public text: {sorted(found)[:5]}"


def test_no_private_number_or_date_is_served(served, secrets):
    if not secrets.numbers:
        pytest.skip("the seed's private numbers are small and common; the canary store checks")
    pattern = re.compile(
        r"(?<![\d.,])(?:" + "|".join(map(re.escape, secrets.numbers)) + r")(?![\d])"
    )
    for what, _, body in served.bodies:
        for text in readings(body):
            match = pattern.search(text)
            assert match is None, f"{what} served a non-public value {match.group()}"


def test_no_shelter_location_is_served(served, secrets):
    for what, _, body in served.bodies:
        hits = pairs_near(coordinate_pairs(body), secrets.shelters)
        assert not hits, f"{what} served a protection shelter's location: {hits[:3]}"


def test_no_exact_location_of_a_small_site_is_served(served, secrets):
    for what, _, body in served.bodies:
        hits = pairs_near(coordinate_pairs(body), secrets.small_sites)
        assert not hits, f"{what} served a small site's exact location: {hits[:3]}"


# -- walking the routes ---------------------------------------------------------------------


def walk_public_routes(app: dash.Dash, *, client=None) -> Served:
    served = Served()
    client = client or app.server.test_client()  # anonymous: no session, no login
    for path in PUBLIC_GETS:
        response = client.get(path)
        served.add(f"GET {path}", response.status_code, response.data)
    for link in re.findall(rb'href="[^"]*(/cap/[^"]+[.]xml)"', client.get("/cap/feed.xml").data):
        response = client.get(link.decode())  # each alert the feed links to
        served.add(f"GET {link.decode()}", response.status_code, response.data)
    response = client.get(f"/cap/{RESTRICTED_ALERT}.xml")
    served.add("GET restricted CAP alert", response.status_code, response.data)
    dependencies = client.get("/_dash-dependencies").get_json()
    shell = client.get("/_dash-layout").get_json()
    router = next(d for d in dependencies if "_pages_content.children" in d["output"])
    pages = {}
    for page in dash.page_registry.values():
        path = page["path"]
        values = {"pathname": path, "search": "", "hash": "", "href": f"http://localhost{path}"}
        response = post(client, router, lambda dep, v=values: v.get(dep["property"]))
        served.add(f"POST router {path}", response.status_code, response.data)
        if response.status_code == 200:
            pages[path] = response.get_json()["response"]["_pages_content"]["children"]
    components = dict(components_by_id(shell))
    components.update(components_by_id(pages.get("/public")))
    actions = app.server.config.get(CALLBACK_ACTIONS_KEY, {})
    for dep in dependencies:
        if dep.get("clientside_function") or dep is router:
            continue
        action = str(actions.get(dep["output"], "none"))
        for label, choose in input_variants(dep, components):
            response = post(client, dep, choose)
            served.add(
                f"POST {action} {dep['output']} {label}", response.status_code, response.data
            )
    # The GeoJSON the public figures point to (their basemap, by URL).
    everything = "\n".join(readings(body)[1] for _, _, body in served.bodies)
    for path in sorted(set(re.findall(r"/public/geojson/[0-9a-f]+\.json", everything))):
        response = client.get(path)
        served.add(f"GET {path}", response.status_code, response.data)
    return served


def post(client, dep: dict, value_of, *, headers: dict | None = None) -> object:
    """POST a callback request for `dep` as the Dash renderer builds it."""
    inputs = [dict(i, value=value_of(i)) for i in dep["inputs"]]
    state = [dict(s, value=value_of(s)) for s in dep["state"]]
    outputs = [
        {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
        for part in dep["output"].strip(".").split("...")
    ]
    body = {
        "output": dep["output"],
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": inputs,
        "changedPropIds": [f"{i['id']}.{i['property']}" for i in dep["inputs"]],
        "state": state,
    }
    return client.post("/_dash-update-component", json=body, headers=headers or {})


def input_variants(dep: dict, components: dict) -> Iterator[tuple[str, object]]:
    """Realistic input values: as the page offers them with every option on, each alone, none."""

    def as_offered(i: dict) -> object:
        props = components.get(i["id"], {})
        is_checklist = props.get("options") is not None and isinstance(props.get("value"), list)
        if i["property"] == "value" and is_checklist:
            return [option_value(o) for o in props["options"]]
        return props.get(i["property"])

    yield "as offered, all on", as_offered
    for i in dep["inputs"]:
        props = components.get(i["id"], {})
        if i["property"] != "value" or not isinstance(props.get("value"), list):
            continue
        options = [option_value(o) for o in props.get("options") or []]
        for chosen in options:
            yield (
                f"{i['id']}={chosen}",
                lambda j, c=chosen, k=i: [c] if j == k else as_offered(j),
            )
        yield f"{i['id']}=none", lambda j, k=i: [] if j == k else as_offered(j)


def option_value(option: object) -> object:
    return option["value"] if isinstance(option, dict) else option


def components_by_id(tree: object) -> Iterator[tuple[str, dict]]:
    """(id, props) of every component in a serialised Dash layout."""
    if isinstance(tree, list):
        for item in tree:
            yield from components_by_id(item)
    elif isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict):
            if isinstance(props.get("id"), str):
                yield props["id"], props
            yield from components_by_id(props.get("children"))


# -- what must not be served ----------------------------------------------------------------


def secrets_of(frames: dict[str, pd.DataFrame]) -> Secrets:
    """What must not be served, worked out from the specs and the raw frames alone."""
    public_texts = {
        str(value)
        for name, gdf in frames.items()
        for f in layers.get(name).public_fields
        for value in _open_rows(gdf, layers.get(name))[f].dropna()
    }
    texts: set[str] = set()
    numbers: set[str] = set()
    shelters: list[tuple[float, float]] = []
    small: list[tuple[float, float]] = []
    for name in layers.OPERATIONAL:
        spec, gdf = layers.get(name), frames[name]
        flag = spec.sensitive_field
        hidden = gdf[~gdf.index.isin(_open_rows(gdf, spec).index)]
        for row in hidden.itertuples():
            shelters.append((row.geometry.x, row.geometry.y))
            texts.update(str(getattr(row, f.name)) for f in spec.fields if f.type == "str")
        for f in spec.fields:
            if f.public or f.name == flag:
                continue
            values = gdf[f.name].dropna()
            if f.type == "str" and f.allowed is None:
                texts.update(values.astype(str))
            else:
                numbers.update(canary_texts(values, f.type))
        if "individuals" in gdf.columns:
            open_rows = gdf[~gdf.index.isin(hidden.index)]
            for row in open_rows[
                open_rows["individuals"].fillna(0) < SMALL_SITE_PEOPLE
            ].itertuples():
                raw = (row.geometry.x, row.geometry.y)
                grid = tuple(round(c / SMALL_SITE_GRID_DEG) * SMALL_SITE_GRID_DEG for c in raw)
                if not pairs_near(np.array([grid]), [raw]):  # on the grid already: nothing hidden
                    small.append(raw)
    distinctive = {t for t in texts if len(t) >= MIN_TEXT and not any(t in p for p in public_texts)}
    return Secrets(frozenset(distinctive), frozenset(numbers), tuple(shelters), tuple(small))


def _open_rows(gdf: pd.DataFrame, spec: layers.LayerSpec) -> pd.DataFrame:
    """Rows of a layer that may be public at all (not flagged, or flagged false)."""
    if spec.sensitive:
        return gdf.iloc[:0]
    if spec.sensitive_field is None:
        return gdf
    return gdf[gdf[spec.sensitive_field].eq(False).fillna(False).astype(bool)]


def canary_texts(values: pd.Series, kind: str) -> set[str]:
    """How canary numbers and dates read when served; nothing for real (non-canary) values."""
    if values.empty:
        return set()
    if kind == "int" and (values >= CANARY_INT).all():
        return {n for v in values for n in (str(v), f"{v:,}")}
    if kind == "float" and (values >= CANARY_FLOAT).all():
        return {n for v in values for n in (str(int(v)), f"{int(v):,}")}
    if kind in ("date", "datetime") and (values.dt.year < 1930).all():
        return {v.strftime("%Y-%m-%d") for v in values}
    return set()


def readings(body: bytes) -> list[str]:
    """The body as served, with JSON and HTML escapes undone (a name may be in any of them)."""
    text = body.decode("utf-8", "replace")
    unescaped = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    unescaped = unescaped.replace("\\/", "/")
    return [text, unescaped, html.unescape(unescaped), html.unescape(unescaped).replace(" ", "_")]


def coordinate_pairs(body: bytes) -> np.ndarray:
    """Every pair of numbers that could be a position: neighbours in the text or in an array,
    and Plotly's parallel lat/lon arrays (base64-encoded typed arrays decoded)."""
    sequences: list[list[float]] = []
    for text in readings(body)[:2]:
        sequences.append([float(n) for n in re.findall(r"-?\d+\.\d+(?:[eE]-?\d+)?", text)])
    pairs: list[tuple[float, float]] = []
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if document is not None:
        for node in _json_nodes(document):
            lat, lon = _numbers(node.get("lat")), _numbers(node.get("lon"))
            if lat is not None and lon is not None:
                pairs.extend(zip(lon, lat, strict=False))
            for key in ("bdata",):
                if key in node:
                    sequences.append(list(_numbers(node) or []))
    for numbers in sequences:
        pairs.extend(zip(numbers, numbers[1:], strict=False))
    return np.array(pairs, dtype=float).reshape(-1, 2)


def pairs_near(pairs: np.ndarray, targets) -> list[tuple[float, float]]:
    """Pairs within NEAR_DEG of a target (lon, lat), in either order."""
    if not len(pairs) or not len(targets):
        return []
    points = np.asarray(targets, dtype=float)
    hits = []
    for order in (points, points[:, ::-1]):
        close = np.abs(pairs[:, None, :] - order[None, :, :]) <= NEAR_DEG
        hits.extend(map(tuple, pairs[close.all(axis=2).any(axis=1)]))
    return hits


def _json_nodes(node: object) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _json_nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _json_nodes(value)


def _numbers(value: object) -> list[float] | None:
    """A list of numbers, or Plotly's {"dtype", "bdata"} typed array decoded, else None."""
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return array.astype(float).ravel().tolist()
    if isinstance(value, list) and all(isinstance(v, int | float) for v in value):
        return [float(v) for v in value]
    return None
