"""The exported public map: one offline HTML file with the public view and nothing else."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest

import layers
from eoc.export.public_map import build_public_map_html, escape_text, write_public_map
from eoc.publish import PUBLISHED_LAYERS

EVIL_NAME = "<script>alert(1)</script>"
TEMPLATE_EVIL = "`${alert(2)}` \\u0041"
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture(scope="module")
def operational(seed_frames):
    return {name: seed_frames[name] for name in layers.OPERATIONAL}


@pytest.fixture(scope="module")
def seed_html(operational, seed_frames) -> str:
    return build_public_map_html(operational, seed_frames, version=7)


@pytest.fixture(scope="module")
def evil_html(operational, seed_frames) -> str:
    """The map of a seed whose first site and first project are named to attack the page."""
    sites = seed_frames["displacement_sites"].copy()
    sites.loc[sites.index[0], "name"] = EVIL_NAME
    projects = seed_frames["infrastructure_projects"].copy()
    projects.loc[projects.index[0], "donor"] = TEMPLATE_EVIL
    frames = dict(operational, displacement_sites=sites, infrastructure_projects=projects)
    return build_public_map_html(frames, seed_frames)


def test_nothing_is_fetched_from_another_host(seed_html):
    assert not EXTERNAL.search(seed_html)
    assert "http://" not in seed_html and "https://" not in seed_html


def test_leaflet_is_inlined(seed_html):
    scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", seed_html)
    styles = re.findall(r"<link[^>]*\bhref=\"([^\"]+)\"", seed_html)
    assert len(scripts) == 1 and scripts[0].startswith("data:text/javascript;base64,")
    assert len(styles) == 1 and styles[0].startswith("data:text/css;base64,")
    assert "L.map(" in seed_html or "L.map (" in seed_html


def test_the_public_layers_are_on_the_map(seed_html, seed_frames):
    for name in PUBLISHED_LAYERS:
        assert layers.get(name).title in seed_html
    assert "Khorog School No. 3 collective centre" in seed_html
    assert "Government of Japan" in seed_html


def test_sensitive_rows_and_private_fields_are_not_in_the_file(seed_html, seed_frames):
    sites = seed_frames["displacement_sites"]
    for shelter in sites[sites["sensitive"]].itertuples():
        assert shelter.name not in seed_html
        assert shelter.site_id not in seed_html
    checkpoints = seed_frames["border_checkpoints"]
    for post in checkpoints["counterpart_post"].dropna():
        assert post not in seed_html
    for note in checkpoints["notes"].dropna():
        assert note[:30] not in seed_html
    for checkpoint_id in checkpoints["checkpoint_id"]:
        assert checkpoint_id not in seed_html


def test_a_script_in_a_name_is_shown_as_text(evil_html):
    assert EVIL_NAME not in evil_html
    assert "<script>alert" not in evil_html
    # html-escaped, then JSON-escaped by folium: the browser shows it as text.
    assert "\\u0026lt;script\\u0026gt;alert(1)\\u0026lt;/script\\u0026gt;" in evil_html


def test_template_literal_syntax_in_data_is_inert(evil_html):
    assert "${alert(2)}" not in evil_html
    assert "`${" not in evil_html


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (EVIL_NAME, "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("`${x}`", "&#96;&#36;{x}&#96;"),
        ("a\\b", "a&#92;b"),
        ('O\'Neil & "Co"', "O&#x27;Neil &amp; &quot;Co&quot;"),
        (1450, "1,450"),
        (None, "—"),
    ],
)
def test_escape_text(value, text):
    assert escape_text(value) == text


def test_the_footer_states_version_and_attribution(seed_html):
    assert "Store version:</b> 7" in seed_html
    assert "OpenStreetMap contributors" in seed_html
    assert "illustrative scenario" in seed_html


def test_write_public_map_writes_one_file(seed_store, tmp_path: Path):
    out = write_public_map(seed_store, tmp_path / "maps" / "public.html")
    assert out == tmp_path / "maps" / "public.html"
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert f"Store version:</b> {seed_store.version()}" in text
    assert "2026-11-22 06:00 UTC" in text
    assert not EXTERNAL.search(text)
    assert [p.name for p in out.parent.iterdir()] == ["public.html"]  # no temporary left


def test_the_file_draws_only_the_zones_in_force_when_it_is_written(seed_store, tmp_path: Path):
    zones = seed_store.read_layer("hazard_zones")
    ended = zones[zones["valid_to"].notna()].sort_values("valid_to").iloc[-1]
    hour = pd.Timedelta(hours=1)
    texts = [
        write_public_map(seed_store, tmp_path / f"{i}.html", now=when.to_pydatetime()).read_text(
            encoding="utf-8"
        )
        for i, when in enumerate((ended["valid_to"] - hour, ended["valid_to"] + hour))
    ]
    name = html.escape(str(ended["name"]))
    assert texts[0].count(name) > texts[1].count(name) == 0


def test_the_file_has_a_title_a_legend_place_names_and_the_project_charts(seed_html):
    assert '<div class="eoc-public-title"><h1>Tajikistan: displacement' in seed_html
    legend = seed_html.split('class="eoc-public-legend"')[1].split("</div></div>")[0]
    for text in ("Displacement sites", "Open", "Hazard zones", "Earthquake", "Border checkpoints"):
        assert text in legend, text
    assert place_label("Dushanbe") in seed_html and place_label("Khorugh") in seed_html
    charts = seed_html.split('class="eoc-public-charts"')[1].split("</section>")[0]
    for title in ("Projects by donor", "Projects by kind", "Projects by region"):
        assert f"<figcaption>{title}</figcaption>" in charts
    assert "Government of Japan" in charts and "<script" not in charts
    # A scale bar, in kilometres only.
    assert "L.control.scale({imperial: false}).addTo(map_" in seed_html
    assert "L.control.scale()" not in seed_html


def test_a_russian_file_names_places_in_cyrillic(operational, seed_frames):
    from eoc.i18n import language

    with language("ru"):
        page = build_public_map_html(operational, seed_frames, version=7)
    assert place_label("Хорог") in page or place_label(json_ascii("Хорог")) in page
    # A checkpoint's tooltip is titled with its Russian name (its data keeps all three).
    assert f'"name": "{json_ascii("Кызыл-Арт")}"' in page
    assert "Проекты" in page.split('class="eoc-public-charts"')[1]
    assert not EXTERNAL.search(page)


def place_label(name: str) -> str:
    """A place name's label as folium writes it (a permanent tooltip's HTML)."""
    return f'<span class="eoc-place">{name}</span>'


def json_ascii(text: str) -> str:
    import json

    return json.dumps(text)[1:-1]
