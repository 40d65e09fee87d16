"""Rendering: self-contained HTML, Markdown tables, a PDF with embedded fonts and a visible map,
in Tajik, Russian and English — the PDF made through the CLI after the USGS feed was applied.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eoc.cli import main
from eoc.i18n import _, format_number, language
from eoc.reports.build import build_sitrep
from eoc.reports.model import FreeText
from eoc.reports.render_html import render_html
from eoc.reports.render_markdown import render_markdown
from eoc.reports.render_pdf import FONT_DIR, render_pdf
from eoc.reports.wording import table_rows
from eoc.store import GeoPackageStore

AS_OF = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "usgs_sample.geojson"
TAJIK_LETTERS = "ӣӯҳқғҷӢӮҲҚҒҶ"
POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdftoppm"))
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="poppler-utils (pdftotext, pdffonts, pdftoppm) is not installed"
)


@pytest.fixture(scope="module")
def report(seed_store):
    text = FreeText(
        overview="Roads to <Murghob> reopened.\n\nSecond paragraph.", response="", gaps="Fuel"
    )
    return build_sitrep(seed_store, as_of=AS_OF, produced_by="EOC duty officer", free_text=text)


@pytest.fixture(scope="module")
def fed_store(seed_store, tmp_path_factory) -> GeoPackageStore:
    """A copy of the seed store after `eoc feed usgs tests/data/usgs_sample.geojson`."""
    store = GeoPackageStore(tmp_path_factory.mktemp("fed") / "fed.gpkg")
    shutil.copyfile(seed_store.path, store.path)
    assert main(["feed", "usgs", str(SAMPLE), "--store", str(store.path)]) == 0
    return store


@pytest.fixture(scope="module")
def pdfs(fed_store, tmp_path_factory) -> dict[str, Path]:
    """`eoc sitrep --format pdf` in each language, on the fed store."""
    folder = tmp_path_factory.mktemp("pdf")
    out = {}
    for lang in ("en", "ru", "tg"):
        path = folder / f"s-{lang}.pdf"
        argv = ["sitrep", "--format", "pdf", "--out", str(path), "--store", str(fed_store.path)]
        assert main([*argv, "--as-of", "2026-11-22T06:00Z", "--lang", lang]) == 0
        out[lang] = path
    return out


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_html_is_self_contained(report):
    with language("en"):
        page = render_html(report)
    assert not re.search(r"https?://", page), "the report must fetch nothing"
    assert 'src="data:image/png;base64,' in page
    assert "<link" not in page and "@import" not in page


def test_html_escapes_free_text_and_shows_the_figures(report):
    with language("en"):
        page = render_html(report)
    assert "Roads to &lt;Murghob&gt; reopened." in page
    assert "<p>Second paragraph.</p>" in page
    assert "Response</h2>" not in page  # empty free-text sections are left out
    for key in ("residents_in_zones", "displaced", "people_in_sites"):
        assert format_number(report.figure(key)) in page


def test_markdown_has_the_tables(report):
    with language("en"):
        text = render_markdown(report)
    assert "| Region | Residents in zones | Displacement sites |" in text
    assert "| **Total** | **61,132** |" in text
    assert "| Item | Quantity | Unit | Frequency |" in text
    assert "| food | " in text
    assert "Roads to &lt;Murghob&gt; reopened." in text
    assert not re.search(r"https?://", text)


def test_every_edition_states_how_residents_were_counted(report):
    """The people figures carry their method: WorldPop at ~10 km, a district-level estimate."""
    with language("en"):
        page, text = render_html(report), render_markdown(report)
    for edition in (page, text):
        assert "Residents are estimated from WorldPop 2020" in edition
        assert "district-level estimate, coarse for narrow valley floods" in edition
        assert "0 residents live" not in edition
    assert page.count("district-level estimate") >= 4  # method note + each exposure table
    assert "Method and coverage" in page and "**Method and coverage**" in text


EVIL = "**bold** [click](javascript:alert(1)) <img src=x onerror=alert(1)> a|b `code`"


def test_markdown_prints_names_in_cells_and_produced_by_as_typed(report):
    sites = report.sites
    first = list(sites.rows[0])
    first[0] = EVIL  # the site name
    evil_sites = replace(sites, rows=(tuple(first), *sites.rows[1:]))
    with language("en"):
        text = render_markdown(replace(report, sites=evil_sites, produced_by=EVIL + "\n# H"))
    escaped = (
        r"\*\*bold\*\* \[click\](javascript:alert(1)) &lt;img src=x onerror=alert(1)&gt; "
        r"a\|b \`code\`"
    )
    assert f"| {escaped} |" in text  # one cell: the pipe does not split it
    assert f"- Produced by: **{escaped} # H**" in text  # one line: no heading injected
    assert "<img" not in text and "[click](" not in text and "**bold**" not in text


@pytest.mark.parametrize("lang", ["en", "ru", "tg"])
def test_the_report_renders_in_each_language(report, lang):
    with language(lang):
        heading = _("Region")
        page, text = render_html(report), render_markdown(report)
    if lang != "en":
        assert heading != "Region", f"no {lang} translation of a table heading"
    assert f">{heading}</th>" in page
    assert f"| {heading} |" in text


@pytest.mark.parametrize(
    ("lang", "shown", "not_shown"),
    [
        ("en", ["Panji Poyon", "Kyzyl-Art"], "Панҷи Поён"),
        ("ru", ["Нижний Пяндж", "Кызыл-Арт"], "Panji Poyon"),
        ("tg", ["Панҷи Поён", "Қизиларт", "Дӯстӣ (Турсунзода)"], "Panji Poyon"),
    ],
)
def test_the_checkpoint_table_names_the_checkpoints_in_the_reports_language(
    report, lang, shown, not_shown
):
    """One report, built once, names its checkpoints as each language writes them."""
    with language(lang):
        names = [row[0] for row in table_rows(report.checkpoints, report.region_names)]
        page, text = render_html(report), render_markdown(report)
    assert len(names) == 12
    assert set(shown) <= set(names) and not_shown not in names
    for name in shown:
        assert f"<td>{name}</td>" in page and f"| {name} |" in text


def test_the_shipped_font_has_the_tajik_letters():
    from fontTools.ttLib import TTFont

    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        cmap = TTFont(FONT_DIR / name).getBestCmap()
        assert all(ord(letter) in cmap for letter in TAJIK_LETTERS), name
    assert (FONT_DIR / "LICENSE-DejaVu.txt").is_file()


def test_the_pdf_fetches_nothing_but_data_and_the_font_folder(report, monkeypatch):
    import weasyprint

    seen = []
    original = weasyprint.HTML

    def spy(*args, url_fetcher=None, **kwargs):
        seen.append(url_fetcher)
        return original(*args, url_fetcher=url_fetcher, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", spy)
    with language("en"):
        assert render_pdf(report)[:5] == b"%PDF-"
    fetcher = seen[0]
    for url in ("https://example.org/x.png", "file:///etc/passwd", "http://localhost/"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch((FONT_DIR / "DejaVuSans.ttf").as_uri()) is not None


@needs_poppler
def test_cli_pdf_after_the_feed_shows_the_figures(pdfs, fed_store):
    assert pdfs["en"].stat().st_size > 50_000
    fed = build_sitrep(fed_store, as_of=AS_OF, produced_by="x", draw_map=False)
    text = pdf_text(pdfs["en"])
    with language("en"):
        for key in ("residents_in_zones", "displaced", "people_in_sites", "sites_in_zones"):
            assert format_number(fed.figure(key)) in text, key
    assert "M6.8 earthquake" not in text  # the country report leads with the M7.2 scenario
    assert "Highlights" in text and "Key figures" in text
    assert "Method and coverage" in text and "WorldPop 2020" in text


@needs_poppler
def test_cli_pdf_embeds_its_fonts(pdfs):
    listing = subprocess.run(
        ["pdffonts", str(pdfs["tg"])], capture_output=True, text=True, check=True
    ).stdout
    fonts = listing.splitlines()[2:]
    assert fonts, listing
    # Columns from the right: emb sub uni object ID.
    assert all(line.split()[-5] == "yes" for line in fonts), listing
    assert any("EOC-Report-Sans" in line for line in fonts)


@needs_poppler
def test_cli_pdf_pages_show_the_map(pdfs, tmp_path):
    from PIL import Image

    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(pdfs["en"]), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2

    def colourful(path: Path) -> int:
        colours = Image.open(path).convert("RGB").getcolors(1 << 20)
        return sum(1 for _count, rgb in colours if max(rgb) - min(rgb) > 40)

    counts = [colourful(page) for page in pages]
    # Text pages hold a few hundred colours (blue headings, grey anti-aliasing); the map page
    # over a thousand (zones, sites, checkpoints, blended fills).
    assert max(counts) >= 800, counts


@needs_poppler
@pytest.mark.parametrize("lang", ["ru", "tg"])
def test_cli_pdf_text_is_cyrillic(pdfs, lang):
    text = pdf_text(pdfs[lang])
    assert len(re.findall(r"[А-Яа-яЁё]", text)) > 200
    with language(lang):
        assert _("Region") in text
    if lang == "tg":
        assert any(letter in text for letter in TAJIK_LETTERS)
