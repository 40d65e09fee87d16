"""The public donor map (`/public`). Placeholder until the public view lands."""

from __future__ import annotations

import dash
from dash import Dash, html


def layout(**_query: str) -> html.Div:
    return html.Div("The public map is being prepared.", className="public-page")


def register(app: Dash) -> None:
    dash.register_page(
        __name__,
        path="/public",
        title="EOC Tajikistan — Public map",
        layout=layout,
        name="Public map",
    )
