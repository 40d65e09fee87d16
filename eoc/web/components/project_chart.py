"""Bar charts of what infrastructure projects add up to, for the public page."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

import layers
from eoc.i18n import N_, _, format_number, localised, plotly_separators
from eoc.web.components.map_figure import format_value

PROJECTS_COLOUR = "#0b5394"
BENEFICIARIES_COLOUR = "#c2185b"
BAR_HEIGHT_PX = 26
# The public summaries of projects: (field grouped by, title), on /public and in the export.
PUBLIC_SUMMARIES = (
    ("donor", N_("Projects by donor")),
    ("category", N_("Projects by kind")),
    ("adm1_iso", N_("Projects by region")),
)


def region_labels(regions) -> dict[str, str]:
    """adm1 code -> the region's short name in the current language (Cyrillic on tg/ru)."""
    return {str(row.adm1_iso): localised(row, "name_short") for row in regions.itertuples()}


def build_project_bars_html(
    totals: pd.DataFrame,
    *,
    by: str,
    title: str,
    field: layers.Field | None = None,
    labels: Mapping[str, str] | None = None,
    escape: Callable[[str], str] = html.escape,
) -> str:
    """The same summary as `build_project_chart`, as static HTML bars (no script, no CDN):
    for the offline public map, where Plotly's library is not shipped. Every text goes
    through `escape`."""
    names = [(labels or {}).get(str(key)) or format_value(key, field) for key in totals[by]]
    most = max([int(v) for v in totals["beneficiaries"]] + [1])
    rows = []
    for name, count, people in zip(names, totals["projects"], totals["beneficiaries"], strict=True):
        width = round(100 * int(people) / most, 1)
        rows.append(
            "<tr>"
            f'<th scope="row">{escape(name)}</th>'
            f'<td class="num">{escape(format_number(int(count)))}</td>'
            f'<td class="bar"><span style="width:{width}%"></span>'
            f"<b>{escape(format_number(int(people)))}</b></td>"
            "</tr>"
        )
    head = (
        f"<tr><th></th><th>{escape(_('Projects'))}</th><th>{escape(_('Beneficiaries'))}</th></tr>"
    )
    return (
        f'<figure class="eoc-chart"><figcaption>{escape(title)}</figcaption>'
        f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table></figure>"
    )


def build_project_chart(
    totals: pd.DataFrame,
    *,
    by: str,
    title: str,
    field: layers.Field | None = None,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """Projects and beneficiaries per group of `totals` (from `project_totals`), side by side.

    `labels` names the group keys (e.g. region codes to region names); other keys are shown
    as `field` labels its values.
    """
    # Plotly draws text as (a subset of) HTML: escape every label that comes from data.
    names = [
        html.escape((labels or {}).get(str(key)) or format_value(key, field)) for key in totals[by]
    ]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.06)
    fig.add_trace(
        go.Bar(
            x=totals["projects"].tolist(),
            y=names,
            orientation="h",
            name=_("Projects"),
            marker_color=PROJECTS_COLOUR,
            text=totals["projects"].tolist(),
            textposition="auto",
            textangle=0,
            hovertemplate="%{y}<br>" + html.escape(_("Projects")) + ": %{x:,}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=totals["beneficiaries"].tolist(),
            y=names,
            orientation="h",
            name=_("Beneficiaries"),
            marker_color=BENEFICIARIES_COLOUR,
            text=[format_number(int(value)) for value in totals["beneficiaries"]],
            textposition="auto",
            textangle=0,
            hovertemplate="%{y}<br>" + html.escape(_("Beneficiaries")) + ": %{x:,}<extra></extra>",
        ),
        row=1,
        col=2,
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(rangemode="tozero", title_font={"size": 12})
    fig.update_xaxes(title_text=_("Projects"), row=1, col=1)
    fig.update_xaxes(title_text=_("Beneficiaries"), row=1, col=2)
    fig.update_layout(
        title={"text": html.escape(title), "x": 0.01, "font": {"size": 15}},
        showlegend=False,
        height=130 + BAR_HEIGHT_PX * max(len(names), 1),
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": "Noto Sans, DejaVu Sans, sans-serif", "size": 12},
        separators=plotly_separators(),  # "9 470" in Russian and Tajik
    )
    return fig
