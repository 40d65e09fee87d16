"""Place names on the basemap: in Cyrillic on Tajik and Russian pages, sized for the screen."""

from __future__ import annotations

import re

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
        ("tg", ["coalesce", ["get", "name_tg"], ["get", "name_ru"], ["get", "name"]]),
        ("ru", ["coalesce", ["get", "name_ru"], ["get", "name_tg"], ["get", "name"]]),
        ("en", ["get", "name"]),
    ],
)
def test_maps_write_place_names_in_the_page_language(style, lang, expression):
    with language(lang):
        figure = build_map_figure({}, basemap=style, view=view_of_bounds(COUNTRY_BOUNDS))
    assert label_layer(figure.layout.map.style)["layout"]["text-field"] == expression
    assert label_layer(style)["layout"]["text-field"] == ["get", "name"], "cached style changed"


def shown_label(expression: list, properties: dict) -> str:
    """What MapLibre writes for `properties` under the label `expression` (get / coalesce)."""
    if expression[0] == "get":
        return properties.get(expression[1])
    return next(value for value in (shown_label(e, properties) for e in expression[1:]) if value)


LATIN = re.compile("[A-Za-z]")
# Places whose every name is Latin in the seed (GeoNames misspells it; no source was found).
LATIN_ONLY = {"Shhriston"}


@pytest.mark.parametrize("lang", ["tg", "ru"])
def test_no_place_is_labelled_in_latin_where_a_cyrillic_name_exists(style, seed_frames, lang):
    from eoc.i18n import place_name

    with language(lang):
        figure = build_map_figure({}, basemap=style, view=view_of_bounds(COUNTRY_BOUNDS))
        expression = label_layer(figure.layout.map.style)["layout"]["text-field"]
        features = style["sources"]["places"]["data"]["features"]
        labels = {
            f["properties"]["name"]: shown_label(expression, f["properties"]) for f in features
        }
        # The sitrep map and the offline export name places with place_name: the same names.
        assert labels == {row.name: place_name(row) for row in seed_frames["places"].itertuples()}
    latin = {name for name, label in labels.items() if LATIN.search(label)}
    assert latin == LATIN_ONLY, f"{len(latin)} places labelled in Latin on {lang} maps: {latin}"
    own = "name_tg" if lang == "tg" else "name_ru"
    for f in features:
        if f["properties"].get(own):
            assert labels[f["properties"]["name"]] == f["properties"][own]


def test_labels_scale_without_copying_the_sources(style):
    big = localise_labels(style, lang="en", scale=2.0)
    assert label_layer(big)["layout"]["text-size"] == 2 * label_layer(style)["layout"]["text-size"]
    assert big["sources"] is style["sources"]


def test_years_on_map_hovers_are_not_grouped_like_numbers():
    import layers
    from eoc.web.components.map_figure import format_value

    year = layers.get("infrastructure_projects").field("year")
    beneficiaries = layers.get("infrastructure_projects").field("beneficiaries")
    with language("en"):
        assert format_value(2018, year) == "2018"
        assert format_value(12000, beneficiaries) == "12,000"


def test_the_site_history_is_in_dushanbe_time_and_says_who_and_why():
    from datetime import UTC, datetime

    from eoc.store.records import AuditEntry
    from eoc.web.components.capacity_charts import build_history_figure, site_history

    change = AuditEntry(
        id=1,
        at=datetime(2026, 11, 21, 5, 0, tzinfo=UTC),
        user="cccm1",
        action="update",
        layer="displacement_sites",
        feature_id="TJ-DS-0001",
        old={"individuals": 200},
        new={"individuals": 260},
        reason="arrivals from Rushon",
        version=2,
    )
    history = site_history([change], people_now=260, status_now="open")
    with language("en"):
        figure = build_history_figure(
            history, site_name="X", people_now=260, now=datetime(2026, 11, 22, 6, tzinfo=UTC)
        )
    first = figure.data[0]
    assert str(first.x[0]).startswith("2026-11-21 10:00")  # 05:00 UTC is 10:00 in Dushanbe
    assert "cccm1" in first.hovertext[1] and "arrivals from Rushon" in first.hovertext[1]
    assert figure.layout.xaxis.title.text == "Dushanbe time"
