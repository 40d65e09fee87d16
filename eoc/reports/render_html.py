"""The situation report as one self-contained HTML page (print-ready; images as data: URIs)."""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

import jinja2

from eoc.i18n import _, current_language
from eoc.reports import wording
from eoc.reports.model import Sitrep

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=False,
        undefined=jinja2.StrictUndefined,
    )


def report_css() -> str:
    return (TEMPLATES / "sitrep.css").read_text(encoding="utf-8")


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_html(report: Sitrep, *, extra_css: str = "") -> str:
    """The report in the current language as a complete HTML document.

    Nothing in it is fetched: the style sheet is inline and the map is a data: URI, so the
    file opens offline and a PDF engine needs no network.
    """
    return render_template(
        "sitrep.html",
        report=report,
        lang=current_language(),
        title=wording.title(report),
        css=report_css() + extra_css,
        map_uri=png_data_uri(report.map_png) if report.map_png else None,
        w=wording,
        S=wording.SECTIONS,
    )


def render_template(name: str, **context: object) -> str:
    """Template `name` of eoc/reports/templates with `context` (and `_`), autoescaped.

    Every HTML the reports write comes through here: the situation report and the exercise's
    after-action report (eoc/exercise/report.py).
    """
    return _environment().get_template(name).render(_=_, **context)
