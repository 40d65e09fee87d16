"""Place names on the basemap: in Cyrillic on Tajik and Russian pages, sized for the screen."""

from __future__ import annotations

import pytest

from eoc.i18n import language
from eoc.web.components.basemap import build_basemap_style, localise_labels
from eoc.web.components.map_figure import build_map_figure
from eoc.web.components.view import COUNTRY_BOUNDS, view_of_bounds


@pytest.fixture(scope="module")
def style(seed_frames):
    return build_basemap_style({"places": seed_frames["places"]})


def label_layer(style: dict) -> dict:
    return next(layer for layer in style["layers"] if layer["id"] == "places-label")


def test_the_basemap_carries_the_cyrillic_names_of_places(style):
    features = style["sources"]["places"]["data"]["features"]
    khorugh = next(f["properties"] for f in features if f["properties"]["name"] == "Khorugh")
    assert khorugh == {"name": "Khorugh", "name_tg": "Хоруғ", "name_ru": "Хорог"}


@pytest.mark.parametrize(
    ("lang", "expression"),
    [
        ("tg", ["coalesce", ["get", "name_tg"], ["get", "name"]]),
        ("ru", ["coalesce", ["get", "name_ru"], ["get", "name_tg"], ["get", "name"]]),
        ("en", ["get", "name"]),
    ],
)
def test_maps_write_place_names_in_the_page_language(style, lang, expression):
    with language(lang):
        figure = build_map_figure({}, basemap=style, view=view_of_bounds(COUNTRY_BOUNDS))
    assert label_layer(figure.layout.map.style)["layout"]["text-field"] == expression
    assert label_layer(style)["layout"]["text-field"] == ["get", "name"], "cached style changed"


def test_labels_scale_without_copying_the_sources(style):
    big = localise_labels(style, lang="en", scale=2.0)
    assert label_layer(big)["layout"]["text-size"] == 2 * label_layer(style)["layout"]["text-size"]
    assert big["sources"] is style["sources"]
