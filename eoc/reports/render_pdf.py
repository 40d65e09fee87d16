"""The situation report as a PDF (WeasyPrint), with its fonts embedded and nothing fetched.

The HTML edition is printed as it is, plus page furniture (running title, page numbers) and
the report font: DejaVu Sans (Latin and Cyrillic with the Tajik letters ӣ ӯ ҳ қ ғ ҷ), shipped in
assets/fonts with its licence. The URL fetcher allows data: URIs and files of that one folder,
nothing else — no network, no other file on the server.
"""

from __future__ import annotations

from pathlib import Path

from eoc.config import PROJECT_DIR
from eoc.errors import EocError
from eoc.i18n import _
from eoc.reports import wording
from eoc.reports.model import Sitrep
from eoc.reports.render_html import render_html

FONT_DIR = PROJECT_DIR / "assets" / "fonts"
FONT_FAMILY = "EOC Report Sans"
FONT_FILES = {"normal": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}


class ReportRenderError(EocError):
    """The PDF could not be made (a missing font or PDF engine)."""


def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class FontFolderFetcher(URLFetcher):
        """Fetches data: URIs and the report fonts; refuses every other URL."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data", "file"}, timeout=2)

        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                from urllib.parse import unquote, urlsplit

                path = Path(unquote(urlsplit(url).path)).resolve()
                if path.parent != FONT_DIR.resolve() or path.suffix.lower() != ".ttf":
                    raise ValueError(f"the report may not read {url}")
            elif not url.startswith("data:"):
                raise ValueError(f"the report fetches nothing from outside: {url}")
            return super().fetch(url, headers)

    return FontFolderFetcher


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def font_css() -> str:
    """@font-face rules for the shipped fonts (ReportRenderError if one is missing)."""
    faces = []
    for weight, name in FONT_FILES.items():
        path = FONT_DIR / name
        if not path.is_file():
            raise ReportRenderError(
                _("the report font {path} is missing; reinstall the application").format(path=path)
            )
        faces.append(
            f"@font-face {{ font-family: {_css_string(FONT_FAMILY)}; font-weight: {weight};"
            f" src: url({_css_string(path.resolve().as_uri())}); }}"
        )
    return "\n".join(faces)


def page_css(running_title: str, *, root: str = ".sitrep") -> str:
    """The page furniture: `running_title` at the top of each page, page numbers below."""
    running = _css_string(running_title)
    page = _css_string(_("Page") + " ")
    return "\n".join(
        [
            f"{root} {{ font-family: {_css_string(FONT_FAMILY)}, sans-serif; }}",
            "@page { @top-left { content: " + running + "; font-size: 7pt; color: #4a5562;"
            f" font-family: {_css_string(FONT_FAMILY)}; }}",
            "@bottom-right { content: " + page + ' counter(page) " / " counter(pages);'
            f" font-size: 7pt; color: #4a5562; font-family: {_css_string(FONT_FAMILY)}; }} }}",
        ]
    )


def pdf_css(report: Sitrep) -> str:
    """@font-face rules for the shipped fonts and the page furniture, in the current language."""
    running = wording.title(report) + " · " + wording.scope(report)
    if report.exercise:
        running = _(wording.EXERCISE_WORD) + " · " + running
    return font_css() + "\n" + page_css(running)


def html_to_pdf(document: str) -> bytes:
    """A complete HTML document (fonts from font_css, images as data: URIs) as PDF bytes.

    The one PDF engine of the application: situation reports and after-action reports.
    """
    try:
        import weasyprint
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ReportRenderError(_("PDF reports need WeasyPrint: pip install weasyprint")) from exc
    html = weasyprint.HTML(string=document, url_fetcher=_fetcher_class()())
    return html.write_pdf()


def render_pdf(report: Sitrep) -> bytes:
    """The report in the current language as PDF bytes."""
    return html_to_pdf(render_html(report, extra_css=pdf_css(report)))
