"""One definition of what donors see: the spec's public fields, on /public and in every export.

The page's hover, the offline public map's tooltips and `eoc export --public` in every format
carry exactly `spec.public_fields` of each published layer — no more (a field only an export
leaked, like `managing_agency` once did) and no fewer.
"""

from __future__ import annotations

import csv
import html
import json
import re
from datetime import UTC, datetime

import geopandas as gpd
import pytest

import layers
from eoc.analysis.active import active_at
from eoc.export.public_map import build_public_map_html
from eoc.io.exporters import EXPORT_FORMATS, SUFFIXES, export_layer
from eoc.publish import PUBLISHED_LAYERS, public_tooltip, public_view
from eoc.web import create_app
from eoc.web.components.map_figure import format_value
from eoc.web.pages.public import update_public_page
from tests.conftest import settings_for

TOOLTIP_FIELDS = re.compile(r"let fields = (\[[^\]]*\]);")


@pytest.fixture(scope="module")
def public_figure(seed_store):
    app = create_app(seed_store, settings_for(seed_store))
    with app.server.test_request_context():
        return update_public_page(list(PUBLISHED_LAYERS))[0]


def exported_fields(store, name: str, fmt: str, folder) -> set[str]:
    out = folder / f"{name}{SUFFIXES[fmt]}"
    export_layer(store, name, fmt=fmt, out=out, public=True)
    if fmt == "hxl":
        with out.open(encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        return set(header) - {"lat", "lon", "wkt"}
    return set(gpd.read_file(out).columns) - {"geometry"}


def test_managing_agency_is_not_public():
    assert "managing_agency" not in layers.get("displacement_sites").public_fields


@pytest.mark.parametrize("name", PUBLISHED_LAYERS)
@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_every_public_export_carries_exactly_the_public_fields(seed_store, tmp_path, name, fmt):
    assert exported_fields(seed_store, name, fmt, tmp_path) == set(layers.get(name).public_fields)


@pytest.mark.parametrize("name", PUBLISHED_LAYERS)
def test_the_public_page_shows_exactly_the_public_fields(public_figure, seed_store, name):
    spec = layers.get(name)
    frame = seed_store.read_layer(name)
    if name == "hazard_zones":  # the page draws the zones in force (tests/web/test_public_page.py)
        frame = active_at(frame, datetime.now(UTC))
    view = public_view(frame, spec)
    traces = [t for t in public_figure.data if t.meta["layer"] == name]
    sent = [row for trace in traces for row in trace.customdata]
    assert {len(row) for row in sent} == {len(spec.public_fields)}
    shown = {tuple(row) for row in sent}
    expected = {
        tuple(html.escape(format_value(row[f], spec.field(f))) for f in public_tooltip(spec))
        for _i, row in view.iterrows()
    }
    assert shown == expected


def test_the_offline_public_map_shows_exactly_the_public_fields(seed_frames):
    operational = {name: seed_frames[name] for name in layers.OPERATIONAL}
    page = build_public_map_html(operational, seed_frames)
    tooltips = [json.loads(found) for found in TOOLTIP_FIELDS.findall(page)]
    for name in PUBLISHED_LAYERS:
        assert list(public_tooltip(layers.get(name))) in tooltips
    public = {tuple(sorted(layers.get(n).public_fields)) for n in PUBLISHED_LAYERS}
    assert {tuple(sorted(t)) for t in tooltips if t != ["name"]} <= public


def test_public_tooltip_orders_every_public_field_tooltip_first():
    spec = layers.get("infrastructure_projects")
    fields = public_tooltip(spec)
    assert sorted(fields) == sorted(spec.public_fields)
    assert fields[: len(spec.tooltip)] == spec.tooltip
