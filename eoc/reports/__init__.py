"""Situation reports: a plain data model built from the store at one version, then rendered.

build.py makes the `Sitrep` (model.py); render_html.py, render_pdf.py and render_markdown.py
write it; map_image.py draws its map; archive.py publishes it (numbered, immutable) into the
store.
"""

FORMATS = ("html", "pdf", "md")
