"""Situation report from the seed store: the whole build (read the store at one version,
exposure, tables, map image) plus rendering, as HTML and as PDF. `python -m bench sitrep`.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench import Figure, median_seconds
from eoc.config import DEFAULT_SEED_DIR
from eoc.reports.build import build_sitrep
from eoc.reports.render_html import render_html
from eoc.reports.render_pdf import render_pdf
from eoc.store import GeoPackageStore
from eoc.store.seed import build_from_seed

AS_OF = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
REPEAT = 5


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        store = GeoPackageStore(Path(folder) / "seed.gpkg")
        build_from_seed(store, DEFAULT_SEED_DIR, now=AS_OF)

        def report():
            return build_sitrep(store, as_of=AS_OF, produced_by="bench")

        html_s = median_seconds(lambda: render_html(report()), repeat=REPEAT)
        pdf_s = median_seconds(lambda: render_pdf(report()), repeat=REPEAT)
        built = report()
        pdf_kb = len(render_pdf(built)) / 1024
        event_s = median_seconds(
            lambda: render_html(
                build_sitrep(store, as_of=AS_OF, produced_by="bench", event_id="INC-20261121-003")
            ),
            repeat=REPEAT,
        )
    return [
        Figure("sitrep HTML from the seed store (build + map + render)", html_s, "s", "<", 2.0),
        Figure("sitrep PDF from the seed store (build + map + render)", pdf_s, "s", "<", 10.0),
        Figure("sitrep HTML for one event (INC-20261121-003)", event_s, "s", "<", 2.0),
        Figure("PDF size (country report, fonts subset and embedded)", pdf_kb, "KB", "<", 2048),
    ]
