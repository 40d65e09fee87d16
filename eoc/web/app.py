"""The app factory: one Dash app over one store."""

from __future__ import annotations

import dash
from dash import Dash, dcc, html

from eoc.config import PROJECT_DIR, Settings
from eoc.i18n import _
from eoc.permissions import Action, is_allowed
from eoc.store import Store
from eoc.web.cache import VersionedCache
from eoc.web.cap_routes import register_cap_routes
from eoc.web.components.exercise_banner import exercise_banner, register_exercise_banner
from eoc.web.context import CACHE_KEY, SETTINGS_KEY, current_exercise_title
from eoc.web.headers import install_security_headers
from eoc.web.jobs import install_jobs
from eoc.web.language import install_language, language_links
from eoc.web.login import install_auth
from eoc.web.pages import (
    admin_users,
    alerts,
    audit,
    capacity,
    data_io,
    exercise,
    operations,
    public,
    relocation,
    reports,
    wall,
)
from eoc.web.routes import register_routes
from eoc.web.security import current_role, current_username
from eoc.web.serving import EocDash, cache_dir_for, install_serving, public_answers_for

ASSETS_DIR = PROJECT_DIR / "assets"


def create_app(store: Store, settings: Settings) -> Dash:
    """A Dash app serving `store`; nothing is read until a page asks."""
    app = EocDash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS_DIR),
        title="EOC Tajikistan",
        suppress_callback_exceptions=True,
        serve_locally=True,
    )
    cache = VersionedCache(store)
    app.server.config[CACHE_KEY] = cache
    app.server.config[SETTINGS_KEY] = settings
    # Uploads arrive base64-encoded: a file at the import limit is 4/3 of it as a request.
    app.server.config["MAX_CONTENT_LENGTH"] = settings.import_max_bytes * 4 // 3 + 2 * 1024 * 1024
    install_language(app.server)
    install_auth(app.server, store, settings)
    install_serving(app.server, public_answers_for(store, settings, probe=cache.probe))
    install_jobs(app.server, settings, cache_dir_for(store, settings))  # before the pages
    operations.register(app)
    public.register(app)
    audit.register(app)
    admin_users.register(app)
    wall.register(app)
    capacity.register(app)
    relocation.register(app)
    reports.register(app)
    data_io.register(app)
    alerts.register(app)
    exercise.register(app)
    register_exercise_banner(app)
    app.layout = _shell
    register_routes(app.server)
    register_cap_routes(app.server)
    install_security_headers(app, online_tiles=settings.online_tiles)
    return app


def _shell() -> html.Div:
    banner = exercise_banner()  # None on a live store
    return html.Div(
        className="shell exercise-shell" if banner is not None else "shell",
        children=[
            *([banner] if banner is not None else []),
            html.Header(
                className="topbar",
                children=[
                    html.H1(_("EOC Tajikistan")),
                    html.Span(
                        _("Committee of Emergency Situations and Civil Defence · CCCM"),
                        className="subtitle",
                    ),
                    html.Nav([*_nav_links(), language_links()]),
                ],
            ),
            html.Main(dash.page_container, className="content"),
        ],
    )


def _nav_links() -> list:
    """Links to the pages the session's role may open, and sign in/out."""
    role = current_role()
    exercise = current_exercise_title() is not None
    links = [
        dcc.Link(_(str(page.get("name"))), href=page["relative_path"])
        for page in dash.page_registry.values()
        if is_allowed(role, page.get("action", Action.VIEW_INTERNAL))
        and (exercise or not page.get("exercise_only"))
    ]
    user = current_username()
    if user:
        label = _("Sign out ({user})").format(user=user)
        # A form, not a link: signing out changes state, so it is a POST (no GET writes).
        links.append(
            html.Form(
                html.Button(label, type="submit", className="nav-user link-button"),
                action="/logout",
                method="POST",
                className="nav-signout",
            )
        )
    else:
        links.append(html.A(_("Sign in"), href="/login"))
    return links
