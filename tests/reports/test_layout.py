"""The printed sitrep reads well: what to act on on page 1, whole words in table cells, a map
with place names and a scale, no internal file paths or "(no name)" rows, the scenario notice.

Checked on the PDF itself (poppler's pdftotext) against the report model's own words.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eoc.i18n import _, language
from eoc.reports import wording
from eoc.reports.build import build_sitrep
from eoc.reports.model import FreeText
from eoc.reports.render_pdf import render_pdf
from eoc.reports.snapshot import read_snapshot
from tests.reports.test_render import needs_poppler

AS_OF = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
FREE = FreeText(
    overview="A strong earthquake struck eastern GBAO overnight.",
    response="Search teams deployed to Khorugh and Rushon.",
    gaps="Winter tents and fuel for heating.",
)
LANGS = ("en", "ru", "tg")
WORD = re.compile(r"\w+")


@pytest.fixture(scope="module")
def report(seed_store):
    return build_sitrep(seed_store, as_of=AS_OF, produced_by="EOC duty officer", free_text=FREE)


@pytest.fixture(scope="module")
def pdfs(report, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("layout")
    out = {}
    for lang in LANGS:
        with language(lang):
            out[lang] = folder / f"sitrep-{lang}.pdf"
            out[lang].write_bytes(render_pdf(report))
    return out


def pdf_text(path: Path, *, page: int | None = None, layout: bool = False) -> str:
    """The PDF's text; `layout` keeps each line as printed (no joining of "Gorno-" and
    "Badakhshan" at a line end into one word, which the default reading order does)."""
    options = ["-f", str(page), "-l", str(page)] if page else []
    options += ["-layout"] if layout else []
    return subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def words_of(text: str) -> list[str]:
    """Letters-and-digits runs: "Statu s" gives "Statu" and "s", never "Status"; a line break
    after a real hyphen ("Gorno-" / "Badakhshan") or pdftotext's spacing of "5 %" changes
    nothing."""
    return WORD.findall(text)


def table_words(report) -> Counter:
    """Every word of every table cell and heading, as the renderer writes them."""
    words: Counter = Counter()
    tables = [
        report.zones,
        report.exposure_by_region,
        report.exposure_by_district,
        report.sites,
        report.displaced_by_zone,
        report.needs,
        report.checkpoints,
        report.infrastructure,
        report.incidents,
    ]
    for table in tables:
        if not table.rows:
            continue
        for column in table.columns:
            words.update(words_of(_(column.label)))
        for row in wording.table_rows(table, report.region_names):
            for text in row:
                words.update(words_of(text))
    return words


@needs_poppler
@pytest.mark.parametrize("lang", LANGS)
def test_no_word_is_broken_inside_a_table_cell(report, pdfs, lang):
    with language(lang):
        expected = table_words(report)
    printed = Counter(words_of(pdf_text(pdfs[lang], layout=True)))
    broken = {w: n - printed[w] for w, n in expected.items() if printed[w] < n}
    assert broken == {}, f"words printed in pieces ({lang}): {sorted(broken)[:20]}"


@needs_poppler
@pytest.mark.parametrize("lang", LANGS)
def test_page_one_holds_the_written_sections_the_figures_and_the_notice(report, pdfs, lang):
    first = " ".join(pdf_text(pdfs[lang], page=1).split())
    with language(lang):
        headings = [_(wording.SECTIONS[k]) for k in ("overview", "response", "gaps", "key_figures")]
        labels = [_(item.label) for item in report.key_figures]
        notice = _(wording.SCENARIO_NOTICE)
    for text in [*headings, FREE.overview, FREE.response, FREE.gaps, notice]:
        assert " ".join(text.split()) in first, text
    for label in labels:
        assert label.split()[0] in first, label


@needs_poppler
@pytest.mark.parametrize("lang", LANGS)
def test_no_internal_path_and_no_unnamed_rows_are_printed(pdfs, lang):
    text = pdf_text(pdfs[lang])
    assert "data/standards" not in text and ".csv" not in text
    assert "(no name)" not in text and "(без названия)" not in text and "(бе ном)" not in text


def test_unnamed_facilities_are_counted_in_one_row_per_kind_and_place(report):
    with language("en"):
        rows = wording.table_rows(report.infrastructure, report.region_names)
    counted = [row for row in rows if row[1].endswith(" unnamed")]
    assert counted, "the seed's unnamed OpenStreetMap facilities should be grouped"
    keys = [(row[0], row[2], row[3], row[4], row[5]) for row in counted]
    assert len(keys) == len(set(keys))
    assert all(int(row[1].split()[0]) >= 1 for row in counted)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_map_names_places_and_has_a_scale_bar(seed_store, lang):
    from eoc.reports.map_image import build_sitrep_figure

    snapshot = read_snapshot(seed_store)
    frames = snapshot.frames
    with language(lang):
        figure = build_sitrep_figure(
            frames, zones=frames["hazard_zones"], sites=frames["displacement_sites"]
        )
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert "Dushanbe" in texts or "Душанбе" in texts
    assert len(texts) >= 14 + 5, "place and region names are missing"
    scale = [t for t in texts if t.endswith(" km") or t.endswith(" км")]
    assert scale and scale[0].split()[0].isdigit()
