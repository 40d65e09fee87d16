"""Texts inside Plotly charts that stay readable in Tajik and Russian, whose names run long."""

from __future__ import annotations

import html
import textwrap

import plotly.graph_objects as go

LABEL_LINE_CHARS = 16  # a category under a bar: five regions side by side in half a screen
DAY_TICKS = "%d.%m"  # day first and no month names: Plotly writes those in English only
BAR_TEXT_ROOM = 1.2  # the value axis reaches this far over the tallest bar: texts above it fit


def wrap_label(text: object, *, width: int = LABEL_LINE_CHARS) -> str:
    """`text` escaped and broken into lines of about `width` characters at spaces (Plotly
    draws `<br>`), so long names stand level under their bar instead of slanting into their
    neighbours. A word longer than `width` stays whole."""
    lines = textwrap.wrap(str(text), width=width, break_long_words=False, break_on_hyphens=False)
    return "<br>".join(html.escape(line) for line in lines) or html.escape(str(text))


def leave_room_for_bar_texts(fig: go.Figure) -> go.Figure:
    """Start the value axis at 0 and end it above the tallest bar, so the numbers written over
    the bars stay inside the plot (and off the legend above it)."""
    values = [trace.y for trace in fig.data if trace.type == "bar" and trace.y is not None]
    tallest = max((float(v) for y in values for v in y if v == v), default=0.0)  # NaN != NaN
    if tallest > 0:
        fig.update_yaxes(range=[0, tallest * BAR_TEXT_ROOM], autorange=False)
    return fig


def note_no_data(fig: go.Figure, text: str) -> go.Figure:
    """An empty chart says so in words (`text`, translated), with no bare axes from −1 to 6."""
    fig.add_annotation(
        text=html.escape(text),
        showarrow=False,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig
