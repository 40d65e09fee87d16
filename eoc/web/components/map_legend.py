"""A map legend as HTML beside the map: each layer's title and the colour of each category.

The wall hides Plotly's own legend (it cannot be sized for a room or kept off the markers);
this one is laid out by CSS, so it scales with the screen and its box can be checked in tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dash import html

import layers
from eoc.i18n import N_, _
from eoc.web.components.map_figure import categories

LEGEND_TITLE = N_("Map legend")


def legend_entries(layer_names: Iterable[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(layer title, [(category label, colour), …]) for each layer, in registry order."""
    entries = []
    for name in _ordered(layer_names):
        spec = layers.get(name)
        key = spec.style.color_by
        rows = [
            (
                _(spec.title) if category is None else _(spec.field(key).value_label(category)),
                spec.style.color_of(category),
            )
            for category in categories(spec)
        ]
        entries.append((_(spec.title), rows))
    return entries


def build_map_legend(
    layer_names: Iterable[str], *, element_id: str | None = None, extra: Sequence[html.Div] = ()
) -> html.Div:
    """The legend of the layers `layer_names`: a titled group per layer, a swatch per colour,
    then the `extra` groups (`legend_group`: what is drawn besides the layers).

    A layer drawn in one colour is one line: its swatch and title.
    """
    names = _ordered(layer_names)
    groups = [
        legend_group(
            name,
            title,
            rows,
            shape="legend-dot" if layers.get(name).geometry == "Point" else "legend-area",
        )
        for name, (title, rows) in zip(names, legend_entries(names), strict=True)
    ]
    extra_id = {"id": element_id} if element_id else {}
    return html.Div(
        [*groups, *extra],
        className="map-legend",
        role="note",
        **{"aria-label": _(LEGEND_TITLE)},
        **extra_id,
    )


def legend_group(key: str, title: str, rows: Sequence[tuple[str, str]], *, shape: str) -> html.Div:
    """One group of the legend: `title` over a (label, colour) line each; one line if one.

    `shape`: "legend-dot" (points), "legend-area" (filled areas) or "legend-outline".
    """
    if len(rows) == 1:
        return html.Div(
            _row(shape, title, rows[0][1], tag=html.Div),
            className=f"legend-group legend-single legend-{key}",
        )
    return html.Div(
        className=f"legend-group legend-{key}",
        children=[
            html.Div(title, className="legend-title"),
            html.Ul(
                [_row(shape, label, colour) for label, colour in rows],
                className="legend-rows",
            ),
        ],
    )


def _row(shape: str, label: str, colour: str, *, tag=html.Li):
    return tag(
        [
            html.Span(className=f"legend-swatch {shape}", style=_swatch_style(shape, colour)),
            html.Span(label, className="legend-label"),
        ],
        className="legend-row",
    )


def _swatch_style(shape: str, colour: str) -> dict:
    if shape == "legend-outline":  # an area drawn by its edge: the swatch is the edge
        return {"border": f"3px solid {colour}", "background": "transparent"}
    return {"background": colour}


def _ordered(layer_names: Iterable[str]) -> list[str]:
    names = set(layer_names)
    return [name for name in layers.REGISTRY if name in names]
