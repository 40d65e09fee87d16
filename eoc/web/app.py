"""The app factory: one Dash app over one store."""

from __future__ import annotations

import dash
from dash import Dash, dcc, html

from eoc.config import PROJECT_DIR, Settings
from eoc.store import Store
from eoc.web.cache import VersionedCache
from eoc.web.context import CACHE_KEY, SETTINGS_KEY
from eoc.web.pages import operations, public
from eoc.web.routes import register_routes

ASSETS_DIR = PROJECT_DIR / "assets"


def create_app(store: Store, settings: Settings) -> Dash:
    """A Dash app serving `store`; nothing is read until a page asks."""
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS_DIR),
        title="EOC Tajikistan",
        suppress_callback_exceptions=True,
        serve_locally=True,
    )
    app.server.config[CACHE_KEY] = VersionedCache(store)
    app.server.config[SETTINGS_KEY] = settings
    operations.register(app)
    public.register(app)
    app.layout = _shell
    register_routes(app.server)
    return app


def _shell() -> html.Div:
    return html.Div(
        className="shell",
        children=[
            html.Header(
                className="topbar",
                children=[
                    html.H1("EOC Tajikistan"),
                    html.Span(
                        "Committee of Emergency Situations and Civil Defence · CCCM",
                        className="subtitle",
                    ),
                    html.Nav(
                        [
                            dcc.Link(page["name"], href=page["relative_path"])
                            for page in dash.page_registry.values()
                        ]
                    ),
                ],
            ),
            html.Main(dash.page_container, className="content"),
        ],
    )
